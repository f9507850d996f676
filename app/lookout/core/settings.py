"""Validation helpers shared by every section of the config file.

Each helper raises :class:`ConfigError` with a message naming the setting, so a
typo in ``config.toml`` is reported as exactly that, never as a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lookout.core.clock import parse_duration


class ConfigError(ValueError):
    """A configuration problem, with a message meant for the user."""


def table_setting(raw: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = raw.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(f"[{name}] must be a table")
    return value


def reject_unknown(raw: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise ConfigError(
            f"unknown setting(s) {', '.join(unknown)} in {where}; known: {', '.join(sorted(allowed))}"
        )


def seconds_setting(value: Any, name: str) -> float:
    try:
        return parse_duration(str(value))
    except ValueError as exc:
        raise ConfigError(f"{name}: {exc}") from None


def positive_int_setting(value: Any, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ConfigError(f"{name} must be a positive integer, got {value!r}")
    return value
