"""Alert lifecycle without fatigue: pure transitions from conditions to actions on the ``alerts`` table.

The rules, per (rule, subject):

* **One open alert at a time.** A firing condition with an open alert refreshes
  it (``last_triggered_at``, value, message); it raises the severity when the
  condition got worse, and never lowers it.
* **Cooldown.** A condition that fires again within ``cooldown`` of its alert
  resolving reopens that alert, counted in ``occurrences`` but not notified again:
  a flapping condition costs one notification per cooldown, not one per flap.
* **Auto-resolve.** An open alert resolves once its condition has not fired
  for ``hold``. Rules evaluated less often than every tick stay open between
  evaluations because ``hold`` is longer than their period.
* **Tiers.** ``critical`` notifies immediately; ``medium`` notifies while fewer
  than ``medium_limit`` medium notifications went out in the last
  ``medium_period``, and goes to the digest after that; ``low`` always goes
  to the digest.

Everything takes ``now`` explicitly, so tests drive the clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lookout.analysis.alert_rules import Condition
from lookout.core.alerts_config import AlertsSettings
from lookout.core.models import SEVERITIES, AlertSeverity, AlertStatus

Key = tuple[str, str]  # (rule, subject)


@dataclass(frozen=True, slots=True)
class Policy:
    cooldown_s: float = 1800.0
    hold_s: float = 600.0
    medium_limit: int = 3
    medium_period_s: float = 3600.0

    @classmethod
    def from_settings(cls, settings: AlertsSettings) -> Policy:
        return cls(settings.cooldown_s, settings.hold_s, settings.medium_limit, settings.medium_period_s)


@dataclass(frozen=True, slots=True)
class Tracked:
    """What the lifecycle needs of an existing alert: open ones, and ones resolved within the cooldown."""

    id: int
    rule: str
    subject: str
    severity: AlertSeverity
    status: AlertStatus
    last_triggered_at: float
    resolved_at: float | None = None

    @property
    def key(self) -> Key:
        return (self.rule, self.subject)


@dataclass(frozen=True, slots=True)
class Open:
    condition: Condition
    notify: bool


@dataclass(frozen=True, slots=True)
class Refresh:
    alert_id: int
    condition: Condition
    severity: AlertSeverity  # the alert's, raised if the condition got worse
    notify: bool  # escalated into a tier that notifies


@dataclass(frozen=True, slots=True)
class Reopen:
    alert_id: int
    condition: Condition


@dataclass(frozen=True, slots=True)
class Resolve:
    alert_id: int


Action = Open | Refresh | Reopen | Resolve


def plan(
    tracked: Iterable[Tracked],
    conditions: Iterable[Condition],
    now: float,
    policy: Policy,
    medium_notified_at: Sequence[float] = (),
) -> list[Action]:
    """The actions that bring the alerts in line with this tick's conditions.

    ``tracked`` holds the open alerts and those resolved within the cooldown;
    ``medium_notified_at`` the times of recent medium notifications (for the rate limit).
    """
    open_alerts: dict[Key, Tracked] = {}
    resolved: dict[Key, Tracked] = {}
    # Oldest resolution first, so the latest one per key is what stays in the dict.
    for alert in sorted(tracked, key=lambda a: a.resolved_at or 0.0):
        if alert.status == "open":
            open_alerts[alert.key] = alert
        elif alert.resolved_at is not None and now - alert.resolved_at < policy.cooldown_s:
            resolved[alert.key] = alert
    budget = _MediumBudget(policy, now, medium_notified_at)
    actions: list[Action] = []
    firing = _most_severe_per_key(c for c in conditions if c.firing)
    for key, condition in firing.items():
        if key in open_alerts:
            actions.append(_refresh(open_alerts[key], condition, budget))
        elif key in resolved:
            actions.append(Reopen(resolved[key].id, condition))
        else:
            actions.append(Open(condition, budget.notify(condition.severity)))
    for key, alert in open_alerts.items():
        if key not in firing and now - alert.last_triggered_at >= policy.hold_s:
            actions.append(Resolve(alert.id))
    return actions


def severity_rank(severity: AlertSeverity) -> int:
    """0 for critical, the most urgent."""
    return SEVERITIES.index(severity)


class _MediumBudget:
    """Decides who notifies; counts the medium notifications this plan adds to recent ones."""

    def __init__(self, policy: Policy, now: float, notified_at: Sequence[float]) -> None:
        recent = sum(now - at < policy.medium_period_s for at in notified_at)
        self._left = policy.medium_limit - recent

    def notify(self, severity: AlertSeverity) -> bool:
        if severity == "critical":
            return True
        if severity == "medium" and self._left > 0:
            self._left -= 1
            return True
        return False


def _refresh(alert: Tracked, condition: Condition, budget: _MediumBudget) -> Refresh:
    if severity_rank(condition.severity) < severity_rank(alert.severity):
        return Refresh(alert.id, condition, condition.severity, budget.notify(condition.severity))
    return Refresh(alert.id, condition, alert.severity, False)


def _most_severe_per_key(conditions: Iterable[Condition]) -> dict[Key, Condition]:
    chosen: dict[Key, Condition] = {}
    for condition in conditions:
        key = (condition.rule, condition.subject)
        if key not in chosen or severity_rank(condition.severity) < severity_rank(chosen[key].severity):
            chosen[key] = condition
    return chosen
