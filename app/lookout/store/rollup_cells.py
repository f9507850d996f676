"""Columnar aggregates of calls ("cells") and the log-bucket histograms they carry.

A cell sums the calls of one time slot (an hour in the rollup table, a shorter
bucket for raw rows) for one ``(upstream, model, operation)``: counts, token
and cost sums, and histograms of latency and TTFT over fixed logarithmic
buckets (:data:`EDGES`, 16 per doubling from 1 ms to 2^20 ms). Histograms
merge by addition, so any set of cells gives percentiles whose estimate lies
in the same bucket as the true value: within :data:`MAX_RELATIVE_ERROR`.

Cells built from raw rows also keep the exact values, so aggregates over raw
rows only (short ranges) report exact percentiles.

The definitions match :mod:`lookout.store.queries`: errors are outcomes other
than ``ok`` and ``client_aborted``; latency covers successful calls, TTFT
successful streamed ones; "unpriced" is a successful call without a cost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

BUCKETS_PER_DOUBLING = 16
DOUBLINGS = 20
# [0, 1 ms), then 16 buckets per doubling up to 2^20 ms (~17 min), then [2^20 ms, inf).
EDGES: NDArray[np.float64] = np.concatenate(
    ([0.0], 2.0 ** (np.arange(DOUBLINGS * BUCKETS_PER_DOUBLING + 1) / BUCKETS_PER_DOUBLING), [np.inf])
)
BUCKETS = len(EDGES) - 1
MAX_RELATIVE_ERROR = 2 ** (1 / BUCKETS_PER_DOUBLING) - 1  # ~4.4%

# The calls columns a cell is computed from, in this order.
SOURCE_COLUMNS = (
    "started_at",
    "upstream",
    "model",
    "operation",
    "outcome",
    "streamed",
    "latency_ms",
    "ttft_ms",
    "input_tokens",
    "output_tokens",
    "cached_tokens",
    "cost_usd",
)
COUNT_FIELDS = ("calls", "errors", "unpriced_calls", "gen_tokens")
# Sums that are NULL (NaN here) when no call in the cell reported them: unknown is not zero.
NULLABLE_FIELDS = ("input_tokens", "output_tokens", "cached_tokens", "cost_usd", "gen_ms")
NON_ERROR_OUTCOMES = ("ok", "client_aborted")

Key = tuple[float, str, str | None, str | None]  # slot start (epoch), upstream, model, operation


@dataclass(frozen=True, slots=True)
class Hist:
    """Histograms of many cells as (cell, bucket, count) triplets; repeats add up.

    Sparse, because a cell fills a few dozen of the 322 buckets: a month of hourly
    cells merges by one ``bincount`` instead of summing megabytes of zeros.
    """

    cell: NDArray[np.int64]
    bucket: NDArray[np.int64]
    count: NDArray[np.int64]

    def merged(self, group_of_cell: NDArray[np.int64], size: int) -> NDArray[np.int64]:
        """Dense ``(size, BUCKETS)`` counts, the cells of each group added up."""
        flat = group_of_cell[self.cell] * BUCKETS + self.bucket
        totals = np.bincount(flat, weights=self.count, minlength=size * BUCKETS)
        return np.rint(totals).astype(np.int64).reshape(size, BUCKETS)

    def shifted(self, offset: int) -> Hist:
        return Hist(self.cell + offset, self.bucket, self.count)


@dataclass(frozen=True, slots=True)
class RawValues:
    """Exact values, each tagged with the index of its cell."""

    cell: NDArray[np.int64]
    values: NDArray[np.float64]


@dataclass(slots=True)
class Cells:
    """Aggregates for ``len(keys)`` cells, column by column.

    ``counts`` and ``sums`` hold every field of :data:`COUNT_FIELDS` and :data:`NULLABLE_FIELDS`,
    unless the cells were loaded with fewer (``rollup.load(fields=...)``).
    """

    keys: list[Key]
    counts: dict[str, NDArray[np.int64]]
    sums: dict[str, NDArray[np.float64]]
    latency: Hist | None  # (cells, BUCKETS); None when loaded without histograms
    ttft: Hist | None
    # Exact successful latencies / TTFTs, only for cells built from raw rows.
    raw_latency: RawValues | None = None
    raw_ttft: RawValues | None = None
    _times: NDArray[np.float64] | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def times(self) -> NDArray[np.float64]:
        if self._times is None:
            self._times = np.array([key[0] for key in self.keys], dtype=np.float64)
        return self._times

    @property
    def exact(self) -> bool:
        """Whether exact values back every cell (percentiles need no histogram)."""
        return self.raw_latency is not None


def empty_cells(*, exact: bool) -> Cells:
    return Cells(
        keys=[],
        counts={name: np.zeros(0, np.int64) for name in COUNT_FIELDS},
        sums={name: np.zeros(0, np.float64) for name in NULLABLE_FIELDS},
        latency=_NO_HIST,
        ttft=_NO_HIST,
        raw_latency=_NO_VALUES if exact else None,
        raw_ttft=_NO_VALUES if exact else None,
    )


def concat(parts: Sequence[Cells]) -> Cells:
    """All cells of ``parts`` side by side (keys may repeat; grouping merges them), with the fields
    every part has."""
    if not parts:
        return empty_cells(exact=True)
    exact = all(part.exact for part in parts)
    offsets = np.cumsum([0, *(len(part) for part in parts[:-1])])
    counts = [name for name in COUNT_FIELDS if all(name in p.counts for p in parts)]
    sums = [name for name in NULLABLE_FIELDS if all(name in p.sums for p in parts)]
    return Cells(
        keys=[key for part in parts for key in part.keys],
        counts={name: np.concatenate([p.counts[name] for p in parts]) for name in counts},
        sums={name: np.concatenate([p.sums[name] for p in parts]) for name in sums},
        latency=_concat_hist([p.latency for p in parts], offsets),
        ttft=_concat_hist([p.ttft for p in parts], offsets),
        raw_latency=_concat_raw([p.raw_latency for p in parts], offsets) if exact else None,
        raw_ttft=_concat_raw([p.raw_ttft for p in parts], offsets) if exact else None,
    )


def cells_from_rows(rows: Sequence[Sequence[Any]], slot_s: float) -> Cells:
    """Aggregate raw call rows (values in :data:`SOURCE_COLUMNS` order) into slots of ``slot_s``."""
    if not rows:
        return empty_cells(exact=True)
    columns = list(zip(*rows, strict=True))
    started = _epochs(columns[0])
    slots = np.floor(started / slot_s) * slot_s
    index: dict[Key, int] = {}
    group = np.array(
        [
            index.setdefault((float(slot), upstream, model, operation), len(index))
            for slot, upstream, model, operation in zip(
                slots, columns[1], columns[2], columns[3], strict=True
            )
        ],
        dtype=np.int64,
    )
    size = len(index)
    outcome = np.array(columns[4], dtype=object)
    ok = outcome == "ok"
    latency, ttft = _floats(columns[6]), _floats(columns[7])
    input_tokens, output_tokens = _floats(columns[8]), _floats(columns[9])
    cost = _floats(columns[11])
    has_latency = ok & ~np.isnan(latency)
    has_ttft = has_latency & np.array(columns[5], dtype=bool) & ~np.isnan(ttft)
    generated = has_latency & ~np.isnan(output_tokens)
    # Generation time: from the first token when the call streamed, else the whole call.
    gen_ms = np.where(np.isnan(ttft), latency, latency - np.nan_to_num(ttft))
    counts = {
        "calls": np.bincount(group, minlength=size),
        "errors": np.bincount(group, weights=~np.isin(outcome, NON_ERROR_OUTCOMES), minlength=size),
        "unpriced_calls": np.bincount(group, weights=ok & np.isnan(cost), minlength=size),
        "gen_tokens": np.bincount(group, weights=np.where(generated, output_tokens, 0), minlength=size),
    }
    sums = {
        "input_tokens": nullable_sum(group, input_tokens, size),
        "output_tokens": nullable_sum(group, output_tokens, size),
        "cached_tokens": nullable_sum(group, _floats(columns[10]), size),
        "cost_usd": nullable_sum(group, cost, size),
        "gen_ms": nullable_sum(group, np.where(generated, gen_ms, np.nan), size),
    }
    return Cells(
        keys=list(index),
        counts={name: values.astype(np.int64) for name, values in counts.items()},
        sums=sums,
        latency=_histograms(group[has_latency], latency[has_latency]),
        ttft=_histograms(group[has_ttft], ttft[has_ttft]),
        raw_latency=RawValues(group[has_latency], latency[has_latency]),
        raw_ttft=RawValues(group[has_ttft], ttft[has_ttft]),
    )


def bucket_indices(values: NDArray[np.float64]) -> NDArray[np.int64]:
    """The histogram bucket of each value (negative values count as 0)."""
    safe = np.maximum(values, 0.5)
    indices = np.floor(np.log2(safe) * BUCKETS_PER_DOUBLING).astype(np.int64) + 1
    return np.clip(np.where(values < 1.0, 0, indices), 0, BUCKETS - 1)


def histogram_percentiles(hist: NDArray[np.integer[Any]], qs: Sequence[float]) -> NDArray[np.float64]:
    """Percentiles (0-100) of each row of ``hist`` (shape ``(rows, BUCKETS)``); NaN for empty rows.

    The rank follows numpy's default (linear) definition; within a bucket the
    value is interpolated geometrically, as the buckets are.
    """
    hist = np.atleast_2d(hist).astype(np.int64)
    rows = np.arange(len(hist))
    totals = hist.sum(axis=1)
    cumulative = np.cumsum(hist, axis=1)
    out = np.full((len(hist), len(qs)), np.nan)
    for column, q in enumerate(qs):
        rank = q / 100 * np.maximum(totals - 1, 0)  # 0-based rank of the wanted value
        bucket = np.argmax(cumulative > rank[:, None], axis=1)
        inside = hist[rows, bucket]
        fraction = (rank - (cumulative[rows, bucket] - inside) + 0.5) / np.maximum(inside, 1)
        low, high = EDGES[bucket], EDGES[bucket + 1]
        high = np.where(np.isfinite(high), high, low)
        geometric = np.maximum(low, 1e-9) * (high / np.maximum(low, 1e-9)) ** fraction
        value = np.where(low > 0, geometric, low + fraction * (high - low))
        out[:, column] = np.where(totals > 0, value, np.nan)
    return out


def grouped_percentiles(
    raw: RawValues, group_of_cell: NDArray[np.int64], size: int, qs: Sequence[float]
) -> NDArray[np.float64]:
    """Exact percentiles (numpy's linear definition) of the raw values of each of ``size`` groups."""
    group = group_of_cell[raw.cell]
    order = np.lexsort((raw.values, group))
    values, group = raw.values[order], group[order]
    counts = np.bincount(group, minlength=size)
    first = np.cumsum(counts) - counts
    out = np.full((size, len(qs)), np.nan)
    has = counts > 0
    for column, q in enumerate(qs):
        position = q / 100 * (counts[has] - 1)
        low = np.floor(position).astype(np.int64)
        high = np.minimum(low + 1, counts[has] - 1)
        below, above = values[first[has] + low], values[first[has] + high]
        out[has, column] = below + (position - low) * (above - below)
    return out


def encode_histogram(counts: NDArray[np.integer[Any]]) -> bytes | None:
    """A histogram as stored: first non-empty bucket (uint16) then counts up to the last (uint32)."""
    nonzero = np.flatnonzero(counts)
    if len(nonzero) == 0:
        return None
    first, last = int(nonzero[0]), int(nonzero[-1])
    return np.uint16(first).tobytes() + counts[first : last + 1].astype("<u4").tobytes()


def decode_histograms(blobs: Sequence[bytes | None]) -> Hist:
    """Stored histograms (see :func:`encode_histogram`), one per cell, decoded in one pass."""
    present = [i for i, blob in enumerate(blobs) if blob]
    if not present:
        return _NO_HIST
    chosen = [blobs[i] or b"" for i in present]
    firsts = np.frombuffer(b"".join(blob[:2] for blob in chosen), "<u2").astype(np.int64)
    counts = np.frombuffer(b"".join(blob[2:] for blob in chosen), "<u4").astype(np.int64)
    lengths = np.array([(len(blob) - 2) // 4 for blob in chosen], np.int64)
    within = np.arange(len(counts)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return Hist(np.repeat(np.array(present, np.int64), lengths), np.repeat(firsts, lengths) + within, counts)


def _floats(values: Sequence[Any]) -> NDArray[np.float64]:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def nullable_sum(group: NDArray[np.int64], values: NDArray[np.float64], size: int) -> NDArray[np.float64]:
    """Per-group sums of ``values`` (``size`` groups), NaN where a group has no known value."""
    known = ~np.isnan(values)
    total = np.bincount(group[known], weights=values[known], minlength=size)
    reported = np.bincount(group[known], minlength=size) > 0
    return np.where(reported, total, np.nan)


def _histograms(group: NDArray[np.int64], values: NDArray[np.float64]) -> Hist:
    return Hist(group, bucket_indices(values), np.ones(len(values), np.int64))


def _epochs(texts: Sequence[str]) -> NDArray[np.float64]:
    """Storage timestamps to epoch seconds (numpy parses them ~4x faster than datetime)."""
    millis = np.array([text[:23] for text in texts], dtype="datetime64[ms]").astype(np.int64)
    return millis / 1000.0


def _concat_hist(parts: Sequence[Hist | None], offsets: NDArray[np.int64]) -> Hist | None:
    if any(part is None for part in parts):
        return None
    shifted = [part.shifted(int(offset)) for part, offset in zip(parts, offsets, strict=True) if part]
    return Hist(
        *(np.concatenate([getattr(h, name) for h in shifted]) for name in ("cell", "bucket", "count"))
    )


def _concat_raw(parts: Sequence[RawValues | None], offsets: NDArray[np.int64]) -> RawValues:
    present = [(part, offset) for part, offset in zip(parts, offsets, strict=True) if part is not None]
    return RawValues(
        np.concatenate([part.cell + offset for part, offset in present]).astype(np.int64),
        np.concatenate([part.values for part, _ in present]),
    )


_NO_VALUES = RawValues(np.zeros(0, np.int64), np.zeros(0, np.float64))
_NO_HIST = Hist(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64))
