"""The alert lifecycle: dedupe, cooldown, auto-resolve, tiers and the medium rate limit, on a driven clock."""

from __future__ import annotations

from dataclasses import replace

from lookout.analysis.alert_rules import Condition
from lookout.analysis.alert_state import Open, Policy, Refresh, Reopen, Resolve, Tracked, plan
from lookout.core.models import AlertSeverity

NOW = 1_795_824_000.0
POLICY = Policy(cooldown_s=1800, hold_s=600, medium_limit=2, medium_period_s=3600)


def firing(
    rule: str = "error_rate", subject: str = "openai · gpt-4o · chat", severity: AlertSeverity = "medium"
) -> Condition:
    return Condition(rule, subject, severity, True, 40.0, 25.0, f"{rule} on {subject}")


def tracked(alert_id: int = 1, **fields: object) -> Tracked:
    base = Tracked(alert_id, "error_rate", "openai · gpt-4o · chat", "medium", "open", NOW - 30)
    return replace(base, **fields)  # type: ignore[arg-type]


def test_a_firing_condition_opens_one_alert() -> None:
    assert plan([], [firing()], NOW, POLICY) == [Open(firing(), notify=True)]


def test_quiet_conditions_open_nothing() -> None:
    quiet = replace(firing(), firing=False)
    assert plan([], [quiet], NOW, POLICY) == []


def test_one_open_alert_per_rule_and_subject() -> None:
    twice = [firing(), firing()]
    assert plan([], twice, NOW, POLICY) == [Open(firing(), notify=True)]
    assert plan([tracked()], [firing()], NOW, POLICY) == [Refresh(1, firing(), "medium", notify=False)]


def test_same_subject_under_another_rule_is_another_alert() -> None:
    actions = plan([tracked()], [firing(), firing(rule="latency_p95", severity="low")], NOW, POLICY)
    assert actions == [
        Refresh(1, firing(), "medium", notify=False),
        Open(firing(rule="latency_p95", severity="low"), notify=False),
    ]


def test_auto_resolve_only_after_the_hold_period_clear() -> None:
    recently = tracked(last_triggered_at=NOW - 599)
    assert plan([recently], [], NOW, POLICY) == []
    assert plan([tracked(last_triggered_at=NOW - 600)], [], NOW, POLICY) == [Resolve(1)]


def test_firing_again_within_the_cooldown_reopens_without_notifying() -> None:
    resolved = tracked(status="resolved", resolved_at=NOW - 1799, last_triggered_at=NOW - 2400)
    assert plan([resolved], [firing()], NOW, POLICY) == [Reopen(1, firing())]


def test_firing_after_the_cooldown_opens_a_new_alert() -> None:
    resolved = tracked(status="resolved", resolved_at=NOW - 1800, last_triggered_at=NOW - 2400)
    assert plan([resolved], [firing()], NOW, POLICY) == [Open(firing(), notify=True)]


def test_the_latest_resolution_is_the_one_reopened() -> None:
    older = tracked(1, status="resolved", resolved_at=NOW - 1500)
    newer = tracked(2, status="resolved", resolved_at=NOW - 100)
    assert plan([newer, older], [firing()], NOW, POLICY) == [Reopen(2, firing())]


def test_tiers_critical_notifies_medium_notifies_low_goes_to_the_digest() -> None:
    conditions = [
        firing("model_unavailable", "a", "critical"),
        firing("error_rate", "b", "medium"),
        firing("latency_p95", "c", "low"),
    ]
    assert [
        (a.condition.severity, a.notify) for a in plan([], conditions, NOW, POLICY) if isinstance(a, Open)
    ] == [
        ("critical", True),
        ("medium", True),
        ("low", False),
    ]


def test_medium_notifications_are_rate_limited() -> None:
    conditions = [firing(subject=f"s{i}") for i in range(3)]
    notified = [a.notify for a in plan([], conditions, NOW, POLICY) if isinstance(a, Open)]
    assert notified == [True, True, False]  # medium_limit = 2 per hour
    recent = [NOW - 100, NOW - 3599]
    assert [a.notify for a in plan([], conditions[:1], NOW, POLICY, recent) if isinstance(a, Open)] == [False]
    expired = [NOW - 3600, NOW - 7200]
    assert [a.notify for a in plan([], conditions[:1], NOW, POLICY, expired) if isinstance(a, Open)] == [True]


def test_critical_is_never_rate_limited() -> None:
    conditions = [firing("model_unavailable", f"s{i}", "critical") for i in range(5)]
    recent = [NOW - 1] * 10
    assert all(a.notify for a in plan([], conditions, NOW, POLICY, recent) if isinstance(a, Open))


def test_a_worse_condition_raises_the_severity_and_notifies_once() -> None:
    low = tracked(rule="drift", severity="low")
    worse = firing("drift", "openai · gpt-4o · chat", "medium")
    assert plan([low], [worse], NOW, POLICY) == [Refresh(1, worse, "medium", notify=True)]
    better = firing("drift", "openai · gpt-4o · chat", "low")
    medium = tracked(rule="drift", severity="medium")
    assert plan([medium], [better], NOW, POLICY) == [Refresh(1, better, "medium", notify=False)]


def test_a_driven_clock_runs_the_whole_lifecycle() -> None:
    """Fire, stay firing, go clear, resolve after the hold, flap back within the cooldown."""
    alerts: dict[int, Tracked] = {}
    opened = 0
    for minute in range(0, 120):
        now = NOW + 60 * minute
        clear = 10 <= minute < 30 or minute >= 40
        conditions = [] if clear else [firing()]
        for action in plan(alerts.values(), conditions, now, POLICY):
            if isinstance(action, Open):
                opened += 1
                alerts[opened] = tracked(opened, last_triggered_at=now)
            elif isinstance(action, Refresh | Reopen):
                alerts[action.alert_id] = replace(
                    alerts[action.alert_id], status="open", resolved_at=None, last_triggered_at=now
                )
            else:
                alerts[action.alert_id] = replace(alerts[action.alert_id], status="resolved", resolved_at=now)
    assert opened == 1  # the flap at minute 30 reopened alert 1 within the cooldown
    final = alerts[1]
    assert final.status == "resolved" and final.resolved_at == NOW + 60 * 49  # clear from 40, hold 10 min
