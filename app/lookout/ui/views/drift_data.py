"""The Drift view's reads: the drift table (the stored hourly run, or computed now) and a row's detail.

The current window is the app's time range. The table comes from the recorder's
latest snapshot run when ``lookout drift`` would answer from it: the run is at
most ``[drift] interval`` (and a few minutes) older than the range's end and
compared the same windows (:func:`~lookout.store.drift.matching_run`). Reading
it takes milliseconds and no scipy. Otherwise (a pinned baseline, no run stored
yet, the engine stopped, another range) it is computed now, as ``lookout drift
--fresh`` computes it, on the worker's read-only connection, after telling the
caller so (it takes seconds on a busy database). Either way the rows are
:class:`~lookout.store.drift.Snapshot` rows, so the table reads them the same way.

A row's detail is what its charts need: for a numeric metric both windows'
values (sampled as the tests sample them), binned on shared edges as % of calls;
rates and mixes carry their shares in the row itself. And the metric's stored
snapshots over time, for the drift-score chart.

Functions run on worker threads (``ctx.run``) except :func:`shares`, which reads a row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sqlite_utils import Database

from lookout.analysis.drift import Thresholds
from lookout.analysis.drift_metrics import METRICS_BY_NAME
from lookout.core.clock import iso_utc
from lookout.core.drift_config import DriftSettings
from lookout.store.drift import (
    DEFAULT_BASELINE,
    RUN_SLACK_S,
    Baseline,
    Snapshot,
    as_snapshots,
    list_baselines,
    matching_run,
    resolve_windows,
    snapshot_history,
)
from lookout.store.drift_windows import Unit, Windows, iter_unit_drift, window_values
from lookout.ui.models.drift import METRIC_ORDER, SEVERITY_RANK, severity_of

FloatArray = npt.NDArray[np.float64]
BINS = 40
# Clipped into the end bins, so one pathological call does not squash the shape.
CLIP_QUANTILES = (0.005, 0.995)
# A spread this wide (max / min) reads better on a log axis (latencies, costs).
LOG_SPREAD = 20.0
TOP_CATEGORIES = 7


@dataclass(frozen=True, slots=True)
class DriftTable:
    """The rows of one comparison, and where they came from."""

    rows: list[Snapshot]
    windows: Windows
    baselines: list[Baseline]  # every pinned baseline, for the chooser
    computed_at: str
    stored: bool  # True: the recorder's hourly run; False: computed for this request
    fallback: str | None = None  # the baseline asked for, when it no longer exists


@dataclass(frozen=True, slots=True)
class Binned:
    """Two windows' values on shared bucket edges, each bucket as % of that window's values."""

    edges: FloatArray
    baseline: FloatArray
    current: FloatArray
    log_x: bool
    baseline_values: int
    current_values: int
    sampled: bool


@dataclass(frozen=True, slots=True)
class DriftDetail:
    binned: Binned | None  # numeric metrics with values on both sides
    history: list[Snapshot]  # the metric's stored snapshots, oldest first


def drift_table(
    db: Database,
    settings: DriftSettings,
    baseline: str,
    start: float,
    end: float,
    *,
    computing: Callable[[], None] | None = None,
) -> DriftTable:
    """The drift of every unit with calls in ``[start, end)`` against ``baseline`` (a duration or a name).

    The stored run when it matches (see the module's docstring), else computed
    now, calling ``computing()`` first.
    """
    fallback = None
    try:
        windows = resolve_windows(db, now=end, current_s=end - start, baseline=baseline)
    except ValueError:  # unpinned meanwhile (or a configured name that is gone): the default
        fallback = baseline
        windows = resolve_windows(db, now=end, current_s=end - start, baseline=DEFAULT_BASELINE)
    stored = matching_run(db, windows, now=end, max_age_s=settings.interval_s + RUN_SLACK_S)
    if stored is not None:
        rows, computed_at = worst_units_first(stored), stored[0].computed_at
        return DriftTable(rows, windows, list_baselines(db), computed_at, True, fallback)
    if computing is not None:
        computing()
    computed_at = iso_utc(end)
    drifts = iter_unit_drift(db, windows, Thresholds.of(settings), max_rows=settings.max_samples)
    rows = worst_units_first(as_snapshots(computed_at, drifts))
    return DriftTable(rows, windows, list_baselines(db), computed_at, False, fallback)


def worst_units_first(rows: list[Snapshot]) -> list[Snapshot]:
    """Units in order of their worst metric (a swap, major, moderate, none, too little data),
    each unit's metrics in their usual order: what needs a look comes first."""
    worst: dict[tuple[str, str | None, str | None], int] = {}
    for row in rows:
        unit = (row.upstream, row.model, row.operation)
        worst[unit] = min(worst.get(unit, 9), SEVERITY_RANK.get(severity_of(row), 9))

    def key(row: Snapshot) -> tuple[int, str, str, str, int]:
        unit = (row.upstream, row.model, row.operation)
        return (
            worst[unit],
            row.upstream,
            row.model or "",
            row.operation or "",
            METRIC_ORDER.get(row.metric, 99),
        )

    return sorted(rows, key=key)


def drift_detail(db: Database, row: Snapshot, since_iso: str) -> DriftDetail:
    """What the selected row's charts show: its distributions and its drift over time."""
    history = snapshot_history(db, row.upstream, row.model, row.operation, row.metric, since_iso)
    if row.kind != "numeric":
        return DriftDetail(None, history)
    unit = Unit(row.upstream, row.model, row.operation)
    base = window_values(db, unit, row.metric, row.baseline_from, row.baseline_to)
    cur = window_values(db, unit, row.metric, row.current_from, row.current_to)
    return DriftDetail(binned(base.values, cur.values, sampled=base.sampled or cur.sampled), history)


def binned(
    baseline: FloatArray, current: FloatArray, *, sampled: bool = False, bins: int = BINS
) -> Binned | None:
    """Both windows bucketed on shared edges (log-spaced for wide positive spreads); None if one is empty."""
    if not len(baseline) or not len(current):
        return None
    low, high = (float(q) for q in np.quantile(np.concatenate([baseline, current]), CLIP_QUANTILES))
    log_x = low > 0 and high / low >= LOG_SPREAD
    if high <= low:  # (nearly) one value: a narrow range around it
        low, high = low - 0.5, high + 0.5
    edges = np.geomspace(low, high, bins + 1) if log_x else np.linspace(low, high, bins + 1)
    return Binned(
        edges,
        _percent(baseline, edges),
        _percent(current, edges),
        log_x,
        len(baseline),
        len(current),
        sampled,
    )


def shares(row: Snapshot) -> tuple[list[str], list[float], list[float]]:
    """A rate or mix row as categories with baseline and current % of calls (the largest, then "other")."""
    if row.kind == "rate":
        label = METRICS_BY_NAME[row.metric].label if row.metric in METRICS_BY_NAME else row.metric
        return [label], [100 * (row.baseline_value or 0.0)], [100 * (row.current_value or 0.0)]
    base: dict[str, float] = row.detail.get("baseline", {})
    cur: dict[str, float] = row.detail.get("current", {})
    labels = sorted(set(base) | set(cur), key=lambda label: -max(base.get(label, 0.0), cur.get(label, 0.0)))
    shown, rest = labels[:TOP_CATEGORIES], labels[TOP_CATEGORIES:]
    base_shares = [100 * base.get(label, 0.0) for label in shown]
    cur_shares = [100 * cur.get(label, 0.0) for label in shown]
    if rest:
        shown.append(f"other ({len(rest)})")
        base_shares.append(100 * sum(base.get(label, 0.0) for label in rest))
        cur_shares.append(100 * sum(cur.get(label, 0.0) for label in rest))
    return shown, base_shares, cur_shares


def _percent(values: FloatArray, edges: FloatArray) -> FloatArray:
    counts, _ = np.histogram(np.clip(values, edges[0], edges[-1]), bins=edges)
    return np.asarray(counts * 100.0 / len(values), dtype=np.float64)
