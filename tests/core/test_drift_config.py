"""The ``[drift]`` config section: defaults, values read from TOML, and readable errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lookout.core.config import ConfigError, load_config
from lookout.core.drift_config import DriftSettings, parse_drift_settings


def test_defaults_match_the_issue() -> None:
    settings = parse_drift_settings({})
    assert settings == DriftSettings()
    assert (settings.current_s, settings.baseline, settings.min_samples) == (86_400.0, "7d", 30)
    assert (settings.p_value, settings.distance, settings.psi_moderate, settings.psi_major) == (
        0.05,
        0.1,
        0.1,
        0.25,
    )


def test_every_setting_is_read_from_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[drift]\ncurrent = "6h"\nbaseline = "before-launch"\nmin_samples = 50\nmax_samples = 4000\n'
        'interval = "30m"\nkeep = "30d"\np_value = 0.01\ndistance = 0.2\npsi_moderate = 0.2\n'
        'psi_major = 0.4\nswap_share = 0.05\nrefusal_phrases = ["  ne mogu  "]\n'
    )
    drift = load_config(config, tmp_path).drift
    assert (drift.current_s, drift.baseline, drift.min_samples, drift.max_samples) == (
        21_600.0,
        "before-launch",
        50,
        4000,
    )
    assert (drift.interval_s, drift.keep_s, drift.p_value, drift.distance) == (
        1800.0,
        30 * 86_400.0,
        0.01,
        0.2,
    )
    assert (drift.psi_moderate, drift.psi_major, drift.swap_share) == (0.2, 0.4, 0.05)
    assert drift.refusal_phrases == ("ne mogu",)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"window": "1d"}, "unknown setting(s) window in [drift]"),
        ({"p_value": 1.5}, "drift.p_value must be between 0 and 1"),
        ({"distance": 0}, "drift.distance must be a positive number"),
        ({"min_samples": 0}, "drift.min_samples must be a positive integer"),
        ({"min_samples": 100, "max_samples": 50}, "max_samples must be at least drift.min_samples"),
        ({"psi_moderate": 0.3, "psi_major": 0.2}, "psi_major must be at least drift.psi_moderate"),
        ({"current": "soon"}, "drift.current: invalid duration"),
        ({"baseline": ""}, "drift.baseline must be a duration"),
        ({"refusal_phrases": "sorry"}, "refusal_phrases must be a list"),
        ({"refusal_phrases": ["ok", ""]}, "refusal_phrases must be a list"),
    ],
)
def test_bad_values_are_reported_by_name(raw: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_drift_settings(raw)
