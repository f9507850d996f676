"""Alert rules over error groups, the recorder's health and drift snapshots. Pure functions.

* ``new_group`` and ``regression`` fire on the grouping step's events; the state
  machine resolves them once they have been quiet for the hold period.
* ``group_spike`` counts a group's calls per scope in per-minute buckets; the
  group is one subject, reported on its busiest scope.
* ``recorder_backlog`` and ``dropped_data`` look at how late records arrive and
  what the engine dropped, which the recorder process measures.
* ``drift`` reads the latest snapshot per (upstream, model, operation, metric):
  moderate is ``low``; major, or a change of answering model, is ``medium``.

Group titles are redacted by the grouping step; every other text here is derived.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from lookout.analysis.alert_rules import BUCKET_S, Condition, duration_text
from lookout.core.alerts_config import AlertsSettings, Scope
from lookout.core.models import AlertSeverity, GroupEvent

DRIFT_SEVERITY: Mapping[str, AlertSeverity] = {"moderate": "low", "major": "medium"}
MODEL_SWAP_METRIC = "response_model"
RECORDER_SUBJECT = "recorder"


@dataclass(frozen=True, slots=True)
class GroupCount:
    """How many calls of one error group, in one scope, started within one minute."""

    group_id: str
    title: str  # redacted
    scope: Scope
    start: float
    count: int


@dataclass(frozen=True, slots=True)
class DriftReading:
    """The latest drift snapshot of one metric for one scope."""

    scope: Scope
    metric: str
    severity: str  # none | moderate | major | insufficient
    verdict: str | None = None  # derived sentence written by the drift step


def group_subject(group_id: str) -> str:
    return f"group:{group_id}"


def group_event_conditions(events: Iterable[GroupEvent], settings: AlertsSettings) -> list[Condition]:
    """``new_group`` / ``regression`` conditions, firing, one per event whose rule is on for its scope."""
    conditions = []
    for event in events:
        rule_name = "new_group" if event.kind == "new" else "regression"
        scope = Scope(event.upstream, event.model, event.operation)
        rule = settings.rule(rule_name, scope)
        if not rule.enabled:
            continue
        what = "New error group" if event.kind == "new" else "Error group is back after being resolved"
        message = f"{what} on {scope.subject}: {event.title}"
        subject = group_subject(event.group_id)
        conditions.append(
            Condition(rule_name, subject, rule.severity, True, None, None, message, scope, event.group_id)
        )
    return conditions


def group_spike_conditions(
    counts: Iterable[GroupCount], settings: AlertsSettings, now: float
) -> list[Condition]:
    """A group seen more than N times in M minutes in some scope; one condition per group."""
    totals: dict[tuple[str, Scope], int] = defaultdict(int)
    titles: dict[str, str] = {}
    for count in counts:
        rule = settings.rule("group_spike", count.scope)
        if count.start + BUCKET_S > now - rule.window_s and count.start <= now:
            totals[count.group_id, count.scope] += count.count
            titles[count.group_id] = count.title
    best: dict[str, Condition] = {}
    for (group_id, scope), seen in totals.items():
        rule = settings.rule("group_spike", scope)
        if not rule.enabled or rule.threshold is None:
            continue
        message = (
            f"Error group seen {seen} times in {duration_text(rule.window_s)} on {scope.subject} "
            f"(threshold {rule.threshold:g}): {titles[group_id]}"
        )
        firing = seen > rule.threshold
        condition = Condition(
            "group_spike", group_subject(group_id), rule.severity, firing, seen, rule.threshold,
            message, scope, group_id,
        )  # fmt: skip
        if group_id not in best or _outranks(condition, best[group_id]):
            best[group_id] = condition
    return list(best.values())


def recorder_conditions(
    lag_s: float | None, drops: Mapping[str, int], settings: AlertsSettings
) -> list[Condition]:
    """Records reaching the database late, and records or payloads the engine dropped."""
    conditions = []
    backlog = settings.rule("recorder_backlog")
    if backlog.enabled and backlog.threshold is not None and lag_s is not None:
        behind, limit = duration_text(round(lag_s)), duration_text(backlog.threshold)
        message = f"Recorder is {behind} behind (threshold {limit}): calls reach the database late"
        firing = lag_s > backlog.threshold
        conditions.append(
            Condition(
                "recorder_backlog",
                RECORDER_SUBJECT,
                backlog.severity,
                firing,
                lag_s,
                backlog.threshold,
                message,
            )
        )
    dropped = settings.rule("dropped_data")
    if dropped.enabled and dropped.threshold is not None:
        total = sum(drops.values())
        parts = ", ".join(f"{n} {name.replace('dropped_', '')}" for name, n in sorted(drops.items()) if n)
        message = (
            f"Engine dropped {parts or 'nothing'} in the last {duration_text(dropped.window_s)} "
            "(its queue to the recorder was full)"
        )
        conditions.append(
            Condition(
                "dropped_data",
                RECORDER_SUBJECT,
                dropped.severity,
                total > dropped.threshold,
                total,
                dropped.threshold,
                message,
            )
        )
    return conditions


def drift_conditions(readings: Iterable[DriftReading], settings: AlertsSettings) -> list[Condition]:
    """One condition per scope: the worst of its metrics' latest verdicts."""
    by_scope: dict[Scope, list[DriftReading]] = defaultdict(list)
    for reading in readings:
        by_scope[reading.scope].append(reading)
    conditions = []
    for scope, scoped in by_scope.items():
        if not settings.rule("drift", scope).enabled:
            continue
        drifting = sorted(
            (r for r in scoped if r.severity in DRIFT_SEVERITY), key=lambda r: (_drift_rank(r), r.metric)
        )
        severity: AlertSeverity = _drift_severity(drifting[0]) if drifting else "low"
        listed = "; ".join(_drift_text(r) for r in drifting) or "no drift"
        message = f"Drift on {scope.subject}: {listed}"
        value = float(len(drifting))
        conditions.append(
            Condition("drift", scope.subject, severity, bool(drifting), value, None, message, scope)
        )
    return conditions


def is_model_swap(reading: DriftReading) -> bool:
    return reading.metric == MODEL_SWAP_METRIC and reading.severity == "major"


def _drift_severity(reading: DriftReading) -> AlertSeverity:
    return DRIFT_SEVERITY[reading.severity]


def _drift_rank(reading: DriftReading) -> int:
    return 0 if is_model_swap(reading) else 1 if reading.severity == "major" else 2


def _drift_text(reading: DriftReading) -> str:
    kind = "model swap" if is_model_swap(reading) else reading.severity
    return f"{reading.metric} {kind}" + (f" ({reading.verdict})" if reading.verdict else "")


def _outranks(condition: Condition, other: Condition) -> bool:
    """Firing beats quiet; then the larger value relative to its threshold."""
    return (condition.firing, _ratio(condition)) > (other.firing, _ratio(other))


def _ratio(condition: Condition) -> float:
    return (condition.value or 0.0) / max(condition.threshold or 0.0, 1.0)
