"""The CSV format: the calls of the report's range, and its error groups, as spreadsheets.

Calls stream from the database a chunk at a time (a month of calls costs the
memory of one chunk), and every text cell is re-redacted on the way out, like
every other text in a report. Distinct values are redacted once: a million
calls carry a few hundred distinct model names, endpoints and error texts.
Unknown values are empty cells; booleans are ``true``/``false``.

Two columns skip the redactor: the call ``id`` and ``started_at``, which Lookout
itself generates (an id of letters and digits, a timestamp) and which are unique
per call, so redacting them would cost a Presidio pass per row. Each value is
checked against its expected shape first; one that does not match is redacted
like any other text.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from itertools import islice
from typing import Any, TextIO

from sqlite_utils import Database

from lookout.report.model import ErrorsSection, ReportOptions
from lookout.report.scrub import Scrubber
from lookout.store.queries import call_columns, count_calls, iter_calls

CHUNK_ROWS = 5000
# Columns Lookout generates, and the shape their values must have to skip the redactor.
GENERATED = {"id": re.compile(r"[0-9A-Za-z_-]{1,64}"), "started_at": re.compile(r"\d{4}-\d\d-\d\dT[\d:.]+Z")}
GROUP_COLUMNS = (
    "id",
    "title",
    "status",
    "substatus",
    "callout",
    "count_in_range",
    "total_count",
    "first_seen",
    "last_seen",
    "models",
)


def write_calls_csv(
    db: Database,
    options: ReportOptions,
    scrubber: Scrubber,
    out: TextIO,
    progress: Callable[[float], None],
) -> int:
    """Write the calls in the options' range and filters; return how many were written."""
    columns = call_columns(db)
    since, until = options.iso()
    total = max(count_calls(db, since_iso=since, until_iso=until), 1)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    written = 0
    rows = _calls(db, options, columns)
    generated = [GENERATED.get(name) for name in columns]
    while chunk := list(islice(rows, CHUNK_ROWS)):
        texts = [
            cell for row in chunk for cell, shape in zip(row, generated, strict=True) if _text(cell, shape)
        ]
        clean = dict(zip(texts, scrubber.texts(texts), strict=True))
        writer.writerows(
            [clean.get(cell, cell) if isinstance(cell, str) else cell for cell in row] for row in chunk
        )
        written += len(chunk)
        progress(min(written / total, 1.0))
    return written


def write_groups_csv(errors: ErrorsSection, out: TextIO) -> int:
    """Write the report's error groups (already re-redacted with the report)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(GROUP_COLUMNS)
    for group in errors.groups:
        writer.writerow(
            [
                group.id,
                group.title,
                group.status,
                group.substatus,
                group.callout,
                group.count,
                group.total_count,
                group.first_seen,
                group.last_seen,
                "; ".join(group.models),
            ]
        )
    return len(errors.groups)


def _calls(db: Database, options: ReportOptions, columns: list[str]) -> Iterator[list[Any]]:
    since, until = options.iso()
    for row in iter_calls(db, since_iso=since, until_iso=until):
        if (options.upstreams and row["upstream"] not in options.upstreams) or (
            options.models and row["model"] not in options.models
        ):
            continue
        yield [_cell(row[name]) for name in columns]


def _text(cell: Any, shape: re.Pattern[str] | None) -> bool:
    """Whether ``cell`` goes through the redactor: every string but a well-formed generated value."""
    return isinstance(cell, str) and (shape is None or shape.fullmatch(cell) is None)


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value
