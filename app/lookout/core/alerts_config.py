"""Settings for the ``[alerts]`` section of the config file (see ``core.config``).

Built-in rules, their threshold's unit and default severity:

=================  ==============================================  ==================  ========
rule               fires when                                      threshold           severity
=================  ==============================================  ==================  ========
new_group          an error group is seen for the first time       -                   medium
regression         a resolved error group gets a new event         -                   medium
group_spike        a group's calls in ``window`` exceed threshold  count (25 in 10m)   medium
error_rate         failed calls over ``window`` (≥ ``min_calls``)  percent (25 %)      medium
model_unavailable  the last N calls were unreachable/timeout/5xx   N (5)               critical
latency_p95        p95 latency of successful calls over ``window`` duration (30s)      low
ttft_p95           p95 time to first token of streams              duration (10s)      low
spend              spend in the last hour over a budget, or over   USD/hour (none)     medium
                   ``factor`` × the hourly baseline (≥ ``floor``)
recorder_backlog   records reach the database late                 duration (60s)      low
dropped_data       the engine dropped records or payloads          count (0 in 15m)    medium
drift              the latest drift snapshot says moderate/major   -                   low/medium
=================  ==============================================  ==================  ========

Image generation and embeddings have their own latency defaults (120 s, 5 s);
``factor`` on ``latency_p95``/``ttft_p95`` learns the threshold instead: the p95
over the ``baseline`` period × factor. Settings resolve, most specific last:
the rule's defaults, ``[alerts.<rule>]``, the built-in per-operation defaults,
then ``[[alerts.override]]`` entries (fewer match keys first, then file order).

Example::

    [alerts]
    cooldown = "30m"       # a resolved alert firing again within this reopens, without a new notification
    hold = "10m"           # an alert resolves once its condition has been clear this long
    medium_limit = 3       # medium notifications per medium_period; the rest go to the digest
    medium_period = "1h"
    baseline = "7d"        # history behind learned thresholds and the spend baseline
    webhook_url = "https://hooks.slack.com/services/T000/B000/XXXX"  # optional: nothing is sent without it

    [alerts.error_rate]
    threshold = 20         # percent
    window = "15m"
    min_calls = 20

    [alerts.latency_p95]
    factor = 2.0           # learned: the 7-day p95 × 2

    [[alerts.override]]
    rule = "latency_p95"
    model = "o*"           # glob
    threshold = "3m"

    [[alerts.override]]
    upstream = "ollama"    # without a rule, only `enabled` may be set
    enabled = false
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from typing import Any

from lookout.core.models import SEVERITIES, AlertSeverity
from lookout.core.settings import ConfigError, positive_int_setting, reject_unknown, seconds_setting


@dataclass(frozen=True, slots=True)
class RuleSettings:
    """One rule's settings for one scope. ``threshold`` is in the rule's unit (ms for latencies)."""

    enabled: bool = True
    severity: AlertSeverity = "medium"
    threshold: float | None = None
    window_s: float = 900.0
    min_calls: int = 1
    factor: float | None = None  # latency/ttft: learned threshold; spend: k × baseline
    floor: float = 0.0  # spend: USD/hour below which the k × baseline test stays quiet


@dataclass(frozen=True, slots=True)
class Scope:
    """What a call-based alert is about. ``None`` parts are unknown (or, for settings, any)."""

    upstream: str | None = None
    model: str | None = None
    operation: str | None = None

    @property
    def subject(self) -> str:
        return " · ".join(part or "?" for part in (self.upstream, self.model, self.operation))


@dataclass(frozen=True, slots=True)
class Override:
    """Settings for the calls whose scope matches every given key (``model`` is a glob)."""

    values: Mapping[str, Any]
    rule: str | None = None
    upstream: str | None = None
    model: str | None = None
    operation: str | None = None

    @property
    def specificity(self) -> int:
        return sum(key is not None for key in (self.upstream, self.model, self.operation))

    def matches(self, rule: str, scope: Scope) -> bool:
        return (
            self.rule in (None, rule)
            and self.upstream in (None, scope.upstream)
            and self.operation in (None, scope.operation)
            and (self.model is None or fnmatchcase(scope.model or "", self.model))
        )


DEFAULT_RULES: Mapping[str, RuleSettings] = {
    "new_group": RuleSettings(),
    "regression": RuleSettings(),
    "group_spike": RuleSettings(threshold=25, window_s=600.0),
    "error_rate": RuleSettings(threshold=25.0, min_calls=20),
    "model_unavailable": RuleSettings(severity="critical", threshold=5),
    "latency_p95": RuleSettings(severity="low", threshold=30_000.0, min_calls=10),
    "ttft_p95": RuleSettings(severity="low", threshold=10_000.0, min_calls=10),
    "spend": RuleSettings(factor=3.0, floor=1.0, window_s=3600.0),
    "recorder_backlog": RuleSettings(severity="low", threshold=60.0),
    "dropped_data": RuleSettings(threshold=0),
    "drift": RuleSettings(severity="low"),  # the snapshot's verdict decides: see analysis.alert_rules
}
RULES: tuple[str, ...] = tuple(DEFAULT_RULES)
# Generating an image or embedding a batch runs on a different clock from chat.
BUILTIN_OVERRIDES: tuple[Override, ...] = (
    Override({"threshold": 5_000.0}, rule="latency_p95", operation="embeddings"),
    Override({"threshold": 120_000.0}, rule="latency_p95", operation="image"),
    Override({"threshold": 60_000.0}, rule="ttft_p95", operation="image"),
)

_COMMON = {"enabled", "severity"}
_RULE_KEYS: Mapping[str, set[str]] = {
    "new_group": _COMMON,
    "regression": _COMMON,
    "group_spike": _COMMON | {"threshold", "window"},
    "error_rate": _COMMON | {"threshold", "window", "min_calls"},
    "model_unavailable": _COMMON | {"threshold"},
    "latency_p95": _COMMON | {"threshold", "window", "min_calls", "factor"},
    "ttft_p95": _COMMON | {"threshold", "window", "min_calls", "factor"},
    "spend": _COMMON | {"threshold", "factor", "floor"},
    "recorder_backlog": _COMMON | {"threshold"},
    "dropped_data": _COMMON | {"threshold", "window"},
    "drift": {"enabled"},
}
# Thresholds written as durations in the config, and the unit the rule compares in.
_DURATION_SCALE = {"latency_p95": 1000.0, "ttft_p95": 1000.0, "recorder_backlog": 1.0}
_SETTINGS_KEYS = {"enabled", "tick", "cooldown", "hold", "medium_limit", "medium_period", "baseline"}
_SETTINGS_KEYS |= {"webhook_url", "webhook_timeout", "webhook_attempts", "override"}


@dataclass(frozen=True, slots=True)
class AlertsSettings:
    """Defaults that suit a single developer; every field can be set in ``[alerts]``."""

    enabled: bool = True
    tick_s: float = 5.0
    cooldown_s: float = 1800.0
    hold_s: float = 600.0
    medium_limit: int = 3
    medium_period_s: float = 3600.0
    baseline_s: float = 7 * 86400.0
    webhook_url: str | None = None
    webhook_timeout_s: float = 10.0
    webhook_attempts: int = 5
    rules: Mapping[str, RuleSettings] = field(default_factory=lambda: dict(DEFAULT_RULES))
    overrides: tuple[Override, ...] = ()

    def rule(self, name: str, scope: Scope | None = None) -> RuleSettings:
        """The settings of rule ``name`` for calls in ``scope`` (global ones when None)."""
        settings = self.rules[name]
        for override in (*BUILTIN_OVERRIDES, *self.overrides):
            if override.matches(name, scope or Scope()):
                settings = replace(settings, **override.values)
        return settings

    def longest_window_s(self, *names: str) -> float:
        """The longest window any scope may use for these rules: how far back to query."""
        windows = [self.rules[name].window_s for name in names]
        windows += [
            float(o.values["window_s"]) for o in self.overrides if "window_s" in o.values and o.rule in names
        ]
        return max(windows)


def parse_alerts_settings(raw: dict[str, Any]) -> AlertsSettings:
    """Validate the ``[alerts]`` table; raise ConfigError with a readable message."""
    reject_unknown(raw, _SETTINGS_KEYS | set(RULES), "[alerts]")
    base = AlertsSettings()
    url = raw.get("webhook_url") or None
    if url is not None and (not isinstance(url, str) or not url.startswith(("https://", "http://"))):
        raise ConfigError("alerts.webhook_url must be an http(s) URL")
    rules = {name: _rule_settings(name, raw.get(name, {}), f"[alerts.{name}]") for name in RULES}
    return AlertsSettings(
        enabled=_bool(raw.get("enabled", base.enabled), "alerts.enabled"),
        tick_s=seconds_setting(raw.get("tick", base.tick_s), "alerts.tick"),
        cooldown_s=seconds_setting(raw.get("cooldown", base.cooldown_s), "alerts.cooldown"),
        hold_s=seconds_setting(raw.get("hold", base.hold_s), "alerts.hold"),
        medium_limit=_count(raw.get("medium_limit", base.medium_limit), "alerts.medium_limit"),
        medium_period_s=seconds_setting(
            raw.get("medium_period", base.medium_period_s), "alerts.medium_period"
        ),
        baseline_s=seconds_setting(raw.get("baseline", base.baseline_s), "alerts.baseline"),
        webhook_url=url,
        webhook_timeout_s=seconds_setting(
            raw.get("webhook_timeout", base.webhook_timeout_s), "alerts.webhook_timeout"
        ),
        webhook_attempts=positive_int_setting(
            raw.get("webhook_attempts", base.webhook_attempts), "alerts.webhook_attempts"
        ),
        rules=rules,
        overrides=_overrides(raw.get("override", [])),
    )


def _rule_settings(name: str, raw: Any, where: str) -> RuleSettings:
    return replace(DEFAULT_RULES[name], **_rule_values(name, raw, where))


def _rule_values(name: str, raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a table")
    reject_unknown(raw, _RULE_KEYS[name], where)
    values: dict[str, Any] = {}
    if "enabled" in raw:
        values["enabled"] = _bool(raw["enabled"], f"{where} enabled")
    if "severity" in raw:
        if raw["severity"] not in SEVERITIES:
            raise ConfigError(f"{where} severity must be one of {', '.join(SEVERITIES)}")
        values["severity"] = raw["severity"]
    if "threshold" in raw:
        values["threshold"] = _threshold(name, raw["threshold"], f"{where} threshold")
    if "window" in raw:
        values["window_s"] = seconds_setting(raw["window"], f"{where} window")
    if "min_calls" in raw:
        values["min_calls"] = positive_int_setting(raw["min_calls"], f"{where} min_calls")
    if "factor" in raw:
        values["factor"] = _number(raw["factor"], f"{where} factor", positive=True)
    if "floor" in raw:
        values["floor"] = _number(raw["floor"], f"{where} floor")
    return values


def _threshold(rule: str, value: Any, name: str) -> float:
    if rule in _DURATION_SCALE:
        return seconds_setting(value, name) * _DURATION_SCALE[rule]
    number = _number(value, name)
    if rule == "error_rate" and number > 100:
        raise ConfigError(f"{name} is a percentage (0-100), got {value!r}")
    return number


def _overrides(raw: Any) -> tuple[Override, ...]:
    if not isinstance(raw, list) or not all(isinstance(entry, dict) for entry in raw):
        raise ConfigError("[[alerts.override]] entries must be tables")
    overrides = [_override(dict(entry), n) for n, entry in enumerate(raw, 1)]
    # Most specific last, so it wins; sorted() is stable, keeping file order among equals.
    return tuple(sorted(overrides, key=lambda o: o.specificity))


def _override(entry: dict[str, Any], number: int) -> Override:
    where = f"[[alerts.override]] #{number}"
    match = {key: entry.pop(key) for key in ("rule", "upstream", "model", "operation") if key in entry}
    for key, value in match.items():
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{where} {key} must be a non-empty string")
    rule = match.get("rule")
    if rule is None:
        reject_unknown(entry, {"enabled"}, f"{where} (no rule given, so only `enabled`)")
        values = {"enabled": _bool(entry["enabled"], f"{where} enabled")} if "enabled" in entry else {}
    elif rule not in RULES:
        raise ConfigError(f"{where} rule {rule!r} is not a rule; known: {', '.join(RULES)}")
    else:
        values = _rule_values(rule, entry, where)
    return Override(values, rule, match.get("upstream"), match.get("model"), match.get("operation"))


def _bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{name} must be true or false, got {value!r}")
    return value


def _number(value: Any, name: str, *, positive: bool = False) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0 or (positive and not value):
        kind = "a positive number" if positive else "a number ≥ 0"
        raise ConfigError(f"{name} must be {kind}, got {value!r}")
    return float(value)


def _count(value: Any, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ConfigError(f"{name} must be a whole number ≥ 0, got {value!r}")
    return value
