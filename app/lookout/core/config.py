"""Configuration: defaults, the TOML config file, and where data lives.

Precedence, highest first: command-line flags, ``LOOKOUT_DATA_DIR`` (data dir
only), the config file, built-in defaults. The config file is ``--config FILE``
or, when it exists, ``config.toml`` in the platform's user config dir.

Example ``config.toml``::

    data_dir = "~/lookout-data"

    [proxy]
    port = 8787
    connect_timeout = "10s"
    read_timeout = "10m"

    [upstreams]
    mylab = "http://10.0.0.5:8000"

    [retention]
    calls = "30d"
    payloads = "7d"
    max_db_mb = 1024

    [prices."my-finetune"]
    input = 0.30      # USD per 1M tokens
    output = 1.20
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import platformdirs

from lookout.core.alerts_config import AlertsSettings, parse_alerts_settings
from lookout.core.drift_config import DriftSettings, parse_drift_settings
from lookout.core.errors_config import ErrorsSettings, parse_errors_settings
from lookout.core.settings import (
    ConfigError,
    positive_int_setting,
    reject_unknown,
    seconds_setting,
    table_setting,
)

__all__ = ["Config", "ConfigError", "load_config", "with_proxy"]

APP_NAME = "lookout"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8787


@dataclass(frozen=True, slots=True)
class ProxySettings:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    connect_timeout_s: float = 10.0
    # Reasoning models can think for minutes before the first byte.
    read_timeout_s: float = 600.0
    capture_limit_bytes: int = 1024 * 1024
    shutdown_grace_s: float = 10.0
    queue_max_records: int = 10_000
    queue_max_body_bytes: int = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class RetentionSettings:
    calls_max_age_s: float = 30 * 86400.0
    payloads_max_age_s: float = 7 * 86400.0
    max_db_bytes: int = 1024 * 1024 * 1024
    interval_s: float = 3600.0


Operator = Literal["replace", "mask", "hash", "drop"]
OPERATORS: tuple[Operator, ...] = ("replace", "mask", "hash", "drop")


@dataclass(frozen=True, slots=True)
class RedactionSettings:
    """How stored text is redacted. ``drop`` on an entity stores no body when it is found."""

    # An installed spaCy package (e.g. "en_core_web_md") turns on PERSON, LOCATION
    # and NRP; None means pattern recognizers only, with no model at all.
    ner_model: str | None = None
    default_operator: Operator = "replace"
    operators: Mapping[str, Operator] = field(default_factory=dict)  # per entity type
    time_budget_s: float = 2.0  # per call; over it the call is stored without bodies


@dataclass(frozen=True, slots=True)
class CaptureSettings:
    """Which bodies are stored (always redacted). Metadata is always stored."""

    store_bodies: bool = True
    success_sample_rate: float = 1.0  # errors are always kept
    max_body_bytes: int = 256 * 1024
    never_store_bodies_for: frozenset[str] = frozenset()  # upstream names


@dataclass(frozen=True, slots=True)
class Config:
    data_dir: Path
    proxy: ProxySettings = field(default_factory=ProxySettings)
    retention: RetentionSettings = field(default_factory=RetentionSettings)
    redaction: RedactionSettings = field(default_factory=RedactionSettings)
    capture: CaptureSettings = field(default_factory=CaptureSettings)
    errors: ErrorsSettings = field(default_factory=ErrorsSettings)
    alerts: AlertsSettings = field(default_factory=AlertsSettings)
    drift: DriftSettings = field(default_factory=DriftSettings)
    upstreams: Mapping[str, str] = field(default_factory=dict)  # user additions/overrides
    prices: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    @property
    def db_path(self) -> Path:
        return self.data_dir / "lookout.db"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_config_file() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


def load_config(
    config_file: str | Path | None = None,
    data_dir: str | Path | None = None,
    upstreams: Mapping[str, str] | None = None,
) -> Config:
    """Build the effective configuration. Raises ConfigError with a readable message."""
    raw = _read_toml(Path(config_file).expanduser() if config_file else None)
    known = {"data_dir", "proxy", "upstreams", "retention", "prices", "redaction", "capture"}
    known |= {"errors", "alerts", "drift"}
    reject_unknown(raw, known, "top level")
    chosen_dir = data_dir or os.environ.get("LOOKOUT_DATA_DIR") or raw.get("data_dir")
    config = Config(
        data_dir=Path(chosen_dir).expanduser() if chosen_dir else default_data_dir(),
        proxy=_proxy_settings(table_setting(raw, "proxy")),
        retention=_retention_settings(table_setting(raw, "retention")),
        redaction=_redaction_settings(table_setting(raw, "redaction")),
        capture=_capture_settings(table_setting(raw, "capture")),
        errors=parse_errors_settings(table_setting(raw, "errors")),
        alerts=parse_alerts_settings(table_setting(raw, "alerts")),
        drift=parse_drift_settings(table_setting(raw, "drift")),
        upstreams={**_string_table(table_setting(raw, "upstreams"), "upstreams"), **(upstreams or {})},
        prices=_prices(table_setting(raw, "prices")),
    )
    return config


def with_proxy(config: Config, **changes: Any) -> Config:
    """A copy of ``config`` with some proxy settings replaced (CLI flags)."""
    return replace(config, proxy=replace(config.proxy, **changes))


def _read_toml(path: Path | None) -> dict[str, Any]:
    if path is None:
        path = default_config_file()
        if not path.exists():
            return {}
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None


def _proxy_settings(raw: dict[str, Any]) -> ProxySettings:
    keys = {"host", "port", "connect_timeout", "read_timeout", "capture_limit_kb", "shutdown_grace"}
    reject_unknown(raw, keys, "[proxy]")
    base = ProxySettings()
    return ProxySettings(
        host=str(raw.get("host", base.host)),
        port=positive_int_setting(raw.get("port", base.port), "proxy.port"),
        connect_timeout_s=seconds_setting(
            raw.get("connect_timeout", base.connect_timeout_s), "proxy.connect_timeout"
        ),
        read_timeout_s=seconds_setting(raw.get("read_timeout", base.read_timeout_s), "proxy.read_timeout"),
        capture_limit_bytes=1024
        * positive_int_setting(
            raw.get("capture_limit_kb", base.capture_limit_bytes // 1024), "proxy.capture_limit_kb"
        ),
        shutdown_grace_s=seconds_setting(
            raw.get("shutdown_grace", base.shutdown_grace_s), "proxy.shutdown_grace"
        ),
    )


def _retention_settings(raw: dict[str, Any]) -> RetentionSettings:
    reject_unknown(raw, {"calls", "payloads", "max_db_mb", "interval"}, "[retention]")
    base = RetentionSettings()
    return RetentionSettings(
        calls_max_age_s=seconds_setting(raw.get("calls", base.calls_max_age_s), "retention.calls"),
        payloads_max_age_s=seconds_setting(
            raw.get("payloads", base.payloads_max_age_s), "retention.payloads"
        ),
        max_db_bytes=1024 * 1024 * positive_int_setting(raw.get("max_db_mb", 1024), "retention.max_db_mb"),
        interval_s=seconds_setting(raw.get("interval", base.interval_s), "retention.interval"),
    )


def _redaction_settings(raw: dict[str, Any]) -> RedactionSettings:
    reject_unknown(raw, {"ner_model", "default_operator", "operators", "time_budget"}, "[redaction]")
    base = RedactionSettings()
    operators = table_setting(raw, "operators")
    for entity, operator in [
        ("default_operator", raw.get("default_operator", "replace")),
        *operators.items(),
    ]:
        if operator not in OPERATORS:
            raise ConfigError(f"redaction operator for {entity} must be one of {', '.join(OPERATORS)}")
    ner_model = raw.get("ner_model")
    if ner_model is not None and not isinstance(ner_model, str):
        raise ConfigError("redaction.ner_model must be the name of an installed spaCy package")
    return RedactionSettings(
        ner_model=ner_model or None,
        default_operator=raw.get("default_operator", base.default_operator),
        operators={entity.upper(): operator for entity, operator in operators.items()},
        time_budget_s=seconds_setting(raw.get("time_budget", base.time_budget_s), "redaction.time_budget"),
    )


def _capture_settings(raw: dict[str, Any]) -> CaptureSettings:
    keys = {"store_bodies", "success_sample_rate", "max_body_kb", "never_store_bodies_for"}
    reject_unknown(raw, keys, "[capture]")
    base = CaptureSettings()
    rate = raw.get("success_sample_rate", base.success_sample_rate)
    if not isinstance(rate, int | float) or isinstance(rate, bool) or not 0 <= rate <= 1:
        raise ConfigError(f"capture.success_sample_rate must be between 0 and 1, got {rate!r}")
    never = raw.get("never_store_bodies_for", [])
    if not isinstance(never, list) or not all(isinstance(name, str) for name in never):
        raise ConfigError("capture.never_store_bodies_for must be a list of upstream names")
    store = raw.get("store_bodies", base.store_bodies)
    if not isinstance(store, bool):
        raise ConfigError("capture.store_bodies must be true or false")
    return CaptureSettings(
        store_bodies=store,
        success_sample_rate=float(rate),
        max_body_bytes=1024
        * positive_int_setting(raw.get("max_body_kb", base.max_body_bytes // 1024), "capture.max_body_kb"),
        never_store_bodies_for=frozenset(never),
    )


def _string_table(raw: dict[str, Any], name: str) -> dict[str, str]:
    for key, value in raw.items():
        if not isinstance(value, str):
            raise ConfigError(f"[{name}] {key} must be a string, got {value!r}")
    return dict(raw)


def _prices(raw: dict[str, Any]) -> dict[str, dict[str, float]]:
    allowed = {"input", "output", "cached_input", "cache_write"}
    prices: dict[str, dict[str, float]] = {}
    for model, entry in raw.items():
        if not isinstance(entry, dict):
            raise ConfigError(f'[prices."{model}"] must be a table of USD per 1M tokens')
        reject_unknown(entry, allowed, f'[prices."{model}"]')
        if "input" not in entry or "output" not in entry:
            raise ConfigError(f'[prices."{model}"] needs both input and output (USD per 1M tokens)')
        try:
            prices[model] = {key: float(value) for key, value in entry.items()}
        except (TypeError, ValueError):
            raise ConfigError(f'[prices."{model}"] values must be numbers') from None
    return prices
