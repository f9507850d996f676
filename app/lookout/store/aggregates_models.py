"""Read queries broken down per model: KPIs, timings over time, latency histograms, usage and spend.

For the Performance and Cost views and for reports. Same conventions as
:mod:`lookout.store.aggregates` (whose cell reading and grouping they use):
a range ``[start, end)`` in epoch seconds, exact figures for ranges up to
:data:`~lookout.store.aggregates.RAW_MAX_S`, rollup-backed ones beyond, with
percentiles within ~4.4 % and flagged ``approximate``; ``upstreams``/``models``
narrow a query (empty means all). A model is an ``(upstream, model)`` pair,
labelled by its name, with the upstream added only where two upstreams serve
the same name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from sqlite_utils import Database

from lookout.core.clock import iso_utc
from lookout.store.aggregates import (
    DAY_S,
    HOUR_S,
    Floats,
    Kpis,
    Names,
    Sums,
    bucket_for,
    bucket_index,
    bucket_starts,
    group_cells,
    kpis_by_group,
    load_cells,
    maybe_float,
    maybe_int,
    minutes_covered,
    model_labels,
    percentiles,
    slot_for,
)
from lookout.store.rollup_cells import BUCKETS_PER_DOUBLING, EDGES, Cells


@dataclass(frozen=True, slots=True)
class ModelKpis:
    """One model's headline figures over a range (its calls, errors, percentiles, tokens, spend)."""

    label: str
    upstream: str
    model: str | None
    kpis: Kpis


@dataclass(frozen=True, slots=True)
class ModelSeries:
    """One model's timings per bucket; NaN where the bucket had no such calls."""

    label: str  # the model, with its upstream when two upstreams serve the same name
    upstream: str
    model: str | None
    starts: Floats
    calls: NDArray[np.int64]
    latency_p50_ms: Floats
    latency_p95_ms: Floats
    latency_p99_ms: Floats
    ttft_p50_ms: Floats
    ttft_p95_ms: Floats
    tokens_per_s: Floats  # output tokens per second of generation
    calls_per_min: Floats


@dataclass(frozen=True, slots=True)
class Performance:
    bucket_s: float
    models: list[ModelSeries]
    approximate: bool


@dataclass(frozen=True, slots=True)
class ModelHistogram:
    label: str
    counts: NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class ClassHistogram:
    """Latency histograms of one operation class, one per model, over shared ``edges`` (ms)."""

    operation_class: str  # text | embeddings | image | other
    edges: Floats
    models: list[ModelHistogram]


@dataclass(frozen=True, slots=True)
class DailySpend:
    """Priced spend per local day (``days`` are day starts) and model, largest spender first."""

    days: Floats
    by_model: dict[str, Floats]
    unpriced_calls: NDArray[np.int64]  # per day


@dataclass(frozen=True, slots=True)
class ModelUsage:
    label: str
    upstream: str
    model: str | None
    calls: int
    input_tokens: int | None
    output_tokens: int | None
    cached_tokens: int | None
    cost_usd: float | None
    unpriced_calls: int


@dataclass(frozen=True, slots=True)
class UnpricedCall:
    id: str
    started_at: str
    upstream: str
    model: str | None
    operation: str | None
    input_tokens: int | None
    output_tokens: int | None


@dataclass(frozen=True, slots=True)
class MonthProjection:
    """Spend so far this (local) month and where the recent daily rate takes it by month end."""

    month_start: float
    month_end: float
    spent_usd: float
    daily_rate_usd: float  # average over the last :data:`PROJECTION_BASIS_S`
    projected_usd: float
    unpriced_calls: int  # this month: the projection leaves them out


PROJECTION_BASIS_S = 7 * DAY_S
_WHOLE_RANGE_S = 1e10  # a slot longer than any range: one cell per upstream, model and operation
OPERATION_CLASSES = {"embeddings": "embeddings", "image": "image", "audio": "other", "moderation": "other"}


def model_kpis(
    db: Database, start: float, end: float, *, upstreams: Names = (), models: Names = ()
) -> list[ModelKpis]:
    """Per model: calls, errors, latency p50/p95, TTFT p50, tokens, spend; by upstream, then model."""
    cells = load_cells(db, start, end, slot_s=_WHOLE_RANGE_S, upstreams=upstreams, models=models)
    keys, group = group_cells(cells, lambda key: (key[1], key[2]))
    figures = kpis_by_group(cells, group, len(keys))
    rows = [
        ModelKpis(label, upstream, model, kpis)
        for label, (upstream, model), kpis in zip(model_labels(keys), keys, figures, strict=True)
        if kpis.calls  # a rollup row can be left empty when its only call moved to another hour
    ]
    return sorted(rows, key=lambda row: (row.upstream, row.model is None, row.model or ""))


def model_performance(
    db: Database, start: float, end: float, *, upstreams: Names = (), models: Names = ()
) -> Performance:
    """Per model (and upstream), timings per bucket: latency p50/p95/p99, TTFT p50/p95, throughput."""
    cells = load_cells(db, start, end, slot_s=slot_for(end - start), upstreams=upstreams, models=models)
    return _performance(cells, start, end)


def performance_and_histograms(
    db: Database, start: float, end: float
) -> tuple[Performance, list[ClassHistogram]]:
    """:func:`model_performance` and :func:`latency_histograms` from one read of the range."""
    cells = _bucketed_cells(db, start, end)
    return _performance(cells, start, end), _class_histograms(cells, 4)


def latency_histograms(
    db: Database, start: float, end: float, *, per_doubling: int = 4
) -> list[ClassHistogram]:
    """Latency histograms per operation class (text, embeddings, image, other) and model.

    Buckets are ``per_doubling`` per doubling of latency (a divisor of 16), trimmed to the
    class's non-empty span; sub-millisecond and >17 min calls fold into the end buckets.
    """
    return _class_histograms(load_cells(db, start, end, slot_s=slot_for(end - start)), per_doubling)


def spend_per_day(
    db: Database,
    start: float,
    end: float,
    *,
    utc_offset_s: float = 0.0,
    period_s: float = DAY_S,
    upstreams: Names = (),
    models: Names = (),
) -> DailySpend:
    """Priced spend per local day (UTC + ``utc_offset_s``) and model over the range.

    ``period_s`` may be a whole number of hours instead (hourly bars for short ranges).
    """
    cells = load_cells(
        db,
        start,
        end,
        slot_s=slot_for(end - start),
        sums_only=(period_s, utc_offset_s),
        upstreams=upstreams,
        models=models,
    )
    return spend_from_cells(cells, start, end, utc_offset_s=utc_offset_s, period_s=period_s)


def spend_from_cells(
    cells: Cells, start: float, end: float, *, utc_offset_s: float, period_s: float
) -> DailySpend:
    """:func:`spend_per_day` of cells already read (e.g. shared with :func:`usage_from_cells`)."""
    first = math.floor((start + utc_offset_s) / period_s) * period_s - utc_offset_s
    days = np.arange(first, end, period_s)
    day = np.clip(np.floor((cells.times - first) / period_s).astype(np.int64), 0, max(len(days) - 1, 0))
    keys, model_of = group_cells(cells, lambda key: (key[1], key[2]))
    sums = Sums(cells, model_of * len(days) + day, len(keys) * len(days))
    cost = np.nan_to_num(sums.nullable("cost_usd")).reshape(len(keys), len(days))
    unpriced = Sums(cells, day, len(days)).count("unpriced_calls")
    labels = model_labels(keys)
    order = sorted(range(len(keys)), key=lambda i: (-cost[i].sum(), labels[i]))
    by_model = {labels[i]: cost[i] for i in order if cost[i].sum() > 0}
    return DailySpend(days, by_model, unpriced)


def usage_by_model(db: Database, start: float, end: float) -> list[ModelUsage]:
    """Calls, tokens in/out/cached, spend and unpriced calls per model, most calls first."""
    cells = load_cells(db, start, end, slot_s=slot_for(end - start), sums_only=(_WHOLE_RANGE_S, 0.0))
    return usage_from_cells(cells)


def usage_from_cells(cells: Cells) -> list[ModelUsage]:
    """:func:`usage_by_model` of cells already read, whatever their slots."""
    keys, group = group_cells(cells, lambda key: (key[1], key[2]))
    sums = Sums(cells, group, len(keys))
    labels = model_labels(keys)
    usage = [
        ModelUsage(
            label=labels[i],
            upstream=upstream,
            model=model,
            calls=int(sums.count("calls")[i]),
            input_tokens=maybe_int(sums.nullable("input_tokens")[i]),
            output_tokens=maybe_int(sums.nullable("output_tokens")[i]),
            cached_tokens=maybe_int(sums.nullable("cached_tokens")[i]),
            cost_usd=maybe_float(sums.nullable("cost_usd")[i]),
            unpriced_calls=int(sums.count("unpriced_calls")[i]),
        )
        for i, (upstream, model) in enumerate(keys)
    ]
    return sorted(usage, key=lambda u: (-u.calls, u.label))


def unpriced_calls(db: Database, start: float, end: float, *, limit: int = 200) -> list[UnpricedCall]:
    """The most recent successful calls without a price in the range (count them with ``kpis``)."""
    sql = (
        "SELECT id, started_at, upstream, model, operation, input_tokens, output_tokens "
        "FROM calls INDEXED BY idx_calls_unpriced "
        "WHERE cost_usd IS NULL AND outcome = 'ok' AND started_at >= ? AND started_at < ? "
        "ORDER BY started_at DESC LIMIT ?"
    )
    rows = db.execute(sql, [iso_utc(start), iso_utc(end), limit]).fetchall()
    return [UnpricedCall(*row) for row in rows]


def project_month_end(db: Database, now: float, *, utc_offset_s: float = 0.0) -> MonthProjection:
    """Spend this local month, and the month-end total if the last 7 days' daily rate holds."""
    month_start, month_end = month_bounds(now, utc_offset_s)
    month = usage_by_model(db, month_start, now)
    recent = usage_by_model(db, now - PROJECTION_BASIS_S, now)
    spent = sum(u.cost_usd or 0.0 for u in month)
    daily = sum(u.cost_usd or 0.0 for u in recent) / (PROJECTION_BASIS_S / DAY_S)
    projected = spent + daily * (month_end - now) / DAY_S
    unpriced = sum(u.unpriced_calls for u in month)
    return MonthProjection(month_start, month_end, spent, daily, projected, unpriced)


def operation_class(operation: str | None) -> str:
    """Which latency scale an operation belongs to: text, embeddings, image or other."""
    return OPERATION_CLASSES.get(operation or "", "text")


def _performance(cells: Cells, start: float, end: float) -> Performance:
    bucket = bucket_for(end - start)
    starts = bucket_starts(start, end, bucket)
    slot = bucket_index(cells.times, starts, bucket)
    keys, model_of = group_cells(cells, lambda key: (key[1], key[2]))
    group = model_of * len(starts) + slot
    size = len(keys) * len(starts)
    sums = Sums(cells, group, size)
    latency = percentiles(cells, group, size, "latency", (50, 95, 99)).reshape(len(keys), len(starts), 3)
    ttft = percentiles(cells, group, size, "ttft", (50, 95)).reshape(len(keys), len(starts), 2)
    calls = sums.count("calls").reshape(len(keys), len(starts))
    gen_tokens = sums.count("gen_tokens").reshape(len(keys), len(starts))
    gen_s = sums.nullable("gen_ms").reshape(len(keys), len(starts)) / 1000
    minutes = minutes_covered(starts, bucket, start, end)
    labels = model_labels(keys)
    series = [
        ModelSeries(
            label=labels[i],
            upstream=upstream,
            model=model,
            starts=starts,
            calls=calls[i],
            latency_p50_ms=latency[i, :, 0],
            latency_p95_ms=latency[i, :, 1],
            latency_p99_ms=latency[i, :, 2],
            ttft_p50_ms=ttft[i, :, 0],
            ttft_p95_ms=ttft[i, :, 1],
            tokens_per_s=np.where(gen_s[i] > 0, gen_tokens[i] / np.where(gen_s[i] > 0, gen_s[i], 1), np.nan),
            calls_per_min=calls[i] / minutes,
        )
        for i, (upstream, model) in enumerate(keys)
    ]
    series.sort(key=lambda s: (-int(s.calls.sum()), s.label))
    return Performance(bucket, series, approximate=not cells.exact)


def _bucketed_cells(db: Database, start: float, end: float) -> Cells:
    """The cells of the range, rollup hours added up into chart buckets as they are read.

    What :func:`load_cells` gives, in ~6x fewer cells at 30 d (6-hour buckets): grouping them
    per model and bucket then costs next to nothing. Only the fields these charts read: a
    month of hours is ~9 k rows, each field ~1 ms.
    """
    bucket = bucket_for(end - start)
    return load_cells(
        db,
        start,
        end,
        slot_s=slot_for(end - start),
        rollup_slot_s=HOUR_S if bucket % HOUR_S else bucket,
        fields=("calls", "gen_tokens", "gen_ms"),
    )


def _class_histograms(cells: Cells, per_doubling: int) -> list[ClassHistogram]:
    keys, group = group_cells(cells, lambda key: (operation_class(key[3]), key[1], key[2]))
    assert cells.latency is not None
    hist = cells.latency.merged(group, len(keys))
    labels = model_labels([(upstream, model) for _, upstream, model in keys])
    result = []
    for name in ("text", "embeddings", "image", "other"):
        rows = [i for i, key in enumerate(keys) if key[0] == name and hist[i].sum() > 0]
        if rows:
            edges, coarse = _coarsen(hist[rows], per_doubling)
            models = [ModelHistogram(labels[i], counts) for i, counts in zip(rows, coarse, strict=True)]
            models.sort(key=lambda m: -int(m.counts.sum()))
            result.append(ClassHistogram(name, edges, models))
    return result


def _coarsen(hist: NDArray[np.int64], per_doubling: int) -> tuple[Floats, NDArray[np.int64]]:
    """Fold the fine buckets into ``per_doubling`` per doubling, trimmed to the non-empty span."""
    step = BUCKETS_PER_DOUBLING // per_doubling
    inner = hist[:, 1:-1].copy()  # drop [0, 1 ms) and [2^20 ms, inf): a log axis cannot show them
    inner[:, 0] += hist[:, 0]
    inner[:, -1] += hist[:, -1]
    coarse = inner.reshape(len(hist), -1, step).sum(axis=2)
    edges = EDGES[1:-1][::step]
    used = np.flatnonzero(coarse.sum(axis=0))
    low, high = int(used[0]), int(used[-1]) + 1
    return edges[low : high + 1], coarse[:, low:high]


def month_bounds(now: float, utc_offset_s: float) -> tuple[float, float]:
    """The local month containing ``now`` (UTC + ``utc_offset_s``) as epoch seconds ``[start, end)``."""
    local = np.datetime64(int(now + utc_offset_s), "s")
    month = local.astype("datetime64[M]")
    start = month.astype("datetime64[s]").astype(np.int64) - utc_offset_s
    end = (month + 1).astype("datetime64[s]").astype(np.int64) - utc_offset_s
    return float(start), float(end)
