"""The ``call_rollup`` table: one row per hour x upstream x model x operation.

Percentiles over a month of calls cannot be computed from raw rows within a
view's 200 ms budget (the 24 h ``stats`` query alone takes ~200 ms over 50 k
rows), so the writer keeps this table in step with ``calls`` in the same
transaction: counts, sums and log-bucket latency/TTFT histograms
(:mod:`lookout.store.rollup_cells`). A re-sent batch replaces calls by id; the
replaced rows' contributions are subtracted first, so the rollup never
double-counts.

Retention removes rollup hours together with calls older than the age limit.
Calls deleted to keep the file under its size cap stay counted here, so charts
keep their history until the age limit.

``NULL`` in ``model`` or ``operation`` is stored as ``''``: the primary key
needs a value, and SQLite treats NULLs as distinct in keys.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from sqlite_utils import Database

from lookout.core.clock import iso_utc, parse_iso
from lookout.store.rollup_cells import (
    COUNT_FIELDS,
    NULLABLE_FIELDS,
    SOURCE_COLUMNS,
    Cells,
    cells_from_rows,
    decode_histograms,
    empty_cells,
    encode_histogram,
)

TABLE = "call_rollup"
HOUR_S = 3600.0
_KEY_COLUMNS = ("hour", "upstream", "model", "operation")
_VALUE_COLUMNS = (*COUNT_FIELDS, *NULLABLE_FIELDS, "latency_hist", "ttft_hist")
_SELECT_ROW = (
    f"SELECT {', '.join(_VALUE_COLUMNS)} FROM {TABLE} "
    "WHERE hour = ? AND upstream = ? AND model = ? AND operation = ?"
)
_UPSERT_ROW = (
    f"INSERT OR REPLACE INTO {TABLE} ({', '.join((*_KEY_COLUMNS, *_VALUE_COLUMNS))}) "
    f"VALUES ({', '.join('?' for _ in (*_KEY_COLUMNS, *_VALUE_COLUMNS))})"
)
_SELECT_SOURCE = f"SELECT {', '.join(SOURCE_COLUMNS)} FROM calls"
_BACKFILL_CHUNK = 100_000


def record(
    conn: sqlite3.Connection, added: Sequence[Sequence[Any]], removed: Sequence[Sequence[Any]] = ()
) -> None:
    """Add the calls in ``added`` and subtract those in ``removed`` (rows in ``SOURCE_COLUMNS`` order).

    Run it inside the transaction that writes the calls.
    """
    _apply(conn, cells_from_rows(added, HOUR_S), sign=1)
    if removed:
        _apply(conn, cells_from_rows(removed, HOUR_S), sign=-1)


def existing_rows(conn: sqlite3.Connection, ids: Iterable[str]) -> list[tuple[Any, ...]]:
    """The stored calls among ``ids``, in ``SOURCE_COLUMNS`` order (what a replace would remove)."""
    sql = f"{_SELECT_SOURCE} WHERE id IN (SELECT value FROM json_each(?))"
    return conn.execute(sql, [json.dumps(list(ids))]).fetchall()


def rebuild(db: Database) -> None:
    """Recompute the whole table from ``calls`` (the migration's backfill)."""
    db.execute(f"DELETE FROM {TABLE}")
    cursor = db.conn.execute(_SELECT_SOURCE)
    while rows := cursor.fetchmany(_BACKFILL_CHUNK):
        _apply(db.conn, cells_from_rows(rows, HOUR_S), sign=1)


def delete_before(db: Database, cutoff_iso: str) -> int:
    """Delete the hours that end at or before ``cutoff_iso``; return how many rows went."""
    last_start = iso_utc(parse_iso(cutoff_iso) - HOUR_S)
    return db.execute(f"DELETE FROM {TABLE} WHERE hour <= ?", [last_start]).rowcount


def load(db: Database, start: float, end: float) -> Cells:
    """The rollup cells of the whole hours in ``[start, end)`` (epoch seconds on hour boundaries),
    histograms included. Use :func:`load_sums` when no percentile is needed: it is far cheaper.
    """
    sql = f"SELECT {', '.join((*_KEY_COLUMNS, *_VALUE_COLUMNS))} FROM {TABLE} WHERE hour >= ? AND hour < ?"
    rows = db.execute(sql, [iso_utc(start), iso_utc(end)]).fetchall()
    if not rows:
        return empty_cells(exact=False)
    columns = list(zip(*rows, strict=True))
    hours = np.array([text[:19] for text in columns[0]], dtype="datetime64[s]").astype(np.float64)
    offset = len(_KEY_COLUMNS)
    counts = {name: np.array(columns[offset + i], np.int64) for i, name in enumerate(COUNT_FIELDS)}
    offset += len(COUNT_FIELDS)
    sums = {
        name: np.array([np.nan if v is None else v for v in columns[offset + i]], np.float64)
        for i, name in enumerate(NULLABLE_FIELDS)
    }
    offset += len(NULLABLE_FIELDS)
    return Cells(
        keys=[
            (float(hour), upstream, model or None, operation or None)
            for hour, upstream, model, operation in zip(
                hours, columns[1], columns[2], columns[3], strict=True
            )
        ],
        counts=counts,
        sums=sums,
        latency=decode_histograms(columns[offset]),
        ttft=decode_histograms(columns[offset + 1]),
    )


def load_sums(db: Database, start: float, end: float, *, slot_s: float, offset_s: float = 0.0) -> Cells:
    """Counts and sums (no histograms) of the whole hours in ``[start, end)``, added up in SQLite
    into slots of ``slot_s`` seconds aligned to ``offset_s`` (a UTC offset, for local days).

    A month of hours comes back as a few hundred rows instead of thousands.
    """
    sums = ", ".join(f"sum({name})" for name in (*COUNT_FIELDS, *NULLABLE_FIELDS))
    sql = (
        "SELECT ((CAST(strftime('%s', hour) AS INTEGER) + :offset) / :slot) * :slot - :offset, "
        f"upstream, model, operation, {sums} FROM {TABLE} WHERE hour >= :start AND hour < :end "
        "GROUP BY 1, 2, 3, 4"
    )
    params = {"offset": int(offset_s), "slot": int(slot_s), "start": iso_utc(start), "end": iso_utc(end)}
    rows = db.execute(sql, params).fetchall()
    if not rows:
        return empty_cells(exact=False)
    columns = list(zip(*rows, strict=True))
    offset = len(_KEY_COLUMNS)
    return Cells(
        keys=[
            (float(slot), upstream, model or None, operation or None)
            for slot, upstream, model, operation in zip(*columns[:4], strict=True)
        ],
        counts={name: np.array(columns[offset + i], np.int64) for i, name in enumerate(COUNT_FIELDS)},
        sums={
            name: np.array([np.nan if v is None else v for v in columns[offset + len(COUNT_FIELDS) + i]])
            for i, name in enumerate(NULLABLE_FIELDS)
        },
        latency=None,
        ttft=None,
    )


def _apply(conn: sqlite3.Connection, cells: Cells, *, sign: int) -> None:
    """Merge ``cells`` (hourly) into the table, one read-modify-write per cell."""
    assert cells.latency is not None and cells.ttft is not None  # built from rows: always there
    every = np.arange(len(cells), dtype=np.int64)
    latencies = cells.latency.merged(every, len(cells))
    ttfts = cells.ttft.merged(every, len(cells))
    for i, (hour, upstream, model, operation) in enumerate(cells.keys):
        key = (iso_utc(hour), upstream, model or "", operation or "")
        stored = conn.execute(_SELECT_ROW, key).fetchone()
        counts = [sign * int(cells.counts[name][i]) for name in COUNT_FIELDS]
        sums = [_signed(cells.sums[name][i], sign) for name in NULLABLE_FIELDS]
        latency, ttft = sign * latencies[i], sign * ttfts[i]
        if stored is not None:
            counts = [a + b for a, b in zip(counts, stored, strict=False)]
            sums = [_add(a, b) for a, b in zip(sums, stored[len(COUNT_FIELDS) :], strict=False)]
            latency = latency + decode_histograms([stored[-2]]).merged(np.zeros(1, np.int64), 1)[0]
            ttft = ttft + decode_histograms([stored[-1]]).merged(np.zeros(1, np.int64), 1)[0]
        values = [*counts, *_ints_where_whole(sums), encode_histogram(latency), encode_histogram(ttft)]
        conn.execute(_UPSERT_ROW, [*key, *values])


def _signed(value: float, sign: int) -> float | None:
    return None if np.isnan(value) else sign * float(value)


def _add(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    return a if b is None else a + b


def _ints_where_whole(sums: list[float | None]) -> list[float | int | None]:
    # Token sums are INTEGER columns; cost and generation time stay REAL.
    token_fields = {"input_tokens", "output_tokens", "cached_tokens"}
    return [
        int(value) if value is not None and name in token_fields else value
        for name, value in zip(NULLABLE_FIELDS, sums, strict=True)
    ]
