"""Alert rules over calls: pure functions from windowed aggregates and an explicit ``now`` to conditions.

A :class:`Condition` says, for one (rule, subject), whether the rule fires right
now, with the measured value, the threshold it was held against and a message.
Messages are built only from derived facts (scope names, counts, percentages,
durations, money); the state machine in :mod:`lookout.analysis.alert_state`
turns conditions into alerts.

The inputs are per-minute buckets of a scope's calls (see
:func:`lookout.store.alert_inputs.call_buckets`), so every scope can use its own
window. A bucket counts when it overlaps the window, so windows are exact to the
minute. Rules over group events, the recorder and drift live in
:mod:`lookout.analysis.alert_events`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from lookout.core.alerts_config import AlertsSettings, RuleSettings, Scope
from lookout.core.models import AlertSeverity

BUCKET_S = 60.0
SPEND_WINDOW_S = 3600.0
# A learned threshold needs enough history to mean something; below it the fixed one applies.
BASELINE_MIN_CALLS = 100
UNAVAILABLE_OUTCOMES = frozenset({"upstream_unreachable", "upstream_timeout"})


@dataclass(frozen=True, slots=True)
class Condition:
    """One rule's verdict on one subject at one moment. ``message`` holds derived text only."""

    rule: str
    subject: str
    severity: AlertSeverity
    firing: bool
    value: float | None
    threshold: float | None
    message: str
    scope: Scope = field(default_factory=Scope)
    group_id: str | None = None


@dataclass(frozen=True, slots=True)
class CallBucket:
    """Aggregates of one scope's calls that started within one minute (``start`` is epoch seconds)."""

    scope: Scope
    start: float
    calls: int
    errors: int
    cost_usd: float | None = None
    latencies_ms: Sequence[float] = ()  # successful calls
    ttfts_ms: Sequence[float] = ()  # successful streams


@dataclass(frozen=True, slots=True)
class RecentCall:
    """The outcome of one of a scope's latest calls, for the consecutive-failure rule."""

    outcome: str
    status_code: int | None = None
    error_type: str | None = None
    error_code: str | None = None


@dataclass(frozen=True, slots=True)
class Baseline:
    """A scope's history over the baseline period (7 days by default)."""

    latency_p95_ms: float | None = None
    latency_n: int = 0
    ttft_p95_ms: float | None = None
    ttft_n: int = 0
    hourly_spend_usd: float | None = None  # None without enough history to compare against


WINDOW_RULES = ("error_rate", "latency_p95", "ttft_p95")


def call_conditions(
    buckets: Iterable[CallBucket],
    settings: AlertsSettings,
    now: float,
    baselines: Mapping[Scope, Baseline] | None = None,
    rules: Sequence[str] = (*WINDOW_RULES, "spend"),
) -> list[Condition]:
    """Conditions of ``rules`` (error rate, latency p95, TTFT p95, spend) for every scope with buckets."""
    by_scope: dict[Scope, list[CallBucket]] = defaultdict(list)
    for bucket in buckets:
        by_scope[bucket.scope].append(bucket)
    conditions: list[Condition] = []
    for scope, scoped in by_scope.items():
        baseline = (baselines or {}).get(scope, Baseline())
        for name in rules:
            found = _CALL_RULES[name](scope, scoped, settings.rule(name, scope), now, baseline)
            if found is not None:
                conditions.append(found)
    return conditions


def error_rate(
    scope: Scope, buckets: Sequence[CallBucket], rule: RuleSettings, now: float
) -> Condition | None:
    """Failed share of calls over the window; quiet below ``min_calls`` (1 failure of 2 pages no one)."""
    window = _in_window(buckets, rule.window_s, now)
    calls = sum(b.calls for b in window)
    if not rule.enabled or rule.threshold is None or not calls:
        return None
    errors = sum(b.errors for b in window)
    rate = 100.0 * errors / calls
    firing = calls >= rule.min_calls and rate > rule.threshold
    message = (
        f"Error rate {rate:.0f}% ({errors} of {calls} calls) over {duration_text(rule.window_s)} "
        f"on {scope.subject} (threshold {rule.threshold:g}%)"
    )
    return Condition("error_rate", scope.subject, rule.severity, firing, rate, rule.threshold, message, scope)


def latency_p95(
    scope: Scope, buckets: Sequence[CallBucket], rule: RuleSettings, now: float, baseline: Baseline
) -> Condition | None:
    """p95 latency of successful calls over the window against a fixed or learned threshold."""
    values = [v for b in _in_window(buckets, rule.window_s, now) for v in b.latencies_ms]
    learned = (baseline.latency_p95_ms, baseline.latency_n)
    return _p95_condition("latency_p95", "latency", scope, values, rule, learned)


def ttft_p95(
    scope: Scope, buckets: Sequence[CallBucket], rule: RuleSettings, now: float, baseline: Baseline
) -> Condition | None:
    """p95 time to first token of successful streams over the window."""
    values = [v for b in _in_window(buckets, rule.window_s, now) for v in b.ttfts_ms]
    return _p95_condition("ttft_p95", "TTFT", scope, values, rule, (baseline.ttft_p95_ms, baseline.ttft_n))


def learned_threshold(rule: RuleSettings, baseline_p95: float | None, baseline_n: int) -> float | None:
    """Baseline p95 × ``factor`` when learning is on and the history is long enough, else the fixed one."""
    if rule.factor is not None and baseline_p95 is not None and baseline_n >= BASELINE_MIN_CALLS:
        return baseline_p95 * rule.factor
    return rule.threshold


def spend(
    scope: Scope, buckets: Sequence[CallBucket], rule: RuleSettings, now: float, baseline: Baseline
) -> Condition | None:
    """Spend in the last hour against a budget, or against ``factor`` × the hourly baseline."""
    costs = [b.cost_usd for b in _in_window(buckets, SPEND_WINDOW_S, now) if b.cost_usd is not None]
    if not rule.enabled or not costs:
        return None
    spent = sum(costs)
    checks: list[tuple[bool, float, str]] = []  # (fires, threshold, why)
    if rule.threshold is not None:
        checks.append((spent > rule.threshold, rule.threshold, f"budget ${rule.threshold:,.2f}/h"))
    usual = baseline.hourly_spend_usd
    if rule.factor is not None and usual:  # a free or new scope has no baseline to multiply
        limit = rule.factor * usual
        surging = spent >= rule.floor and spent > limit
        checks.append((surging, limit, f"{rule.factor:g}× the usual ${usual:,.2f}/h"))
    if not checks:
        return None
    firing, threshold, why = next((check for check in checks if check[0]), checks[0])
    message = f"Spend ${spent:,.2f} in the last hour on {scope.subject} (limit: {why})"
    return Condition("spend", scope.subject, rule.severity, firing, spent, threshold, message, scope)


def unavailable_conditions(
    recent: Mapping[Scope, Sequence[RecentCall]], settings: AlertsSettings
) -> list[Condition]:
    """Model unavailable: a scope's latest N calls (newest first) all failed to reach a working model."""
    conditions = []
    for scope, calls in recent.items():
        rule = settings.rule("model_unavailable", scope)
        if not rule.enabled or rule.threshold is None:
            continue
        streak = 0
        for call in calls:
            if not is_unavailable(call):
                break
            streak += 1
        needed = max(1, int(rule.threshold))
        kinds = Counter(_failure_kind(call) for call in calls[:streak])
        listed = ", ".join(f"{n}× {kind}" for kind, n in kinds.most_common())
        message = f"{scope.subject} looks unavailable: the last {streak} calls failed ({listed})"
        firing = streak >= needed
        conditions.append(
            Condition(
                "model_unavailable", scope.subject, rule.severity, firing, streak, needed, message, scope
            )
        )
    return conditions


def is_unavailable(call: RecentCall) -> bool:
    """Unreachable, timed out, a 5xx, or the provider saying it is overloaded."""
    if call.outcome in UNAVAILABLE_OUTCOMES:
        return True
    if call.outcome != "error":
        return False
    overloaded = "overloaded" in f"{call.error_type or ''} {call.error_code or ''}".lower()
    return overloaded or (call.status_code or 0) >= 500


_CallRule = Callable[[Scope, Sequence[CallBucket], RuleSettings, float, Baseline], "Condition | None"]
_CALL_RULES: Mapping[str, _CallRule] = {
    "error_rate": lambda scope, buckets, rule, now, _baseline: error_rate(scope, buckets, rule, now),
    "latency_p95": latency_p95,
    "ttft_p95": ttft_p95,
    "spend": spend,
}


def duration_text(seconds: float) -> str:
    """``15 min``, ``1 h``, ``45 s``, ``2 d``: windows and lags as a person says them."""
    for unit, size in (("d", 86400.0), ("h", 3600.0), ("min", 60.0)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g} {unit}"
    return f"{seconds / 60:.0f} min" if seconds >= 120 else f"{seconds:.0f} s"


def ms_text(ms: float) -> str:
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


def _p95_condition(
    rule_name: str,
    label: str,
    scope: Scope,
    values: list[float],
    rule: RuleSettings,
    baseline: tuple[float | None, int],
) -> Condition | None:
    threshold = learned_threshold(rule, *baseline)
    if not rule.enabled or threshold is None or not values:
        return None
    p95 = float(np.percentile(values, 95))
    firing = len(values) >= rule.min_calls and p95 > threshold
    source = f"learned: baseline p95 × {rule.factor:g}" if threshold != rule.threshold else "threshold"
    message = (
        f"p95 {label} {ms_text(p95)} over {duration_text(rule.window_s)} ({len(values)} calls) "
        f"on {scope.subject} ({source} {ms_text(threshold)})"
    )
    return Condition(rule_name, scope.subject, rule.severity, firing, p95, threshold, message, scope)


def _in_window(buckets: Sequence[CallBucket], window_s: float, now: float) -> list[CallBucket]:
    return [b for b in buckets if b.start + BUCKET_S > now - window_s and b.start <= now]


def _failure_kind(call: RecentCall) -> str:
    if call.outcome != "error":
        return call.outcome
    return "overloaded" if call.status_code is None or call.status_code < 500 else str(call.status_code)
