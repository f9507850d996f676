"""Settings for the ``[drift]`` section of the config file (see ``core.config``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lookout.core.settings import reject_unknown


@dataclass(frozen=True, slots=True)
class DriftSettings:
    """Defaults that suit a single developer; every field can be set in ``[drift]``."""


def parse_drift_settings(raw: dict[str, Any]) -> DriftSettings:
    """Validate the ``[drift]`` table; raise ConfigError with a readable message."""
    reject_unknown(raw, set(), "[drift]")
    return DriftSettings()
