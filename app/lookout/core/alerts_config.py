"""Settings for the ``[alerts]`` section of the config file (see ``core.config``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lookout.core.settings import reject_unknown


@dataclass(frozen=True, slots=True)
class AlertsSettings:
    """Defaults that suit a single developer; every field can be set in ``[alerts]``."""


def parse_alerts_settings(raw: dict[str, Any]) -> AlertsSettings:
    """Validate the ``[alerts]`` table; raise ConfigError with a readable message."""
    reject_unknown(raw, set(), "[alerts]")
    return AlertsSettings()
