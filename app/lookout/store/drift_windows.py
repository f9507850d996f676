"""Drift's reads of ``calls``: the active units, and each unit's calls in a window, sampled.

A unit is one (upstream, model, operation). The active units of a window are
grouped from whichever index reads less: walking the window by time reads each
call's row, so past a tenth of the table a scan of the (covering) unit index is
cheaper. A unit's calls go through the ``idx_calls_unit`` index (upstream,
model, operation, started_at), whose entries also carry the rowid:

* a unit's calls in a window are *counted* from the index alone;
* when a window holds more calls than ``max_rows``, a fixed pseudo-random
  sample is drawn by hashing the rowid (Knuth's multiplicative hash), which
  SQLite evaluates on the index entry before it reads the row, so only the
  sampled rows are read. The same calls are drawn on every run, so hourly
  snapshots do not jitter from resampling. Results say when they were sampled.

The tests need far fewer values than a busy week holds. With 3000 per side
(``[drift] max_samples``), two samples of one unchanged distribution stay
under 0.07 apart in normed Wasserstein (99th percentile; the threshold is
0.1), PSI noise stays near 0.01 and medians move by a few percent at most;
reading more only costs time (each sampled row is a random page read).
:func:`unit_drift` puts the reads and :mod:`lookout.analysis.drift_metrics`
together; :func:`iter_unit_drift` does it unit by unit for the recorder's
stepwise job. :func:`window_values` reads one numeric metric's values, for the
app's distribution overlay.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlite_utils import Database

from lookout.analysis.drift import FloatArray, Thresholds
from lookout.analysis.drift_metrics import (
    METRICS_BY_NAME,
    SOURCE_COLUMNS,
    TEXT_COLUMNS,
    Columns,
    MetricDrift,
    compare_unit,
    numeric_values,
)

_HASH_MULTIPLIER = 2_654_435_761  # Knuth: 2^32 / golden ratio, odd
_HASH_RANGE = 1 << 32
_UNIT_WHERE = "upstream = ? AND model IS ? AND operation IS ? AND started_at >= ? AND started_at < ?"
_COUNT_SQL = f"SELECT count(*) FROM calls INDEXED BY idx_calls_unit WHERE {_UNIT_WHERE}"
_ACTIVE_SQL = """
SELECT upstream, model, operation, count(*) AS calls
FROM calls INDEXED BY {index}
WHERE started_at >= ? AND started_at < ?
GROUP BY upstream, model, operation
"""
_WINDOW_CALLS_SQL = (
    "SELECT count(*) FROM calls INDEXED BY idx_calls_started_at WHERE started_at >= ? AND started_at < ?"
)
# Reading a call's row costs about as much as scanning ten index entries (measured on 1 M calls).
_ROW_COST = 10


def _rows_sql(columns: tuple[str, ...]) -> str:
    # Text columns come as "" for NULL, so numpy turns each column into an array in one go.
    selected = ", ".join(f"ifnull({c}, '')" if c in TEXT_COLUMNS else c for c in columns)
    return f"SELECT {selected} FROM calls INDEXED BY idx_calls_unit WHERE {_UNIT_WHERE}"


def _sample_sql(rows_sql: str) -> str:
    return f"{rows_sql} AND (rowid * {_HASH_MULTIPLIER}) % {_HASH_RANGE} < ?"


_ROWS_SQL = _rows_sql(SOURCE_COLUMNS)
_SAMPLE_SQL = _sample_sql(_ROWS_SQL)


@dataclass(frozen=True, slots=True)
class Unit:
    """What drift compares with itself over time. ``None`` parts were not reported."""

    upstream: str
    model: str | None
    operation: str | None

    @property
    def label(self) -> str:
        return " · ".join(part or "?" for part in (self.upstream, self.model, self.operation))


@dataclass(frozen=True, slots=True)
class Windows:
    """The two windows compared, as storage timestamps (``from`` inclusive, ``to`` exclusive)."""

    baseline_name: str  # "7d" for the default, or a pinned baseline's name
    baseline_from: str
    baseline_to: str
    current_from: str
    current_to: str


@dataclass(frozen=True, slots=True)
class WindowRows:
    """A unit's calls in one window: how many there are, and the columns of those read."""

    calls: int
    columns: Columns
    sampled: bool  # True when ``columns`` hold a sample of ``calls``

    @property
    def rows(self) -> int:
        return len(self.columns["outcome"])


@dataclass(frozen=True, slots=True)
class WindowValues:
    """A numeric metric's values in a window; ``sampled`` when ``calls`` held more than were read."""

    values: FloatArray
    calls: int
    sampled: bool


@dataclass(frozen=True, slots=True)
class UnitDrift:
    """Every metric's drift for one unit; metrics with no data in either window are left out."""

    unit: Unit
    windows: Windows
    baseline: WindowRows
    current: WindowRows
    metrics: tuple[MetricDrift, ...]


def active_units(
    db: Database, windows: Windows, *, upstream: str | None = None, model: str | None = None
) -> list[tuple[Unit, int]]:
    """Units with calls in the current window, with their call counts, busiest first."""
    where = [windows.current_from, windows.current_to]
    in_window: int = db.execute(_WINDOW_CALLS_SQL, where).fetchone()[0]
    table: int = db.execute("SELECT ifnull(max(rowid), 0) FROM calls").fetchone()[0]  # ~ its size
    index = "idx_calls_started_at" if in_window * _ROW_COST < table else "idx_calls_unit"
    rows = db.execute(_ACTIVE_SQL.format(index=index), where).fetchall()
    units = [
        (Unit(row[0], row[1], row[2]), int(row[3]))
        for row in rows
        if (upstream is None or row[0] == upstream) and (model is None or row[1] == model)
    ]
    return sorted(units, key=lambda pair: (-pair[1], pair[0].label))


def window_rows(
    db: Database,
    unit: Unit,
    since_iso: str,
    until_iso: str,
    *,
    max_rows: int,
    columns: tuple[str, ...] = SOURCE_COLUMNS,
) -> WindowRows:
    """The unit's calls started in ``[since_iso, until_iso)``: all of them, or a sample of ~``max_rows``.

    ``columns`` (some of :data:`SOURCE_COLUMNS`) narrows what is read; the same calls are sampled.
    """
    where = [unit.upstream, unit.model, unit.operation, since_iso, until_iso]
    calls: int = db.execute(_COUNT_SQL, where).fetchone()[0]
    rows_sql = _ROWS_SQL if columns == SOURCE_COLUMNS else _rows_sql(columns)
    if calls <= max_rows:
        return WindowRows(calls, _columns(db.execute(rows_sql, where).fetchall(), columns), False)
    cut = int(_HASH_RANGE * max_rows / calls)
    sampled = db.execute(_sample_sql(rows_sql), [*where, cut]).fetchall()
    return WindowRows(calls, _columns(sampled, columns), True)


def window_values(
    db: Database, unit: Unit, metric: str, since_iso: str, until_iso: str, *, max_values: int = 5000
) -> WindowValues:
    """A numeric metric's values over ``[since_iso, until_iso)`` (e.g. ``latency_ms``), for a histogram.

    Only the columns the metric needs are read. Raises ValueError for a metric
    that is not numeric (rates and mixes have no distribution to overlay; their
    snapshots carry the shares).
    """
    spec = METRICS_BY_NAME.get(metric)
    if spec is None or spec.kind != "numeric":
        numeric = ", ".join(name for name, m in METRICS_BY_NAME.items() if m.kind == "numeric")
        raise ValueError(f"{metric!r} is not a numeric drift metric; one of: {numeric}")
    needs = ("output_tokens", "latency_ms") if metric == "output_tokens_per_s" else (metric,)
    rows = window_rows(db, unit, since_iso, until_iso, max_rows=max_values, columns=("outcome", *needs))
    return WindowValues(numeric_values(rows.columns, metric), rows.calls, rows.sampled)


def unit_drift(
    db: Database, unit: Unit, windows: Windows, thresholds: Thresholds, *, max_rows: int
) -> UnitDrift:
    """Compare the unit's baseline window with its current one, metric by metric."""
    baseline = window_rows(db, unit, windows.baseline_from, windows.baseline_to, max_rows=max_rows)
    current = window_rows(db, unit, windows.current_from, windows.current_to, max_rows=max_rows)
    metrics = compare_unit(baseline.columns, current.columns, thresholds)
    return UnitDrift(unit, windows, baseline, current, metrics)


def iter_unit_drift(
    db: Database,
    windows: Windows,
    thresholds: Thresholds,
    *,
    max_rows: int,
    upstream: str | None = None,
    model: str | None = None,
) -> Iterator[UnitDrift]:
    """:func:`unit_drift` for every active unit, one at a time (busiest first)."""
    for unit, _ in active_units(db, windows, upstream=upstream, model=model):
        yield unit_drift(db, unit, windows, thresholds, max_rows=max_rows)


def _columns(rows: list[tuple[Any, ...]], names: tuple[str, ...]) -> Columns:
    """Rows as one array per column: floats (NaN for NULL), or strings ("" for NULL).

    One object array converted column by column: numpy's loops, not Python's.
    """
    table = np.array(rows, dtype=object).reshape(len(rows), len(names))
    return {
        name: table[:, index].astype(np.str_ if name in TEXT_COLUMNS else np.float64)
        for index, name in enumerate(names)
    }
