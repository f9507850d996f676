"""Settings for the ``[drift]`` section of the config file (see ``core.config``).

Example (every value shown is the default, except the phrases)::

    [drift]
    current = "24h"          # the recent window
    baseline = "7d"          # the window before it; or the name of a pinned baseline
    min_samples = 30         # per window and metric; below it: "not enough data"
    max_samples = 3000       # per window and unit; larger windows are sampled (and say so)
    interval = "1h"          # how often the recorder stores drift snapshots
    keep = "90d"             # how long snapshots are kept
    p_value = 0.05           # KS, chi-square and z-test
    distance = 0.1           # normed Wasserstein and Jensen–Shannon
    psi_moderate = 0.1
    psi_major = 0.25
    swap_share = 0.02        # a new response model answering this share of calls is a swap
    refusal_phrases = ["I am not permitted to", "ne mogu pomoći"]   # added to the built-in list
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lookout.core.settings import ConfigError, positive_int_setting, reject_unknown, seconds_setting

_KEYS = {
    "current",
    "baseline",
    "min_samples",
    "max_samples",
    "interval",
    "keep",
    "p_value",
    "distance",
    "psi_moderate",
    "psi_major",
    "swap_share",
    "refusal_phrases",
}


@dataclass(frozen=True, slots=True)
class DriftSettings:
    """Defaults that suit a single developer; every field can be set in ``[drift]``."""

    current_s: float = 86_400.0
    baseline: str = "7d"  # a duration before the current window, or a pinned baseline's name
    min_samples: int = 30
    max_samples: int = 3000
    interval_s: float = 3600.0
    keep_s: float = 90 * 86_400.0
    p_value: float = 0.05
    distance: float = 0.1
    psi_moderate: float = 0.1
    psi_major: float = 0.25
    swap_share: float = 0.02
    refusal_phrases: tuple[str, ...] = ()


def parse_drift_settings(raw: dict[str, Any]) -> DriftSettings:
    """Validate the ``[drift]`` table; raise ConfigError with a readable message."""
    reject_unknown(raw, _KEYS, "[drift]")
    base = DriftSettings()
    baseline = raw.get("baseline", base.baseline)
    if not isinstance(baseline, str) or not baseline.strip():
        raise ConfigError("drift.baseline must be a duration such as 7d, or the name of a pinned baseline")
    settings = DriftSettings(
        current_s=seconds_setting(raw.get("current", base.current_s), "drift.current"),
        baseline=baseline.strip(),
        min_samples=positive_int_setting(raw.get("min_samples", base.min_samples), "drift.min_samples"),
        max_samples=positive_int_setting(raw.get("max_samples", base.max_samples), "drift.max_samples"),
        interval_s=seconds_setting(raw.get("interval", base.interval_s), "drift.interval"),
        keep_s=seconds_setting(raw.get("keep", base.keep_s), "drift.keep"),
        p_value=_fraction(raw.get("p_value", base.p_value), "drift.p_value"),
        distance=_fraction(raw.get("distance", base.distance), "drift.distance"),
        psi_moderate=_positive(raw.get("psi_moderate", base.psi_moderate), "drift.psi_moderate"),
        psi_major=_positive(raw.get("psi_major", base.psi_major), "drift.psi_major"),
        swap_share=_fraction(raw.get("swap_share", base.swap_share), "drift.swap_share"),
        refusal_phrases=_phrases(raw.get("refusal_phrases", [])),
    )
    if settings.psi_major < settings.psi_moderate:
        raise ConfigError("drift.psi_major must be at least drift.psi_moderate")
    if settings.max_samples < settings.min_samples:
        raise ConfigError("drift.max_samples must be at least drift.min_samples")
    if settings.current_s <= 0 or settings.interval_s <= 0:
        raise ConfigError("drift.current and drift.interval must be longer than zero")
    return settings


def _positive(value: Any, name: str) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        raise ConfigError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def _fraction(value: Any, name: str) -> float:
    number = _positive(value, name)
    if number >= 1:
        raise ConfigError(f"{name} must be between 0 and 1, got {value!r}")
    return number


def _phrases(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(phrase, str) and phrase.strip() for phrase in value):
        raise ConfigError("drift.refusal_phrases must be a list of non-empty strings")
    return tuple(phrase.strip() for phrase in value)
