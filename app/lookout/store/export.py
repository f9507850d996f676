"""Streaming export of calls to CSV or JSON Lines.

Rows go from the cursor to the output one at a time, so exporting a month of
calls costs the same memory as exporting one. Unknown values stay unknown: an
empty CSV cell, a JSON ``null``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any, Literal, TextIO

from sqlite_utils import Database

from lookout.store.queries import call_columns, iter_calls

ExportFormat = Literal["csv", "jsonl"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("csv", "jsonl")


def export_calls(
    db: Database,
    out: TextIO,
    *,
    fmt: ExportFormat,
    since_iso: str,
    until_iso: str | None = None,
) -> int:
    """Write the calls started in the range to ``out``; return how many were written.

    CSV starts with a header row of column names (written even when no call
    matches); JSON Lines writes one object per call.
    """
    rows = iter_calls(db, since_iso=since_iso, until_iso=until_iso)
    if fmt == "csv":
        return _write_csv(out, call_columns(db), rows)
    if fmt == "jsonl":
        return _write_jsonl(out, rows)
    raise ValueError(f"unknown export format {fmt!r}: use one of {', '.join(EXPORT_FORMATS)}")


def _write_csv(out: TextIO, columns: list[str], rows: Iterator[dict[str, Any]]) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([_csv_cell(row[column]) for column in columns])
        count += 1
    return count


def _write_jsonl(out: TextIO, rows: Iterator[dict[str, Any]]) -> int:
    count = 0
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
        out.write("\n")
        count += 1
    return count


def _csv_cell(value: Any) -> Any:
    # csv already writes None as an empty cell; booleans would come out as
    # Python's "True"/"False", so spell them the way spreadsheets and JSON do.
    if isinstance(value, bool):
        return "true" if value else "false"
    return value
