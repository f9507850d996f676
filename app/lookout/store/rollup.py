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
from collections.abc import Collection, Iterable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlite_utils import Database

from lookout.core.clock import iso_utc, parse_iso
from lookout.store.rollup_cells import (
    COUNT_FIELDS,
    NULLABLE_FIELDS,
    SOURCE_COLUMNS,
    Cells,
    Hist,
    Key,
    cells_from_rows,
    decode_histograms,
    empty_cells,
    encode_histogram,
    nullable_sum,
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


def load(
    db: Database, start: float, end: float, *, slot_s: float = HOUR_S, fields: Collection[str] = ()
) -> Cells:
    """The rollup cells of the whole hours in ``[start, end)`` (epoch seconds on hour boundaries),
    histograms included, added up into slots of ``slot_s`` seconds: a whole number of hours,
    aligned to multiples of it since the epoch (as chart buckets are). ``fields`` narrows the
    counts and sums read to those named (empty reads all). Use :func:`load_sums` when no
    percentile is needed: it is far cheaper.

    A month is ~9 k rows, and this runs off the GUI thread but under the GIL it shares: the
    rows carry only what was asked for, and are grouped by numpy, column by column, with
    keys built once per slot.
    """
    counted = [name for name in COUNT_FIELDS if not fields or name in fields]
    summed = [name for name in NULLABLE_FIELDS if not fields or name in fields]
    sql = (
        f"SELECT {', '.join((*_KEY_COLUMNS, *counted, *summed, 'latency_hist', 'ttft_hist'))} "
        f"FROM {TABLE} WHERE hour >= ? AND hour < ?"
    )
    rows = db.execute(sql, [iso_utc(start), iso_utc(end)]).fetchall()
    if not rows:
        return empty_cells(exact=False)
    columns = list(zip(*rows, strict=True))
    keys, cell = _slot_cells(columns[0], columns[1:4], slot_s)
    size = len(keys)
    values = iter(columns[len(_KEY_COLUMNS) :])
    counts = {
        name: np.bincount(cell, weights=next(values), minlength=size).round().astype(np.int64)
        for name in counted
    }
    sums = {name: nullable_sum(cell, np.array(next(values), np.float64), size) for name in summed}
    latency, ttft = decode_histograms(next(values)), decode_histograms(next(values))
    return Cells(
        keys=keys,
        counts=counts,
        sums=sums,
        # (cell, bucket, count) triplets whose repeats add up: renumbering rows into cells merges them.
        latency=Hist(cell[latency.cell], latency.bucket, latency.count),
        ttft=Hist(cell[ttft.cell], ttft.bucket, ttft.count),
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


def _slot_cells(
    hours: Sequence[str], names: Sequence[Sequence[str]], slot_s: float
) -> tuple[list[Key], NDArray[np.int64]]:
    """The distinct (slot, upstream, model, operation) keys of rows, and each row's index into them."""
    # numpy parses the stored hours faster than SQLite's strftime() would convert them.
    epochs = np.array([text[:19] for text in hours], dtype="datetime64[s]").astype(np.int64)
    slots = epochs // int(slot_s) * int(slot_s)
    index: dict[tuple[str, ...], int] = {}
    name = np.fromiter(
        (index.setdefault(key, len(index)) for key in zip(*names, strict=True)), np.int64, len(hours)
    )
    codes, cell = np.unique(slots * len(index) + name, return_inverse=True)
    named = [(upstream, model or None, operation or None) for upstream, model, operation in index]
    keys: list[Key] = [(float(code // len(index)), *named[code % len(index)]) for code in codes.tolist()]
    return keys, cell.astype(np.int64)
