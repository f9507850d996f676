"""Retention on real SQLite files: age rules, the size cap, dry runs, short transactions."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlite_utils import Database

from lookout.core.clock import iso_utc
from lookout.store.db import database_path
from lookout.store.retention import (
    DAY_S,
    RetentionPolicy,
    iter_purge,
    purge,
    used_bytes,
)
from lookout.store.writer import CallWriter
from tests.store.factories import NOW, bulk_insert_generated, make_row

KEEP_ALL = RetentionPolicy(calls_max_age_s=10_000 * DAY_S, payloads_max_age_s=10_000 * DAY_S)


def started_ats(db: Database) -> list[str]:
    return [row[0] for row in db.execute("SELECT started_at FROM calls ORDER BY started_at")]


def add_payload(db: Database, call_id: str, created_at: str) -> None:
    db.execute(
        "INSERT INTO payloads (call_id, created_at, request_body, truncated, redactions)"
        " VALUES (?, ?, '{}', 0, '{}')",
        [call_id, created_at],
    )


def test_age_purge_deletes_only_old_calls(writer: CallWriter, writer_db: Database) -> None:
    ages_days = [45, 31, 29, 1]
    writer.write_calls([make_row(id=f"age{d}", started_at=iso_utc(NOW - d * DAY_S)) for d in ages_days])
    result = purge(writer_db, RetentionPolicy(), now=NOW)
    assert (result.calls_by_age, result.calls_by_size, result.calls_deleted) == (2, 0, 2)
    assert result.payloads_deleted == 0
    assert sorted(row["id"] for row in writer_db.table("calls").rows) == ["age1", "age29"]


def test_nothing_to_purge(writer: CallWriter, writer_db: Database) -> None:
    writer.write_calls([make_row(started_at=iso_utc(NOW - 60))])
    result = purge(writer_db, RetentionPolicy(), now=NOW)
    assert (result.calls_deleted, result.payloads_deleted, result.pages_released) == (0, 0, 0)
    assert writer_db.table("calls").count == 1


def test_calls_without_payloads_follow_their_own_age_limit(writer: CallWriter, writer_db: Database) -> None:
    writer.write_calls([make_row(started_at=iso_utc(NOW - 8 * DAY_S))])
    result = purge(writer_db, RetentionPolicy(), now=NOW)
    assert result.payloads_deleted == 0
    assert writer_db.table("calls").count == 1


def test_payload_rule_applies_once_payloads_exist(writer: CallWriter, writer_db: Database) -> None:
    for call_id, days in [("recent", 1), ("week_old", 8), ("month_old", 40)]:
        started = iso_utc(NOW - days * DAY_S)
        writer.write_calls([make_row(id=call_id, started_at=started)])
        add_payload(writer_db, call_id, started)
    result = purge(writer_db, RetentionPolicy(), now=NOW)
    assert result.calls_deleted == 1
    assert result.payloads_deleted == 2
    assert [row["call_id"] for row in writer_db.table("payloads").rows] == ["recent"]
    assert sorted(row["id"] for row in writer_db.table("calls").rows) == ["recent", "week_old"]


def test_size_cap_deletes_oldest_first(writer_db: Database, data_dir: Path) -> None:
    count = 40_000  # ~15 MB: enough freed pages to be worth handing back
    bulk_insert_generated(str(database_path(data_dir)), count, start=NOW - count, step_s=1.0)
    cap = used_bytes(writer_db) // 2
    result = purge(writer_db, replace(KEEP_ALL, max_db_bytes=cap), now=NOW)
    assert used_bytes(writer_db) <= cap
    assert result.calls_by_age == 0
    assert 0 < result.calls_by_size == result.calls_deleted < count
    remaining = started_ats(writer_db)
    assert len(remaining) == count - result.calls_deleted
    assert remaining[0] == iso_utc(NOW - count + result.calls_deleted)
    assert result.pages_released > 0, "freed pages go back to the file system"


def test_size_cap_takes_payloads_with_their_calls(writer: CallWriter, writer_db: Database) -> None:
    empty = used_bytes(writer_db)  # the schema's own pages, which no purge can free
    for i in range(200):
        started = iso_utc(NOW - 1000 + i)
        writer.write_calls([make_row(id=f"c{i:03d}", started_at=started)])
        add_payload(writer_db, f"c{i:03d}", started)
    cap = empty + (used_bytes(writer_db) - empty) // 2
    purge(writer_db, replace(KEEP_ALL, max_db_bytes=cap), now=NOW)
    call_ids = {row["id"] for row in writer_db.table("calls").rows}
    payload_ids = {row["call_id"] for row in writer_db.table("payloads").rows}
    assert payload_ids == call_ids
    assert "c000" not in call_ids and "c199" in call_ids


def test_dry_run_counts_without_deleting(writer: CallWriter, writer_db: Database) -> None:
    for call_id, days in [("a", 1), ("b", 8), ("c", 40), ("d", 50)]:
        started = iso_utc(NOW - days * DAY_S)
        writer.write_calls([make_row(id=call_id, started_at=started)])
        add_payload(writer_db, call_id, started)
    before = used_bytes(writer_db)
    dry = purge(writer_db, RetentionPolicy(), now=NOW, dry_run=True)
    assert dry.dry_run
    assert (dry.calls_by_age, dry.calls_by_size, dry.payloads_deleted) == (2, 0, 3)
    assert dry.transactions == 0
    assert writer_db.table("calls").count == 4
    assert writer_db.table("payloads").count == 4
    assert dry.used_bytes_before == dry.used_bytes_after == before
    real = purge(writer_db, RetentionPolicy(), now=NOW)
    assert (real.calls_deleted, real.payloads_deleted) == (2, 3)


def test_dry_run_estimates_size_cap(writer_db: Database, data_dir: Path) -> None:
    bulk_insert_generated(str(database_path(data_dir)), 10_000, start=NOW - 10_000, step_s=1.0)
    policy = replace(KEEP_ALL, max_db_bytes=used_bytes(writer_db) // 2)
    estimate = purge(writer_db, policy, now=NOW, dry_run=True).calls_by_size
    actual = purge(writer_db, policy, now=NOW).calls_by_size
    assert writer_db.table("calls").count == 10_000 - actual
    assert 0.3 * actual <= estimate <= actual


def test_purge_of_200k_rows_keeps_every_transaction_short(writer_db: Database, data_dir: Path) -> None:
    old_start = NOW - 40 * DAY_S
    bulk_insert_generated(str(database_path(data_dir)), 200_000, start=old_start, step_s=1.0)
    bulk_insert_generated_recent(data_dir)
    result = purge(writer_db, RetentionPolicy(), now=NOW, max_lock_ms=50)
    assert result.calls_deleted == 200_000
    assert writer_db.table("calls").count == 1_000
    assert result.transactions > 10, "deleted in many small transactions"
    # How short each one is gets measured by tests/store/bench_store.py, not here.
    assert writer_db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000


def bulk_insert_generated_recent(data_dir: Path) -> None:
    """1000 fresh calls that no rule may touch (ids differ from the old ones)."""
    writer_conn = Database(str(database_path(data_dir)))
    rows = [make_row(id=f"recent{i}", started_at=iso_utc(NOW - i)) for i in range(1_000)]
    CallWriter(writer_conn).write_calls(rows)
    writer_conn.close()


def test_iter_purge_lets_the_writer_in_between_steps(
    writer: CallWriter, writer_db: Database, data_dir: Path
) -> None:
    bulk_insert_generated(str(database_path(data_dir)), 5_000, start=NOW - 40 * DAY_S, step_s=1.0)
    steps = 0
    last = None
    for result in iter_purge(writer_db, RetentionPolicy(), now=NOW):
        assert not writer_db.conn.in_transaction
        writer.write_calls([make_row(id=f"live{steps}", started_at=iso_utc(NOW))])
        steps += 1
        last = result
    assert steps > 1
    assert last is not None and last.calls_deleted == 5_000
    assert writer_db.table("calls").count == steps


def test_abandoned_iter_purge_restores_autocheckpoint(writer_db: Database, data_dir: Path) -> None:
    bulk_insert_generated(str(database_path(data_dir)), 2_000, start=NOW - 40 * DAY_S, step_s=1.0)
    steps = iter_purge(writer_db, RetentionPolicy(), now=NOW)
    next(steps)
    assert writer_db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
    steps.close()
    assert writer_db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000


@pytest.mark.parametrize("rows", [0, 1])
def test_size_cap_with_tiny_databases(writer: CallWriter, writer_db: Database, rows: int) -> None:
    writer.write_calls([make_row(id=f"r{i}") for i in range(rows)])
    result = purge(writer_db, replace(KEEP_ALL, max_db_bytes=1), now=NOW)
    assert result.calls_deleted == rows
    assert writer_db.table("calls").count == 0


def test_derived_rows_follow_the_calls_age_limit(writer_db: Database) -> None:
    old, recent = iso_utc(NOW - 40 * DAY_S), iso_utc(NOW - DAY_S)
    for group_id, seen in (("g-old", old), ("g-new", recent)):
        writer_db.table("error_groups").insert(
            {"id": group_id, "fingerprint": group_id, "title": "t", "status": "unresolved", "count": 1}
            | {"first_seen": seen, "last_seen": seen}
        )
        writer_db.table("error_group_counts").insert(
            {"group_id": group_id, "granularity": "day", "bucket": seen, "count": 1}
        )
    for alert_id, status, at in ((1, "resolved", old), (2, "open", old), (3, "resolved", recent)):
        writer_db.table("alerts").insert(
            {"id": alert_id, "rule": "r", "subject": "s", "severity": "low", "status": status}
            | {"opened_at": at, "last_triggered_at": at, "message": "m"}
            | {"resolved_at": at if status == "resolved" else None}
        )
    for snapshot_id, at in ((1, old), (2, recent)):
        writer_db.table("drift_snapshots").insert(
            {"id": snapshot_id, "computed_at": at, "upstream": "u", "metric": "m", "kind": "numeric"}
            | {"severity": "none"}
        )
    purge(writer_db, RetentionPolicy(), now=NOW)
    assert [row["id"] for row in writer_db.table("error_groups").rows] == ["g-new"]
    assert [row["group_id"] for row in writer_db.table("error_group_counts").rows] == ["g-new"]
    assert sorted(row["id"] for row in writer_db.table("alerts").rows) == [2, 3]  # open alerts stay
    assert [row["id"] for row in writer_db.table("drift_snapshots").rows] == [2]
