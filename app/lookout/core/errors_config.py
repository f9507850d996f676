"""Settings for the ``[errors]`` section of the config file (see ``core.config``).

Error grouping needs no configuration; these settings tune it::

    [errors]
    new_days = 7            # a group is "new" for this many days, then "ongoing"

    # Custom fingerprint rules, tried in order; the first match wins. Every
    # matcher is optional, and a rule matches when all the ones it has match.
    [[errors.fingerprint_rules]]
    name = "openai-quota"               # required: names the group (its fingerprint)
    title = "OpenAI quota exhausted"    # optional: the group's title (default: the name)
    provider = "openai"                 # wire format family: openai | anthropic | gemini | ollama
    status = 429                        # a status, a class such as "5xx", or a network failure
                                        # kind: upstream_unreachable | upstream_timeout |
                                        # upstream_disconnected
    error_type = "insufficient_quota"   # the provider's error type
    error_code = "insufficient_quota"   # the provider's error code
    message = "*exceeded your current quota*"  # glob, case-insensitive, on the message
                                        # as received or as parameterized ("*in <duration>*")

Every error that a rule matches lands in the rule's one group, whatever its message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lookout.core.settings import ConfigError, positive_int_setting, reject_unknown

NETWORK_KINDS = ("upstream_unreachable", "upstream_timeout", "upstream_disconnected")
_STATUS_CLASS = re.compile(r"^[1-5]xx$")
_RULE_KEYS = {"name", "title", "provider", "status", "error_type", "error_code", "message"}


@dataclass(frozen=True, slots=True)
class FingerprintRule:
    """One ``[[errors.fingerprint_rules]]`` entry. ``None`` matchers match anything.

    ``status`` is normalised to text: ``"429"``, ``"5xx"`` or a network failure kind.
    """

    name: str
    title: str
    provider: str | None = None
    status: str | None = None
    error_type: str | None = None
    error_code: str | None = None
    message: str | None = None


@dataclass(frozen=True, slots=True)
class ErrorsSettings:
    """Defaults that suit a single developer; every field can be set in ``[errors]``."""

    new_days: int = 7
    fingerprint_rules: tuple[FingerprintRule, ...] = ()


def parse_errors_settings(raw: dict[str, Any]) -> ErrorsSettings:
    """Validate the ``[errors]`` table; raise ConfigError with a readable message."""
    reject_unknown(raw, {"new_days", "fingerprint_rules"}, "[errors]")
    rules = raw.get("fingerprint_rules", [])
    if not isinstance(rules, list):
        raise ConfigError(
            "[errors] fingerprint_rules must be an array of tables ([[errors.fingerprint_rules]])"
        )
    parsed = tuple(_rule(entry, n) for n, entry in enumerate(rules, start=1))
    names = [rule.name for rule in parsed]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ConfigError(f"[errors] fingerprint rule names must be unique: {', '.join(duplicates)}")
    new_days = positive_int_setting(raw.get("new_days", 7), "[errors] new_days")
    return ErrorsSettings(new_days=new_days, fingerprint_rules=parsed)


def _rule(entry: object, number: int) -> FingerprintRule:
    where = f"[[errors.fingerprint_rules]] #{number}"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where} must be a table")
    reject_unknown(entry, _RULE_KEYS, where)
    name = _text(entry, "name", where)
    if name is None:
        raise ConfigError(f"{where} needs a name")
    matchers = {key: _text(entry, key, where) for key in ("provider", "error_type", "error_code", "message")}
    status = _status(entry.get("status"), where)
    if status is None and not any(matchers.values()):
        raise ConfigError(f"{where} ({name}) matches every error: give it at least one matcher")
    return FingerprintRule(name=name, title=_text(entry, "title", where) or name, status=status, **matchers)


def _text(entry: dict[str, Any], key: str, where: str) -> str | None:
    value = entry.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where} {key} must be a non-empty string, got {value!r}")
    return value.strip()


def _status(value: object, where: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 100 <= value <= 599:
        return str(value)
    if isinstance(value, str) and (
        _STATUS_CLASS.match(value.lower()) or value in NETWORK_KINDS or value.isdigit()
    ):
        return value.lower()
    raise ConfigError(
        f'{where} status must be an HTTP status (429), a class ("5xx") or one of '
        f"{', '.join(NETWORK_KINDS)}; got {value!r}"
    )
