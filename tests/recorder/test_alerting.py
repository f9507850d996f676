"""The recorder's alerting step on a real database, driven by an explicit clock."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from lookout.core.alerts_config import AlertsSettings, parse_alerts_settings
from lookout.core.clock import iso_utc
from lookout.core.models import Alert, CallRow, GroupEvent
from lookout.recorder.alerting import Alerter, alerter_for
from lookout.store.alerts import digest, list_alerts, open_alerts
from lookout.store.db import open_reader, open_writer
from lookout.store.writer import CallWriter
from tests.recorder.test_webhook import hook_server
from tests.store.factories import NOW, make_row

CHAT_SUBJECT = "openai · gpt-4o-mini · chat"
CANARY = "jane.canary@example.com"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_writer(tmp_path)
    yield database
    database.close()


def calls(
    db: Database,
    count: int,
    *,
    start: float,
    step_s: float = 1.0,
    prefix: str = "c",
    alerter: Alerter | None = None,
    **fields: Any,
) -> None:
    """Write calls, and hand them to ``alerter`` as the recorder does after a flush.

    Calls written before an Alerter exists reach it through its start-up seeding instead.
    """
    rows = [
        make_row(id=f"{prefix}{i:05d}", started_at=iso_utc(start + i * step_s), **fields)
        for i in range(count)
    ]
    CallWriter(db).write_calls(rows)
    if alerter is not None:
        alerter.observe(rows, [], {}, start + count * step_s)


def failures(
    db: Database,
    count: int,
    *,
    start: float,
    prefix: str = "f",
    alerter: Alerter | None = None,
    **fields: Any,
) -> None:
    failed = {"outcome": "error", "status_code": 500, "error_message": f"failed for {CANARY}", **fields}
    calls(db, count, start=start, prefix=prefix, alerter=alerter, step_s=0.1, **failed)


def alerts(db: Database, rule: str | None = None) -> list[Alert]:
    return [a for a in list_alerts(db) if rule is None or a.rule == rule]


def ticks(alerter: Alerter, *times: float) -> None:
    for at in times:
        alerter.tick(at)


def test_an_error_rate_alert_opens_once_refreshes_and_resolves_after_the_hold(db: Database) -> None:
    calls(db, 18, start=NOW - 300, step_s=10)
    failures(db, 12, start=NOW - 120)
    alerter = Alerter(db, AlertsSettings(), NOW)  # seeded from the stored calls
    ticks(alerter, NOW, NOW + 5, NOW + 60)
    (alert,) = alerts(db, "error_rate")
    assert (alert.status, alert.severity, alert.subject) == ("open", "medium", CHAT_SUBJECT)
    assert alert.notified_at == iso_utc(NOW) and alert.last_triggered_at == iso_utc(NOW + 60)
    assert alert.value == 40.0 and "12 of 30 calls" in alert.message

    calls(db, 100, start=NOW + 61, step_s=0.5, prefix="ok", alerter=alerter)  # the rate drops to 9 %
    ticks(alerter, NOW + 120, NOW + 655)
    assert alerts(db, "error_rate")[0].status == "open"  # last fired at +60: clear for < 10 min, still held
    alerter.tick(NOW + 665)
    resolved = alerts(db, "error_rate")[0]
    assert resolved.status == "resolved" and resolved.resolved_at == iso_utc(NOW + 665)


def test_flapping_within_the_cooldown_reopens_without_a_new_notification(db: Database) -> None:
    alerter = Alerter(db, AlertsSettings(), NOW - 200)
    failures(db, 25, start=NOW - 100, alerter=alerter)
    alerter.tick(NOW)
    calls(db, 200, start=NOW + 1, step_s=0.1, prefix="ok", alerter=alerter)
    ticks(alerter, NOW + 10, NOW + 610)
    assert alerts(db, "error_rate")[0].status == "resolved"
    failures(db, 200, start=NOW + 615, prefix="again", alerter=alerter)
    alerter.tick(NOW + 640)
    (alert,) = alerts(db, "error_rate")
    assert alert.status == "open" and alert.occurrences == 2 and alert.notified_at == iso_utc(NOW)


def group_event(kind: str, group_id: str) -> GroupEvent:
    title = "500 server_error · The server had an error while processing your request"
    return GroupEvent(kind, group_id, title, iso_utc(NOW - 1), "gpt-4o-mini", "openai", "chat")  # type: ignore[arg-type]


def test_group_events_alert_once_per_group_and_medium_is_rate_limited(db: Database) -> None:
    alerter = Alerter(db, AlertsSettings(), NOW)
    alerter.observe([], [group_event("new", f"g{i}") for i in range(4)], {}, NOW)
    alerter.tick(NOW)
    alerter.observe([], [group_event("new", "g0"), group_event("regressed", "g1")], {}, NOW + 5)
    alerter.tick(NOW + 5)
    news = alerts(db, "new_group")
    assert sorted(a.group_id or "" for a in news) == ["g0", "g1", "g2", "g3"]
    assert all("The server had an error" in a.message for a in news)
    assert sum(a.notified_at is not None for a in news) == 3  # medium_limit per hour
    (regression,) = alerts(db, "regression")
    assert regression.subject == "group:g1" and regression.notified_at is None  # limit spent
    quiet = digest(db, iso_utc(NOW - 60))
    assert {a.rule for a in quiet.alerts} == {"new_group", "regression"} and len(quiet.alerts) == 2


def test_a_group_spike(db: Database) -> None:
    db.table("error_groups").insert(
        {"id": "g9", "fingerprint": "f9", "title": "429 rate_limit_exceeded · Rate limit reached for <model>",
         "status": "unresolved", "count": 30, "first_seen": iso_utc(NOW - 300), "last_seen": iso_utc(NOW)}
    )  # fmt: skip
    failures(db, 30, start=NOW - 300, status_code=429, error_group_id="g9")
    Alerter(db, AlertsSettings(), NOW).tick(NOW)
    (spike,) = alerts(db, "group_spike")
    assert (
        spike.subject == "group:g9"
        and spike.value == 30
        and "Rate limit reached for <model>" in spike.message
    )


def test_model_unavailable_is_critical_and_stays_open_until_a_call_succeeds(db: Database) -> None:
    failures(db, 5, start=NOW - 50, outcome="upstream_unreachable", status_code=None)
    alerter = Alerter(db, AlertsSettings(), NOW)
    alerter.tick(NOW)
    (alert,) = alerts(db, "model_unavailable")
    assert alert.severity == "critical" and alert.notified_at == iso_utc(NOW)
    alerter.tick(NOW + 3600)  # no traffic for an hour: still unknown to be back
    assert alerts(db, "model_unavailable")[0].status == "open"
    calls(db, 1, start=NOW + 3601, prefix="back", alerter=alerter)
    ticks(alerter, NOW + 3605, NOW + 3605 + 600)
    assert alerts(db, "model_unavailable")[0].status == "resolved"


def test_slow_calls_raise_a_low_latency_alert_for_the_digest(db: Database) -> None:
    calls(db, 20, start=NOW - 200, latency_ms=45_000.0)
    calls(
        db,
        20,
        start=NOW - 200,
        prefix="e",
        model="text-embedding-3-small",
        operation="embeddings",
        latency_ms=4_000.0,
    )
    Alerter(db, AlertsSettings(), NOW).tick(NOW)
    (alert,) = alerts(db, "latency_p95")
    assert alert.subject == CHAT_SUBJECT and alert.severity == "low" and alert.notified_at is None


def test_drift_snapshots_alert_and_a_model_swap_escalates(db: Database) -> None:
    alerter = Alerter(db, AlertsSettings(), NOW)
    snapshots = db.table("drift_snapshots")
    base = {"upstream": "openai", "model": "gpt-4o-mini", "operation": "chat", "kind": "numeric"}
    snapshots.insert(
        {**base, "metric": "latency_ms", "severity": "moderate", "computed_at": iso_utc(NOW - 60)}
    )
    alerter.tick(NOW)
    (alert,) = alerts(db, "drift")
    assert alert.severity == "low" and alert.notified_at is None
    snapshots.insert(
        {**base, "metric": "response_model", "kind": "categorical", "severity": "major",
         "verdict": "gpt-4o-mini-2024-07-18 → gpt-4o-mini-2026-01-01", "computed_at": iso_utc(NOW + 30)}
    )  # fmt: skip
    alerter.tick(NOW + 60)
    (escalated,) = alerts(db, "drift")
    assert escalated.severity == "medium" and escalated.notified_at == iso_utc(NOW + 60)
    assert "model swap" in escalated.message


def test_recorder_backlog_and_dropped_records(db: Database) -> None:
    alerter = Alerter(db, AlertsSettings(), NOW)
    late: list[CallRow] = [make_row(started_at=iso_utc(NOW - 130), latency_ms=10_000.0)]
    alerter.observe(late, [], {"dropped_records": 3, "redaction_failures": 1}, NOW)
    alerter.tick(NOW)
    assert {(a.rule, a.subject, a.severity) for a in open_alerts(db)} == {
        ("recorder_backlog", "recorder", "low"),
        ("dropped_data", "recorder", "medium"),
    }
    ticks(alerter, NOW + 900, NOW + 1500)  # both cleared: nothing late or dropped since
    assert open_alerts(db) == []


def test_baselines_come_from_a_background_reader(tmp_path: Path, db: Database) -> None:
    calls(db, 48 * 6, start=NOW - 2 * 86400, step_s=600, prefix="hist", cost_usd=0.01)  # $0.06/h
    calls(db, 60, start=NOW - 3000, step_s=50, cost_usd=0.05)  # $3 in the last hour
    alerter = Alerter(db, AlertsSettings(), NOW, open_reader=partial(open_reader, tmp_path))
    for minute in range(100):
        alerter.tick(NOW + 60 * minute)
        if alerts(db, "spend"):
            break
        time.sleep(0.02)  # give the reader thread its turn; no timing is asserted
    (alert,) = alerts(db, "spend")
    assert alert.value is not None and alert.value > 2 and "the usual $0.06/h" in alert.message
    alerter.close()


async def test_webhook_delivery_is_recorded_and_carries_only_the_message(tmp_path: Path) -> None:
    db = open_writer(tmp_path)
    async with hook_server(503) as hook:
        settings = parse_alerts_settings({"webhook_url": hook.url})
        failures(db, 5, start=NOW - 50, outcome="upstream_timeout", status_code=None)
        calls(db, 20, start=NOW - 200, prefix="slow", model="o4-mini", latency_ms=90_000.0)  # low: not sent
        alerter = alerter_for(db, settings, NOW, None)
        assert alerter is not None
        alerter.tick(NOW)
        for step in range(1, 500):
            await asyncio.sleep(0.01)
            alerter.tick(NOW + 5 * step)
            if alerts(db, "model_unavailable")[0].delivery_status == "delivered":
                break
        alerter.close()
    (alert,) = alerts(db, "model_unavailable")
    assert (alert.delivery_status, alert.delivery_attempts, alert.delivery_error) == (
        "delivered",
        2,
        None,
    )
    assert alerts(db, "latency_p95")[0].delivery_status is None
    texts = [json.loads(body)["text"] for body in hook.bodies]
    assert texts == [f"Lookout critical alert (model_unavailable): {alert.message}"] * 2
    stored = " ".join(a.message for a in alerts(db))
    assert CANARY not in stored and CANARY not in " ".join(texts)
    db.close()


def test_alerts_off_means_no_alerter(db: Database) -> None:
    assert alerter_for(db, parse_alerts_settings({"enabled": False}), NOW, None) is None


def test_a_failing_tick_is_logged_and_never_raises(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    db = open_writer(tmp_path)
    alerter = Alerter(db, AlertsSettings(), NOW)
    db.close()
    with caplog.at_level(logging.ERROR):
        alerter.tick(NOW)
    assert "alert evaluation failed: ProgrammingError" in caplog.text
