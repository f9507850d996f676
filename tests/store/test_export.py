"""Export to CSV and JSON Lines: headers, NULLs, booleans, counts."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlite_utils import Database

from lookout.core.clock import iso_utc
from lookout.store.export import export_calls
from lookout.store.queries import call_columns
from lookout.store.writer import CallWriter
from tests.store.factories import NOW, make_row

SINCE = iso_utc(NOW - 3600)


@pytest.fixture
def two_calls(writer: CallWriter) -> None:
    writer.write_calls(
        [
            make_row(id="a", started_at=iso_utc(NOW - 20), streamed=True, ttft_ms=80.0),
            make_row(id="b", started_at=iso_utc(NOW - 10), cost_usd=None, model=None),
        ]
    )


@pytest.mark.usefixtures("two_calls")
def test_csv_has_header_and_empty_cells_for_null(reader_db: Database) -> None:
    out = io.StringIO()
    assert export_calls(reader_db, out, fmt="csv", since_iso=SINCE) == 2
    header, *rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert header == call_columns(reader_db)
    by_column = [dict(zip(header, row, strict=True)) for row in rows]
    assert [r["id"] for r in by_column] == ["a", "b"]
    assert by_column[0]["streamed"] == "true" and by_column[1]["streamed"] == "false"
    assert by_column[1]["cost_usd"] == "" and by_column[1]["model"] == ""
    assert by_column[0]["ttft_ms"] == "80.0"


@pytest.mark.usefixtures("two_calls")
def test_jsonl_has_one_object_per_call_with_nulls(reader_db: Database) -> None:
    out = io.StringIO()
    assert export_calls(reader_db, out, fmt="jsonl", since_iso=SINCE) == 2
    objects = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [o["id"] for o in objects] == ["a", "b"]
    assert objects[0]["streamed"] is True
    assert objects[1]["cost_usd"] is None and objects[1]["model"] is None
    assert list(objects[0]) == call_columns(reader_db)


@pytest.mark.usefixtures("two_calls")
def test_range_limits_export(reader_db: Database) -> None:
    out = io.StringIO()
    count = export_calls(reader_db, out, fmt="jsonl", since_iso=SINCE, until_iso=iso_utc(NOW - 15))
    assert count == 1
    assert json.loads(out.getvalue())["id"] == "a"


def test_empty_csv_still_has_header(reader_db: Database) -> None:
    out = io.StringIO()
    assert export_calls(reader_db, out, fmt="csv", since_iso=SINCE) == 0
    assert out.getvalue().splitlines() == [",".join(call_columns(reader_db))]


def test_unknown_format_is_refused(reader_db: Database) -> None:
    with pytest.raises(ValueError, match="csv, jsonl"):
        export_calls(reader_db, io.StringIO(), fmt="xml", since_iso=SINCE)  # type: ignore[arg-type]
