"""Every alert rule, on plain inputs with an explicit clock."""

from __future__ import annotations

from lookout.analysis.alert_events import (
    DriftReading,
    GroupCount,
    drift_conditions,
    group_event_conditions,
    group_spike_conditions,
    recorder_conditions,
)
from lookout.analysis.alert_rules import (
    Baseline,
    CallBucket,
    Condition,
    RecentCall,
    call_conditions,
    unavailable_conditions,
)
from lookout.core.alerts_config import AlertsSettings, Scope, parse_alerts_settings
from lookout.core.models import GroupEvent

NOW = 1_795_824_000.0  # 2026-11-28T00:00:00Z, a minute boundary
CHAT = Scope("openai", "gpt-4o-mini", "chat")
EMBED = Scope("openai", "text-embedding-3-small", "embeddings")
DEFAULTS = AlertsSettings()


def minutes(scope: Scope, count: int, **fields: object) -> list[CallBucket]:
    """``count`` one-minute buckets ending at NOW, each with the same aggregates."""
    values: dict[str, object] = {"calls": 10, "errors": 0, **fields}
    return [CallBucket(scope, NOW - 60 * (i + 1), **values) for i in range(count)]  # type: ignore[arg-type]


def only(conditions: list[Condition], rule: str) -> Condition:
    found = [c for c in conditions if c.rule == rule]
    assert len(found) == 1, found
    return found[0]


def test_error_rate_needs_the_minimum_call_count() -> None:
    one_of_two = [CallBucket(CHAT, NOW - 60, calls=2, errors=1)]
    condition = only(call_conditions(one_of_two, DEFAULTS, NOW), "error_rate")
    assert condition.value == 50 and not condition.firing


def test_error_rate_fires_above_the_threshold_over_the_window() -> None:
    buckets = minutes(CHAT, 4, calls=10, errors=3)  # 30 %
    condition = only(call_conditions(buckets, DEFAULTS, NOW), "error_rate")
    assert condition.firing and condition.value == 30 and condition.threshold == 25
    assert condition.severity == "medium" and condition.subject == "openai · gpt-4o-mini · chat"
    assert "30% (12 of 40 calls) over 15 min" in condition.message


def test_error_rate_exactly_at_the_threshold_and_outside_the_window_stays_quiet() -> None:
    at_threshold = minutes(CHAT, 4, calls=8, errors=2)  # 25 % of 32 calls
    assert not only(call_conditions(at_threshold, DEFAULTS, NOW), "error_rate").firing
    old = [CallBucket(CHAT, NOW - 3600, calls=100, errors=100), *minutes(CHAT, 3, calls=10)]
    assert only(call_conditions(old, DEFAULTS, NOW), "error_rate").value == 0


def test_error_rate_settings_follow_the_scope() -> None:
    settings = parse_alerts_settings(
        {"override": [{"rule": "error_rate", "model": "gpt-4o-*", "threshold": 50, "window": "2m"}]}
    )
    buckets = minutes(CHAT, 10, calls=10, errors=4)  # 40 %
    condition = only(call_conditions(buckets, settings, NOW), "error_rate")
    assert not condition.firing and condition.threshold == 50
    assert "20 calls" in condition.message  # a two-minute window


def test_latency_p95_against_the_operation_default() -> None:
    slow_chat = minutes(CHAT, 2, latencies_ms=(40_000.0,) * 10)
    fine_embed = minutes(EMBED, 2, latencies_ms=(900.0,) * 10)
    slow_embed = minutes(EMBED, 2, latencies_ms=(6_000.0,) * 10)
    assert only(call_conditions(slow_chat, DEFAULTS, NOW), "latency_p95").firing
    assert not only(call_conditions(fine_embed, DEFAULTS, NOW), "latency_p95").firing
    condition = only(call_conditions(slow_embed, DEFAULTS, NOW), "latency_p95")
    assert condition.firing and condition.threshold == 5_000 and condition.severity == "low"
    assert "p95 latency 6.0 s" in condition.message


def test_latency_p95_needs_enough_calls() -> None:
    few = [CallBucket(CHAT, NOW - 60, calls=3, errors=0, latencies_ms=(90_000.0,) * 3)]
    assert not only(call_conditions(few, DEFAULTS, NOW), "latency_p95").firing


def test_latency_threshold_is_learned_from_the_baseline() -> None:
    settings = parse_alerts_settings({"latency_p95": {"factor": 2}})
    buckets = minutes(CHAT, 2, latencies_ms=(2_500.0,) * 10)
    learned = {CHAT: Baseline(latency_p95_ms=1_000.0, latency_n=5_000)}
    condition = only(call_conditions(buckets, settings, NOW, learned), "latency_p95")
    assert condition.firing and condition.threshold == 2_000 and "learned" in condition.message
    short_history = {CHAT: Baseline(latency_p95_ms=1_000.0, latency_n=20)}
    fallback = only(call_conditions(buckets, settings, NOW, short_history), "latency_p95")
    assert not fallback.firing and fallback.threshold == 30_000


def test_ttft_p95_covers_streams() -> None:
    buckets = minutes(CHAT, 2, latencies_ms=(3_000.0,) * 10, ttfts_ms=(12_000.0,) * 10)
    condition = only(call_conditions(buckets, DEFAULTS, NOW), "ttft_p95")
    assert condition.firing and condition.value == 12_000
    no_streams = minutes(CHAT, 2, latencies_ms=(3_000.0,) * 10)
    assert [c for c in call_conditions(no_streams, DEFAULTS, NOW) if c.rule == "ttft_p95"] == []


def test_spend_over_a_budget() -> None:
    settings = parse_alerts_settings({"spend": {"threshold": 2}})
    buckets = minutes(CHAT, 30, cost_usd=0.10)  # $3 in the last hour
    condition = only(call_conditions(buckets, settings, NOW), "spend")
    assert condition.firing and condition.threshold == 2 and "budget $2.00/h" in condition.message


def test_spend_against_k_times_its_trailing_baseline() -> None:
    buckets = minutes(CHAT, 60, cost_usd=0.05)  # $3 in the last hour
    usual = {CHAT: Baseline(hourly_spend_usd=0.50)}
    condition = only(call_conditions(buckets, DEFAULTS, NOW, usual), "spend")
    assert condition.firing and condition.threshold == 1.5 and "3× the usual $0.50/h" in condition.message
    steady = {CHAT: Baseline(hourly_spend_usd=2.0)}
    assert not only(call_conditions(buckets, DEFAULTS, NOW, steady), "spend").firing


def test_spend_stays_quiet_below_the_floor_or_without_a_baseline() -> None:
    cheap = minutes(CHAT, 10, cost_usd=0.05)  # $0.50: 50× a tiny baseline, but under the $1 floor
    assert not only(
        call_conditions(cheap, DEFAULTS, NOW, {CHAT: Baseline(hourly_spend_usd=0.01)}), "spend"
    ).firing
    assert [c for c in call_conditions(cheap, DEFAULTS, NOW) if c.rule == "spend"] == []


def test_model_unavailable_after_n_consecutive_failures() -> None:
    failures = [
        RecentCall("upstream_unreachable"),
        RecentCall("upstream_timeout"),
        RecentCall("error", 503, "server_error"),
        RecentCall("error", 529, "overloaded_error"),
        RecentCall("error", 200, "overloaded_error"),  # overloaded inside a 200 stream
    ]
    condition = only(unavailable_conditions({CHAT: failures}, DEFAULTS), "model_unavailable")
    assert condition.firing and condition.severity == "critical" and condition.value == 5
    assert "the last 5 calls failed" in condition.message and "1× upstream_timeout" in condition.message


def test_model_unavailable_counts_only_the_latest_streak_of_outage_failures() -> None:
    broken_by_success = (
        [RecentCall("upstream_timeout")] * 4 + [RecentCall("ok", 200)] + [RecentCall("error", 500)]
    )
    client_errors = [RecentCall("error", 429, "rate_limit_exceeded")] * 6
    recent = {CHAT: broken_by_success, EMBED: client_errors}
    conditions = {c.scope: c for c in unavailable_conditions(recent, DEFAULTS)}
    assert conditions[CHAT].value == 4 and not conditions[CHAT].firing
    assert conditions[EMBED].value == 0 and not conditions[EMBED].firing


def event(kind: str, group_id: str = "ab12cd34", model: str | None = "gpt-4o-mini") -> GroupEvent:
    return GroupEvent(kind, group_id, "429 rate_limit_exceeded · Rate limit reached for <model>",  # type: ignore[arg-type]
                      "2026-11-27T23:59:00.000Z", model, "openai", "chat")  # fmt: skip


def test_new_group_and_regression_fire_per_event() -> None:
    conditions = group_event_conditions([event("new"), event("regressed", "ffee0011")], DEFAULTS)
    assert [(c.rule, c.subject, c.firing) for c in conditions] == [
        ("new_group", "group:ab12cd34", True),
        ("regression", "group:ffee0011", True),
    ]
    assert conditions[0].message.startswith("New error group on openai · gpt-4o-mini · chat: 429")
    assert conditions[1].group_id == "ffee0011"


def test_group_rules_can_be_switched_off_per_model() -> None:
    settings = parse_alerts_settings(
        {"override": [{"rule": "new_group", "model": "test-*", "enabled": False}]}
    )
    assert group_event_conditions([event("new", model="test-model")], settings) == []
    assert len(group_event_conditions([event("new")], settings)) == 1


def test_group_spike_counts_within_the_window() -> None:
    title = "500 server_error · The server had an error"
    counts = [GroupCount("g1", title, CHAT, NOW - 60 * i, 3) for i in range(1, 10)]  # 27 in 9 min
    counts.append(GroupCount("g1", title, CHAT, NOW - 3600, 500))  # long ago
    condition = only(group_spike_conditions(counts, DEFAULTS, NOW), "group_spike")
    assert condition.firing and condition.value == 27 and condition.subject == "group:g1"
    assert "seen 27 times in 10 min" in condition.message and title in condition.message
    quiet = [GroupCount("g1", title, CHAT, NOW - 60, 25)]
    assert not only(group_spike_conditions(quiet, DEFAULTS, NOW), "group_spike").firing  # more than N


def test_group_spike_reports_the_busiest_scope_once_per_group() -> None:
    counts = [GroupCount("g1", "t", CHAT, NOW - 60, 30), GroupCount("g1", "t", EMBED, NOW - 60, 2)]
    condition = only(group_spike_conditions(counts, DEFAULTS, NOW), "group_spike")
    assert condition.scope == CHAT and condition.firing


def test_recorder_backlog_and_drops() -> None:
    conditions = recorder_conditions(95.0, {"dropped_records": 2, "dropped_payloads": 5}, DEFAULTS)
    backlog, dropped = only(conditions, "recorder_backlog"), only(conditions, "dropped_data")
    assert backlog.firing and backlog.subject == "recorder" and "behind" in backlog.message
    assert dropped.firing and dropped.value == 7 and "5 payloads, 2 records" in dropped.message
    calm = recorder_conditions(3.0, {"dropped_records": 0}, DEFAULTS)
    assert not any(c.firing for c in calm)
    assert [c.rule for c in recorder_conditions(None, {}, DEFAULTS)] == ["dropped_data"]


def test_drift_severity_follows_the_snapshot() -> None:
    gemini = Scope("gemini", "gemini-2.5-pro", "chat")
    claude = Scope("anthropic", "claude-sonnet-4-5", "chat")
    readings = [
        DriftReading(CHAT, "latency_ms", "moderate", "median latency 0.8 s → 1.1 s"),
        DriftReading(CHAT, "output_tokens", "none"),
        DriftReading(gemini, "latency_ms", "major"),
        DriftReading(
            claude, "response_model", "major", "claude-sonnet-4-5-20250929 → claude-sonnet-4-5-20260301"
        ),
        DriftReading(claude, "latency_ms", "moderate"),
        DriftReading(EMBED, "latency_ms", "insufficient"),
    ]
    conditions = {c.scope: c for c in drift_conditions(readings, DEFAULTS)}
    assert (conditions[CHAT].severity, conditions[CHAT].firing) == ("low", True)
    assert "latency_ms moderate (median latency 0.8 s → 1.1 s)" in conditions[CHAT].message
    assert conditions[gemini].severity == "medium"
    assert conditions[claude].severity == "medium"
    assert conditions[claude].message.startswith(
        "Drift on anthropic · claude-sonnet-4-5 · chat: response_model model swap"
    )
    assert not conditions[EMBED].firing


def test_drift_can_be_switched_off() -> None:
    settings = parse_alerts_settings({"drift": {"enabled": False}})
    assert drift_conditions([DriftReading(CHAT, "latency_ms", "major")], settings) == []
