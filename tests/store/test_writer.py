"""The single writer: batch inserts, idempotent retries, counters, checkpoint on close."""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, replace
from pathlib import Path

import pytest
from sqlite_utils import Database

from lookout.store.db import database_path, open_writer
from lookout.store.queries import counters
from lookout.store.writer import CallWriter
from tests.store.factories import NOW, make_row, spread_rows


def stored(db: Database, call_id: str) -> dict[str, object]:
    return dict(db.table("calls").get(call_id))


def test_row_round_trips(writer: CallWriter, writer_db: Database) -> None:
    row = make_row(streamed=True, ttft_ms=12.5, trace_id="t-1", cache_write_tokens=None)
    writer.write_calls([row])
    expected = asdict(row) | {"streamed": 1}
    assert stored(writer_db, row.id) == expected


def test_retried_batch_replaces_instead_of_duplicating(writer: CallWriter, writer_db: Database) -> None:
    batch = list(spread_rows(3, start=NOW, step_s=1))
    writer.write_calls(batch)
    writer.write_calls([replace(batch[0], outcome="error", status_code=500), *batch[1:]])
    assert writer_db.table("calls").count == 3
    assert stored(writer_db, batch[0].id)["outcome"] == "error"


def test_batch_is_all_or_nothing(writer: CallWriter, writer_db: Database) -> None:
    good = make_row(id="good")
    bad = make_row(id="bad", upstream=None)
    with pytest.raises(sqlite3.IntegrityError):
        writer.write_calls([good, bad])
    assert writer_db.table("calls").count == 0
    writer.write_calls([good])
    assert writer_db.table("calls").count == 1


def test_empty_batch_is_a_no_op(writer: CallWriter, writer_db: Database) -> None:
    writer.write_calls([])
    writer.add_counters({})
    assert writer_db.table("calls").count == 0


def test_counters_accumulate(writer_db: Database) -> None:
    clock = iter([NOW, NOW + 60])
    writer = CallWriter(writer_db, now=lambda: next(clock))
    writer.add_counters({"dropped_records": 2, "recorder_restarts": 1})
    writer.add_counters({"dropped_records": 3})
    assert counters(writer_db) == {"dropped_records": 5, "recorder_restarts": 1}
    row = writer_db.table("counters").get("dropped_records")
    assert row["updated_at"] == "2026-11-28T00:01:00.000Z"


def test_close_checkpoints_the_wal(data_dir: Path) -> None:
    writer = CallWriter(open_writer(data_dir))
    writer.write_calls(list(spread_rows(100, start=NOW, step_s=1)))
    writer.close()
    wal = database_path(data_dir).with_name("lookout.db-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    check = sqlite3.connect(database_path(data_dir))
    assert check.execute("SELECT count(*) FROM calls").fetchone()[0] == 100
    check.close()
