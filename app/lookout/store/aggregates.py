"""Read queries over all calls of a range (KPIs, calls per minute), and the cell reading they share.

Every function takes a read-only :class:`~sqlite_utils.Database` and a range
``[start, end)`` in epoch seconds, and returns plain dataclasses of numbers
and numpy arrays (no Qt). Ranges up to :data:`RAW_MAX_S` are computed from
``calls`` and are exact. Longer ranges read whole hours from the ``call_rollup``
table and only their partial first and last hour from ``calls``; their
percentiles come from log-bucket histograms and are within
:data:`~lookout.store.rollup_cells.MAX_RELATIVE_ERROR` (~4.4%) of the exact
value. Results say which they are (``approximate``). A database from before
the rollup (read before the recorder migrated it) is read from ``calls``
whatever the range: exact, only slower.

``upstreams``/``models`` narrow a query to those upstreams and models (empty
means all). Per-model breakdowns (performance series, histograms, usage and
spend) live in :mod:`lookout.store.aggregates_models`, built on
:func:`load_cells` and the grouping helpers here.

Definitions follow :mod:`lookout.store.queries`: errors are outcomes other
than ``ok`` and ``client_aborted``; latency percentiles cover successful calls,
TTFT successful streamed ones; spend sums priced calls and ``unpriced_calls``
counts successful calls without a price (unknown, never $0). Token and cost
sums are ``None`` when nothing reported them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Collection, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlite_utils import Database

from lookout.core.clock import iso_utc
from lookout.store import rollup
from lookout.store.rollup_cells import (
    BUCKETS,
    COUNT_FIELDS,
    NULLABLE_FIELDS,
    SOURCE_COLUMNS,
    Cells,
    Hist,
    RawValues,
    cells_from_rows,
    concat,
    decode_histograms,
    empty_cells,
    grouped_percentiles,
    histogram_percentiles,
)

RAW_MAX_S = 6 * 3600.0
HOUR_S = rollup.HOUR_S
DAY_S = 86_400.0
Floats = NDArray[np.float64]
Names = Collection[str]  # upstream or model names to keep; empty keeps all


@dataclass(frozen=True, slots=True)
class Kpis:
    """Headline figures for one period."""

    calls: int
    errors: int
    error_rate: float | None  # errors / calls, None without calls
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    ttft_p50_ms: float | None
    input_tokens: int | None
    output_tokens: int | None
    cached_tokens: int | None
    tokens: int | None  # input + output
    cost_usd: float | None
    unpriced_calls: int
    approximate: bool


@dataclass(frozen=True, slots=True)
class KpiComparison:
    """A period's KPIs and those of the period of the same length just before it."""

    current: Kpis
    previous: Kpis

    def change(self, name: str) -> float | None:
        """Relative change of one KPI (0.25 = +25%); ``None`` when either side is unknown or zero."""
        now, before = getattr(self.current, name), getattr(self.previous, name)
        if now is None or before is None or before == 0:
            return None
        return float((now - before) / before)


@dataclass(frozen=True, slots=True)
class RateSeries:
    """Calls and errors per minute in buckets of ``bucket_s`` starting at ``starts``."""

    bucket_s: float
    starts: Floats
    calls_per_min: Floats
    errors_per_min: Floats


def kpis(db: Database, start: float, end: float, *, upstreams: Names = (), models: Names = ()) -> Kpis:
    """The headline figures for calls started in ``[start, end)``."""
    if _raw_only(db, start, end):
        cells = load_cells(db, start, end, slot_s=slot_for(end - start), upstreams=upstreams, models=models)
    else:
        cells = _total_cells(db, start, end, upstreams, models)
    return kpis_by_group(cells, np.zeros(len(cells), np.int64), 1)[0]


def compare_kpis(
    db: Database, start: float, end: float, *, upstreams: Names = (), models: Names = ()
) -> KpiComparison:
    """KPIs for ``[start, end)`` and for the period of the same length before it."""
    previous_start = start - (end - start)
    return KpiComparison(
        kpis(db, start, end, upstreams=upstreams, models=models),
        kpis(db, previous_start, start, upstreams=upstreams, models=models),
    )


def call_rates(db: Database, start: float, end: float) -> RateSeries:
    """Calls/min and errors/min over the range, in buckets sized by :func:`bucket_for`."""
    bucket = bucket_for(end - start)
    times, calls, errors = _call_counts(db, start, end, bucket)
    starts = bucket_starts(start, end, bucket)
    group = bucket_index(times, starts, bucket)
    minutes = minutes_covered(starts, bucket, start, end)
    per_bucket = [np.bincount(group, weights=values, minlength=len(starts)) for values in (calls, errors)]
    return RateSeries(bucket, starts, per_bucket[0] / minutes, per_bucket[1] / minutes)


def kpis_by_group(cells: Cells, group: NDArray[np.int64], size: int) -> list[Kpis]:
    """The :class:`Kpis` of each of ``size`` groups of cells (``group[i]`` is cell i's group)."""
    sums = Sums(cells, group, size)
    latency = percentiles(cells, group, size, "latency", (50, 95))
    ttft = percentiles(cells, group, size, "ttft", (50,))
    calls, errors, unpriced = sums.count("calls"), sums.count("errors"), sums.count("unpriced_calls")
    input_tokens, output_tokens = sums.nullable("input_tokens"), sums.nullable("output_tokens")
    cached, cost = sums.nullable("cached_tokens"), sums.nullable("cost_usd")
    return [
        Kpis(
            calls=int(calls[i]),
            errors=int(errors[i]),
            error_rate=int(errors[i]) / int(calls[i]) if calls[i] else None,
            latency_p50_ms=maybe_float(latency[i, 0]),
            latency_p95_ms=maybe_float(latency[i, 1]),
            ttft_p50_ms=maybe_float(ttft[i, 0]),
            input_tokens=maybe_int(input_tokens[i]),
            output_tokens=maybe_int(output_tokens[i]),
            cached_tokens=maybe_int(cached[i]),
            tokens=maybe_int(_known_sum(input_tokens[i], output_tokens[i])),
            cost_usd=maybe_float(cost[i]),
            unpriced_calls=int(unpriced[i]),
            approximate=not cells.exact,
        )
        for i in range(size)
    ]


def bucket_for(span_s: float) -> float:
    """Chart bucket for a range: minutes for short ranges, hours and more for long ones."""
    for limit, bucket in (
        (2 * 3600, 60.0),
        (RAW_MAX_S, 300.0),
        (3 * DAY_S, HOUR_S),
        (14 * DAY_S, 3 * HOUR_S),
    ):
        if span_s <= limit:
            return bucket
    return 6 * HOUR_S


def slot_for(span_s: float) -> float:
    """The cell size to load a range in: the chart bucket for raw ranges, else the rollup's hour."""
    return bucket_for(span_s) if span_s <= RAW_MAX_S else HOUR_S


def load_cells(
    db: Database,
    start: float,
    end: float,
    *,
    slot_s: float,
    sums_only: tuple[float, float] | None = None,
    rollup_slot_s: float = HOUR_S,
    fields: Collection[str] = (),
    upstreams: Names = (),
    models: Names = (),
) -> Cells:
    """Cells covering ``[start, end)``: exact raw ones for short ranges, else rollup hours plus raw edges.

    ``sums_only=(slot_s, offset_s)`` skips the histograms and lets SQLite add the rollup hours up
    into slots of that size (aligned to that UTC offset), for callers that need no percentiles.
    Otherwise ``rollup_slot_s`` (whole hours) adds the rollup hours up into chart buckets as they
    are read, and ``fields`` narrows the counts and sums read from the rollup (see :func:`rollup.load`).
    """
    if _raw_only(db, start, end):
        return _only(cells_from_rows(_raw_rows(db, start, end), slot_s), upstreams, models)
    first, last = _whole_hours(start, end)
    if sums_only is None:
        parts = [rollup.load(db, first, last, slot_s=rollup_slot_s, fields=fields)]
    else:
        parts = [rollup.load_sums(db, first, last, slot_s=sums_only[0], offset_s=sums_only[1])]
    return _only(concat([*parts, *_edge_cells(db, start, end, HOUR_S)]), upstreams, models)


class Sums:
    """Per-group sums of cell columns (``group[i]`` is cell i's group, ``size`` groups)."""

    def __init__(self, cells: Cells, group: NDArray[np.int64], size: int) -> None:
        self._cells, self._group, self._size = cells, group, size

    def count(self, name: str) -> NDArray[np.int64]:
        values = self._cells.counts[name]
        return np.bincount(self._group, weights=values, minlength=self._size).astype(np.int64)

    def nullable(self, name: str) -> Floats:
        values = self._cells.sums[name]
        known = ~np.isnan(values)
        total = np.bincount(self._group[known], weights=values[known], minlength=self._size)
        reported = np.bincount(self._group[known], minlength=self._size) > 0
        return np.where(reported, total, np.nan)


def percentiles(cells: Cells, group: NDArray[np.int64], size: int, which: str, qs: Sequence[float]) -> Floats:
    """``(size, len(qs))`` percentiles per group: exact from raw values when every cell has them."""
    raw = cells.raw_latency if which == "latency" else cells.raw_ttft
    if raw is not None:
        return grouped_percentiles(raw, group, size, qs)
    hist = cells.latency if which == "latency" else cells.ttft
    assert hist is not None, "cells loaded without histograms"
    return histogram_percentiles(hist.merged(group, size), qs)


def group_cells(cells: Cells, key: Callable[[Any], Hashable]) -> tuple[list[Any], NDArray[np.int64]]:
    """Distinct keys in first-seen order, and each cell's index into them."""
    index: dict[Hashable, int] = {}
    group = [index.setdefault(key(cell_key), len(index)) for cell_key in cells.keys]
    return list(index), np.array(group, dtype=np.int64)


def model_labels(models: Sequence[tuple[str, str | None]]) -> list[str]:
    """Model names, qualified by upstream only where one name comes from several upstreams."""
    names = [model or "unknown model" for _, model in models]
    repeated = {name for name in names if names.count(name) > 1}
    return [
        f"{name} ({upstream})" if name in repeated else name
        for name, (upstream, _) in zip(names, models, strict=True)
    ]


def bucket_starts(start: float, end: float, bucket: float) -> Floats:
    return np.arange(math.floor(start / bucket) * bucket, end, bucket)


def bucket_index(times: Floats, starts: Floats, bucket: float) -> NDArray[np.int64]:
    if len(starts) == 0:
        return np.zeros(len(times), np.int64)
    index: NDArray[np.int64] = np.floor((times - starts[0]) / bucket).astype(np.int64)
    return np.clip(index, 0, len(starts) - 1)


def minutes_covered(starts: Floats, bucket: float, start: float, end: float) -> Floats:
    """Minutes of each bucket inside the range, so partial edge buckets are not under-counted.

    At least one minute: a bucket that has barely begun would turn a few calls into a spike.
    """
    covered: Floats = np.minimum(starts + bucket, end) - np.maximum(starts, start)
    return np.maximum(covered, 60.0) / 60


def maybe_float(value: float) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def maybe_int(value: float) -> int | None:
    return None if math.isnan(value) else round(value)


def _only(cells: Cells, upstreams: Names, models: Names) -> Cells:
    """The cells of the given upstreams and models (all of them when both are empty)."""
    if not upstreams and not models:
        return cells
    keep = np.array(
        [(not upstreams or key[1] in upstreams) and (not models or key[2] in models) for key in cells.keys],
        dtype=bool,
    )
    if keep.all():
        return cells
    new_index = np.cumsum(keep) - 1  # a kept cell's index among the kept ones
    return Cells(
        keys=[key for key, kept in zip(cells.keys, keep, strict=True) if kept],
        counts={name: values[keep] for name, values in cells.counts.items()},
        sums={name: values[keep] for name, values in cells.sums.items()},
        latency=_kept_hist(cells.latency, keep, new_index),
        ttft=_kept_hist(cells.ttft, keep, new_index),
        raw_latency=_kept_raw(cells.raw_latency, keep, new_index),
        raw_ttft=_kept_raw(cells.raw_ttft, keep, new_index),
    )


def _kept_hist(hist: Hist | None, keep: NDArray[np.bool_], new_index: NDArray[np.int64]) -> Hist | None:
    if hist is None:
        return None
    mask = keep[hist.cell]
    return Hist(new_index[hist.cell[mask]], hist.bucket[mask], hist.count[mask])


def _kept_raw(
    raw: RawValues | None, keep: NDArray[np.bool_], new_index: NDArray[np.int64]
) -> RawValues | None:
    if raw is None:
        return None
    mask = keep[raw.cell]
    return RawValues(new_index[raw.cell[mask]], raw.values[mask])


def _raw_only(db: Database, start: float, end: float) -> bool:
    """Whether a range is read from ``calls`` alone: short, or a database without the rollup."""
    return end - start <= RAW_MAX_S or rollup.TABLE not in db.table_names()


def _whole_hours(start: float, end: float) -> tuple[float, float]:
    """The whole hours inside ``[start, end)``, which the rollup answers."""
    return math.ceil(start / HOUR_S) * HOUR_S, math.floor(end / HOUR_S) * HOUR_S


def _edge_cells(db: Database, start: float, end: float, slot_s: float) -> list[Cells]:
    """Raw cells for the partial hours at either end of a range the rollup answers."""
    first, last = _whole_hours(start, end)
    return [
        cells_from_rows(_raw_rows(db, edge_start, edge_end), slot_s)
        for edge_start, edge_end in ((start, first), (last, end))
        if edge_start < edge_end
    ]


def _total_cells(db: Database, start: float, end: float, upstreams: Names, models: Names) -> Cells:
    """The range as one cell of rollup hours added up, plus the raw edges: all a KPI needs.

    SQLite adds up the counts and sums; only the histograms come to Python, merged
    by one bincount later. A month of hours costs a fraction of :func:`load_cells`.
    """
    first, last = _whole_hours(start, end)
    where = "hour >= ? AND hour < ?"
    params: list[Any] = [iso_utc(first), iso_utc(last)]
    for column, names in (("upstream", upstreams), ("model", models)):
        if names:
            where += f" AND {column} IN (SELECT value FROM json_each(?))"
            params.append(json.dumps(sorted(names)))
    fields = (*COUNT_FIELDS, *NULLABLE_FIELDS)
    sums = ", ".join(f"sum({name})" for name in fields)
    rows, *totals = db.execute(
        f"SELECT count(*), {sums} FROM {rollup.TABLE} WHERE {where}", params
    ).fetchone()
    edges = [_only(cells, upstreams, models) for cells in _edge_cells(db, start, end, HOUR_S)]
    if not rows:
        return concat([empty_cells(exact=False), *edges])
    blobs = db.execute(f"SELECT latency_hist, ttft_hist FROM {rollup.TABLE} WHERE {where}", params).fetchall()
    value = dict(zip(fields, totals, strict=True))
    whole = Cells(
        keys=[(first, "", None, None)],
        counts={name: np.array([value[name]], np.int64) for name in COUNT_FIELDS},
        sums={name: np.array([np.nan if value[name] is None else value[name]]) for name in NULLABLE_FIELDS},
        latency=_as_one_cell(decode_histograms([row[0] for row in blobs])),
        ttft=_as_one_cell(decode_histograms([row[1] for row in blobs])),
    )
    return concat([whole, *edges])


def _as_one_cell(hist: Hist) -> Hist:
    """Many cells' histograms added into one cell's (a few hundred buckets at most)."""
    totals = np.rint(np.bincount(hist.bucket, weights=hist.count, minlength=BUCKETS)).astype(np.int64)
    buckets = np.flatnonzero(totals)
    return Hist(np.zeros(len(buckets), np.int64), buckets, totals[buckets])


def _call_counts(db: Database, start: float, end: float, slot_s: float) -> tuple[Floats, Floats, Floats]:
    """(slot start, calls, errors) per slot of ``slot_s`` with calls in the range; slots may repeat."""
    if _raw_only(db, start, end):
        cells = cells_from_rows(_raw_rows(db, start, end), slot_s)
        return cells.times, cells.counts["calls"].astype(float), cells.counts["errors"].astype(float)
    first, last = _whole_hours(start, end)
    slot = int(slot_s)  # SQLite adds the hours up into slots aligned like bucket_starts()
    sql = (
        f"SELECT (CAST(strftime('%s', hour) AS INTEGER) / {slot}) * {slot}, sum(calls), sum(errors) "
        f"FROM {rollup.TABLE} WHERE hour >= ? AND hour < ? GROUP BY 1"
    )
    hours = np.array(db.execute(sql, [iso_utc(first), iso_utc(last)]).fetchall(), np.float64).reshape(-1, 3)
    edges = concat(_edge_cells(db, start, end, slot_s))
    return (
        np.concatenate([hours[:, 0], edges.times]),
        np.concatenate([hours[:, 1], edges.counts["calls"]]),
        np.concatenate([hours[:, 2], edges.counts["errors"]]),
    )


def _raw_rows(db: Database, start: float, end: float) -> list[tuple[Any, ...]]:
    sql = f"SELECT {', '.join(SOURCE_COLUMNS)} FROM calls WHERE started_at >= ? AND started_at < ?"
    return db.execute(sql, [iso_utc(start), iso_utc(end)]).fetchall()


def _known_sum(*values: float) -> float:
    """Sum of the known (non-NaN) values; NaN when none is known."""
    known = [value for value in values if not math.isnan(value)]
    return float(sum(known)) if known else math.nan
