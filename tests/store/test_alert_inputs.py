"""The window queries behind the alert rules, on a real database."""

from __future__ import annotations

from sqlite_utils import Database

from lookout.analysis.alert_rules import RecentCall
from lookout.core.alerts_config import Scope
from lookout.core.clock import iso_utc
from lookout.store.alert_inputs import baselines, call_buckets, group_counts, latest_drift, recent_calls
from lookout.store.writer import CallWriter
from tests.store.factories import NOW, make_row

CHAT = Scope("openai", "gpt-4o-mini", "chat")
EMBED = Scope("openai", "text-embedding-3-small", "embeddings")


def test_call_buckets_aggregate_per_scope_and_minute(writer: CallWriter, writer_db: Database) -> None:
    writer.write_calls(
        [
            make_row(id="a", started_at=iso_utc(NOW - 50), latency_ms=100.0),
            make_row(id="b", started_at=iso_utc(NOW - 40), latency_ms=300.0, streamed=True, ttft_ms=80.0),
            make_row(id="c", started_at=iso_utc(NOW - 30), outcome="error", status_code=500, cost_usd=None),
            make_row(id="d", started_at=iso_utc(NOW - 20), outcome="client_aborted", latency_ms=9.0),
            make_row(
                id="e", started_at=iso_utc(NOW - 90), model="text-embedding-3-small", operation="embeddings"
            ),
            make_row(id="old", started_at=iso_utc(NOW - 3600)),
        ]
    )
    buckets = {(b.scope, b.start): b for b in call_buckets(writer_db, iso_utc(NOW - 900))}
    chat = buckets[CHAT, NOW - 60]
    assert (chat.calls, chat.errors) == (4, 1)  # an aborted call is not an error
    assert sorted(chat.latencies_ms) == [100.0, 300.0]  # successful calls only
    assert chat.ttfts_ms == (80.0,)
    assert chat.cost_usd is not None and abs(chat.cost_usd - 3 * 0.00036) < 1e-12
    assert buckets[EMBED, NOW - 120].calls == 1
    assert len(buckets) == 2


def test_group_counts_leave_out_ignored_groups(writer: CallWriter, writer_db: Database) -> None:
    groups = writer_db.table("error_groups")
    for gid, status in (("g-live", "unresolved"), ("g-muted", "ignored")):
        groups.insert(
            {"id": gid, "fingerprint": gid, "title": f"title {gid}", "status": status, "count": 1,
             "first_seen": iso_utc(NOW), "last_seen": iso_utc(NOW)}
        )  # fmt: skip
    failed = {"outcome": "error", "status_code": 500}
    writer.write_calls(
        [
            make_row(id="1", started_at=iso_utc(NOW - 10), error_group_id="g-live", **failed),
            make_row(id="2", started_at=iso_utc(NOW - 20), error_group_id="g-live", **failed),
            make_row(id="3", started_at=iso_utc(NOW - 20), error_group_id="g-muted", **failed),
            make_row(id="4", started_at=iso_utc(NOW - 20), error_group_id="g-purged", **failed),
            make_row(id="5", started_at=iso_utc(NOW - 20)),
        ]
    )
    counts = {(c.group_id, c.title, c.count) for c in group_counts(writer_db, iso_utc(NOW - 600))}
    assert counts == {("g-live", "title g-live", 2), ("g-purged", "untitled error group", 1)}


def test_recent_calls_newest_first_per_scope(writer: CallWriter, writer_db: Database) -> None:
    writer.write_calls(
        [
            make_row(id="1", started_at=iso_utc(NOW - 30), outcome="upstream_timeout", status_code=None),
            make_row(
                id="2",
                started_at=iso_utc(NOW - 20),
                outcome="error",
                status_code=529,
                error_type="overloaded_error",
            ),
            make_row(id="3", started_at=iso_utc(NOW - 40)),
            make_row(id="4", started_at=iso_utc(NOW - 10), operation="responses"),
            make_row(
                id="5",
                started_at=iso_utc(NOW - 5),
                model=None,
                operation=None,
                outcome="upstream_unreachable",
            ),
        ]
    )
    unknown = Scope("openai", None, None)
    recent = recent_calls(writer_db, [CHAT, unknown], limit=2, since_iso=iso_utc(NOW - 3600))
    assert recent[CHAT] == [RecentCall("error", 529, "overloaded_error"), RecentCall("upstream_timeout")]
    assert recent[unknown] == [RecentCall("upstream_unreachable", 200)]


def test_latest_drift_snapshot_per_metric(writer_db: Database) -> None:
    snapshot = {"upstream": "openai", "model": "gpt-4o-mini", "operation": "chat", "kind": "numeric"}
    writer_db.table("drift_snapshots").insert_all(
        [
            {**snapshot, "metric": "latency_ms", "severity": "major", "computed_at": iso_utc(NOW - 7200)},
            {**snapshot, "metric": "latency_ms", "severity": "none", "computed_at": iso_utc(NOW - 60)},
            {**snapshot, "metric": "response_model", "kind": "categorical", "severity": "major",
             "verdict": "a new model answers", "computed_at": iso_utc(NOW - 60)},
            {**snapshot, "metric": "output_tokens", "severity": "moderate",
             "computed_at": iso_utc(NOW - 86400)},
        ]
    )  # fmt: skip
    readings = {r.metric: r for r in latest_drift(writer_db, iso_utc(NOW - 3 * 3600))}
    assert set(readings) == {"latency_ms", "response_model"}  # a day-old snapshot is stale
    assert readings["latency_ms"].severity == "none"  # the latest, not the worst
    assert readings["response_model"].verdict == "a new model answers"
    assert readings["response_model"].scope == CHAT


def test_baselines_give_p95_and_hourly_spend(writer: CallWriter, writer_db: Database) -> None:
    rows = [
        make_row(
            id=f"r{i:04d}",
            started_at=iso_utc(NOW - 7 * 86400 + 600 * i),
            latency_ms=float(i % 100),
            cost_usd=0.01,
        )
        for i in range(1000)
    ]
    rows.append(make_row(id="new", started_at=iso_utc(NOW - 7200), model="brand-new", cost_usd=1.0))
    writer.write_calls(rows)
    found = baselines(writer_db, since_iso=iso_utc(NOW - 7 * 86400), until_iso=iso_utc(NOW), percentiles=True)
    chat = found[CHAT]
    assert chat.latency_n == 1000 and chat.latency_p95_ms is not None and 94 <= chat.latency_p95_ms <= 95
    assert chat.hourly_spend_usd is not None and abs(chat.hourly_spend_usd - 10.0 / (7 * 24)) < 1e-9
    assert found[Scope("openai", "brand-new", "chat")].hourly_spend_usd is None  # under a day of history
    lean = baselines(writer_db, since_iso=iso_utc(NOW - 7 * 86400), until_iso=iso_utc(NOW), percentiles=False)
    assert lean[CHAT].latency_p95_ms is None and lean[CHAT].hourly_spend_usd == chat.hourly_spend_usd
