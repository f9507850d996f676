"""Settings for the ``[errors]`` section of the config file (see ``core.config``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lookout.core.settings import reject_unknown


@dataclass(frozen=True, slots=True)
class ErrorsSettings:
    """Defaults that suit a single developer; every field can be set in ``[errors]``."""


def parse_errors_settings(raw: dict[str, Any]) -> ErrorsSettings:
    """Validate the ``[errors]`` table; raise ConfigError with a readable message."""
    reject_unknown(raw, set(), "[errors]")
    return ErrorsSettings()
