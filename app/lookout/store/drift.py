"""Drift's stored side: snapshots, pinned baselines, and the reads the app and reports use.

Read functions (for the CLI, the app's drift charts and reports) take a
read-only :class:`~sqlite_utils.Database` from
:func:`~lookout.store.db.open_reader` and storage timestamps:

* :func:`latest_snapshots`: the most recent drift run's rows (one per unit and metric);
* :func:`matching_run`: that run, if it is recent and compared the windows asked
  for, so a caller can show it instead of computing (no scipy import, no reads of
  ``calls``);
* :func:`snapshots_in_range`: per unit and metric, the latest row computed in a range (reports);
* :func:`snapshot_history`: one metric of one unit over time, oldest first, for
  the drift-over-time chart (``psi`` is a score comparable across metrics);
* :func:`list_baselines`, :func:`get_baseline`, :func:`resolve_windows`.

Results computed now take the stored rows' shape with :func:`as_snapshots`, and a
stored row reads back as the :class:`~lookout.analysis.drift_metrics.MetricDrift`
it was made from with :func:`metric_drift`, so callers print either the same way.

Writes (:func:`write_snapshots`, :func:`pin_baseline`, :func:`unpin_baseline`)
take the writer connection: the recorder's, or a short-lived one opened by the
CLI like ``lookout purge`` does. Each is one short transaction.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from sqlite_utils import Database

from lookout.analysis.drift import Divergence, Severity, TestName, TestResult
from lookout.analysis.drift_metrics import METRICS_BY_NAME, Kind, MetricDrift, Summary
from lookout.core.clock import iso_utc, parse_duration, parse_iso
from lookout.store.drift_windows import UnitDrift, Windows

DEFAULT_BASELINE = "7d"
_NAME = re.compile(r"^[A-Za-z][\w.-]{0,63}$")
_UNIT_WHERE = "upstream = ? AND model IS ? AND operation IS ?"
# A run is stored when it finishes, a little after the interval it is due at.
RUN_SLACK_S = 300.0


@dataclass(frozen=True, slots=True)
class Baseline:
    """A named, pinned baseline window: ``[start, end)`` as storage timestamps."""

    name: str
    start: str
    end: str
    created_at: str
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One stored row of ``drift_snapshots``: a metric of a unit, compared at ``computed_at``.

    ``statistic`` is the test's (KS D, normed Wasserstein, chi², z, JS distance),
    and a p-value test decides on ``p_adjusted`` (adjusted over the unit's tests);
    ``baseline_value``/``current_value`` the headline (median, rate, or the
    ``label`` category's share); ``detail`` holds categorical shares and any new
    response models as a dict. ``sampled`` says a window was sampled.
    """

    id: int
    computed_at: str
    upstream: str
    model: str | None
    operation: str | None
    metric: str
    kind: str
    test: str
    statistic: float | None
    p_value: float | None
    p_adjusted: float | None
    psi: float | None
    kl: float | None
    baseline_median: float | None
    baseline_p95: float | None
    current_median: float | None
    current_p95: float | None
    baseline_value: float | None
    current_value: float | None
    change: float | None
    severity: str
    verdict: str
    label: str | None
    detail: dict[str, Any]
    baseline_name: str
    baseline_from: str
    baseline_to: str
    current_from: str
    current_to: str
    baseline_n: int
    current_n: int
    baseline_calls: int
    current_calls: int
    sampled: bool

    @property
    def swapped(self) -> bool:
        """A model swap: response models new in the current window, and the mix drifted."""
        return bool(self.detail.get("new")) and self.severity in ("moderate", "major")


# --- windows and baselines -----------------------------------------------------------


def resolve_windows(
    db: Database, *, now: float, current_s: float, baseline: str = DEFAULT_BASELINE
) -> Windows:
    """The windows to compare: the ``current_s`` before ``now``, against ``baseline``.

    ``baseline`` is a duration (the period just before the current window) or
    the name of a pinned baseline. Raises ValueError naming both options.
    """
    current_from = now - current_s
    pinned = get_baseline(db, baseline)
    if pinned is not None:
        return Windows(pinned.name, pinned.start, pinned.end, iso_utc(current_from), iso_utc(now))
    try:
        span = parse_duration(baseline)
    except ValueError:
        raise ValueError(
            f"unknown baseline {baseline!r}: give a duration such as 7d, or a pinned baseline's name "
            "(see `lookout drift baselines`)"
        ) from None
    return Windows(
        baseline, iso_utc(current_from - span), iso_utc(current_from), iso_utc(current_from), iso_utc(now)
    )


def pin_baseline(
    db: Database, name: str, start_iso: str, end_iso: str, *, created_at: str, note: str | None = None
) -> Baseline:
    """Store (or replace) the baseline ``name``. Raises ValueError for a bad name or range."""
    if not _NAME.match(name):  # starting with a letter, it can never read as a duration
        raise ValueError(
            f"baseline name {name!r} must start with a letter and use letters, digits, '.', '_' or '-'"
        )
    if start_iso >= end_iso:
        raise ValueError(f"a baseline must start before it ends ({start_iso} is not before {end_iso})")
    baseline = Baseline(name, start_iso, end_iso, created_at, note)
    with db.atomic():
        db.execute(
            "INSERT OR REPLACE INTO drift_baselines (name, start, end, created_at, note) "
            "VALUES (?, ?, ?, ?, ?)",
            [name, start_iso, end_iso, created_at, note],
        )
    return baseline


def list_baselines(db: Database) -> list[Baseline]:
    """Every pinned baseline, oldest window first."""
    rows = db.execute("SELECT name, start, end, created_at, note FROM drift_baselines ORDER BY start, name")
    return [Baseline(*row) for row in rows.fetchall()]


def get_baseline(db: Database, name: str) -> Baseline | None:
    row = db.execute(
        "SELECT name, start, end, created_at, note FROM drift_baselines WHERE name = ?", [name]
    ).fetchone()
    return None if row is None else Baseline(*row)


def unpin_baseline(db: Database, name: str) -> bool:
    """Delete a pinned baseline; whether it existed. Snapshots made against it stay."""
    with db.atomic():
        deleted: int = db.execute("DELETE FROM drift_baselines WHERE name = ?", [name]).rowcount
    return deleted > 0


# --- snapshots -------------------------------------------------------------------------


def snapshot_rows(computed_at: str, drifts: Iterable[UnitDrift]) -> list[dict[str, Any]]:
    """The ``drift_snapshots`` rows for some units' results, all stamped ``computed_at``."""
    return [_snapshot_row(computed_at, drift, metric) for drift in drifts for metric in drift.metrics]


def as_snapshots(computed_at: str, drifts: Iterable[UnitDrift]) -> list[Snapshot]:
    """Results computed now, as the rows a run would store (``id`` 0: not stored)."""
    return [_snapshot_of(row) for row in snapshot_rows(computed_at, drifts)]


def metric_drift(row: Snapshot) -> MetricDrift:
    """The comparison a stored row was made from (everything but the values themselves)."""
    drifted = row.severity in ("moderate", "major")
    result = TestResult(cast(TestName, row.test), row.statistic, row.p_value, drifted, row.p_adjusted)
    spread = None if row.psi is None else Divergence(row.psi, row.kl if row.kl is not None else 0.0)
    shares = row.detail
    baseline = Summary(
        row.baseline_n, row.baseline_value, row.baseline_median, row.baseline_p95, shares.get("baseline", {})
    )
    current = Summary(
        row.current_n, row.current_value, row.current_median, row.current_p95, shares.get("current", {})
    )
    return MetricDrift(
        metric=row.metric,
        kind=cast(Kind, row.kind),
        result=result,
        divergence=spread,
        severity=cast(Severity, row.severity),
        baseline=baseline,
        current=current,
        change=row.change,
        verdict=row.verdict,
        label=row.label,
        new_values=tuple(row.detail.get("new", ())),
    )


def write_snapshots(db: Database, rows: list[dict[str, Any]], *, keep_since: str | None = None) -> None:
    """Insert snapshot rows, and drop those computed before ``keep_since``, in one transaction."""
    with db.atomic():
        if rows:
            columns = list(rows[0])
            sql = (
                f"INSERT INTO drift_snapshots ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' for _ in columns)})"
            )
            db.conn.executemany(sql, [[row[column] for column in columns] for row in rows])
        if keep_since is not None:
            db.execute("DELETE FROM drift_snapshots WHERE computed_at < ?", [keep_since])


def last_computed_at(db: Database) -> str | None:
    """When the most recent drift run was stored, or None if none was."""
    value: str | None = db.execute("SELECT max(computed_at) FROM drift_snapshots").fetchone()[0]
    return value


def latest_snapshots(
    db: Database, *, upstream: str | None = None, model: str | None = None, operation: str | None = None
) -> list[Snapshot]:
    """The rows of the most recent drift run, optionally for one upstream, model or operation.

    A run covers the units active in its current window, so a unit without
    recent traffic has no latest snapshot. Sorted by unit, then metric order.
    """
    latest = last_computed_at(db)
    if latest is None:
        return []
    clauses, params = ["computed_at = ?"], [latest]
    for column, value in (("upstream", upstream), ("model", model), ("operation", operation)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    rows = db.execute(f"SELECT * FROM drift_snapshots WHERE {' AND '.join(clauses)}", params)
    return _in_unit_order([_snapshot(row, rows.description) for row in rows.fetchall()])


def matching_run(db: Database, windows: Windows, *, now: float, max_age_s: float) -> list[Snapshot] | None:
    """The latest run's rows if it compared ``windows`` (as of when it ran) at most ``max_age_s`` ago.

    The same comparison: the same baseline name, a current window as long, and the
    same baseline window, either the very same dates (pinned) or at the same
    distance before the current window (a duration). None when no run matches:
    the caller computes.
    """
    latest = last_computed_at(db)
    if latest is None or not 0 <= now - parse_iso(latest) <= max_age_s:
        return None
    rows = latest_snapshots(db)
    return rows if rows and same_comparison(rows[0], windows) else None


def same_comparison(row: Snapshot, windows: Windows) -> bool:
    """Whether ``row`` compared the same baseline over a current window as long as ``windows``'."""
    stored, wanted = _before_end(row), _before_end(windows)
    if row.baseline_name != windows.baseline_name or abs(stored[0] - wanted[0]) >= 1.0:
        return False
    pinned = (row.baseline_from, row.baseline_to) == (windows.baseline_from, windows.baseline_to)
    return pinned or all(abs(a - b) < 1.0 for a, b in zip(stored[1:], wanted[1:], strict=True))


def _before_end(windows: Snapshot | Windows) -> list[float]:
    """How long before the current window's end the current window, the baseline and its end start."""
    end = parse_iso(windows.current_to)
    return [end - parse_iso(at) for at in (windows.current_from, windows.baseline_from, windows.baseline_to)]


def snapshots_in_range(db: Database, since_iso: str, until_iso: str) -> list[Snapshot]:
    """Per unit and metric, the latest snapshot computed in ``[since_iso, until_iso)``: the drift
    a report on a past range shows (what was found then). Sorted like :func:`latest_snapshots`.
    """
    rows = db.execute(
        "SELECT * FROM drift_snapshots WHERE id IN (SELECT id FROM (SELECT id, row_number() OVER ("
        "PARTITION BY upstream, model, operation, metric ORDER BY computed_at DESC, id DESC) AS newest "
        "FROM drift_snapshots WHERE computed_at >= ? AND computed_at < ?) WHERE newest = 1)",
        [since_iso, until_iso],
    )
    return _in_unit_order([_snapshot(row, rows.description) for row in rows.fetchall()])


def _in_unit_order(snapshots: list[Snapshot]) -> list[Snapshot]:
    order = {name: index for index, name in enumerate(METRICS_BY_NAME)}
    return sorted(
        snapshots, key=lambda s: (s.upstream, s.model or "", s.operation or "", order.get(s.metric, 99))
    )


def snapshot_history(
    db: Database, upstream: str, model: str | None, operation: str | None, metric: str, since_iso: str
) -> list[Snapshot]:
    """One metric of one unit from ``since_iso`` on, oldest first: the drift-over-time series."""
    cursor = db.execute(
        f"SELECT * FROM drift_snapshots WHERE {_UNIT_WHERE} AND metric = ? AND computed_at >= ? "
        "ORDER BY computed_at",
        [upstream, model, operation, metric, since_iso],
    )
    return [_snapshot(row, cursor.description) for row in cursor.fetchall()]


def _snapshot_row(computed_at: str, drift: UnitDrift, metric: MetricDrift) -> dict[str, Any]:
    windows, result, spread = drift.windows, metric.result, metric.divergence
    detail: dict[str, Any] = {}
    if metric.kind == "categorical" and metric.baseline.shares:
        detail = {"baseline": dict(metric.baseline.shares), "current": dict(metric.current.shares)}
    if metric.new_values:  # a swap if the mix drifted too (Snapshot.swapped)
        detail["new"] = list(metric.new_values)
    return {
        "computed_at": computed_at,
        "upstream": drift.unit.upstream,
        "model": drift.unit.model,
        "operation": drift.unit.operation,
        "metric": metric.metric,
        "kind": metric.kind,
        "test": result.test,
        "statistic": result.statistic,
        "p_value": result.p_value,
        "p_adjusted": result.p_adjusted,
        "psi": spread.psi if spread else None,
        "kl": spread.kl if spread else None,
        "baseline_median": metric.baseline.median,
        "baseline_p95": metric.baseline.p95,
        "current_median": metric.current.median,
        "current_p95": metric.current.p95,
        "baseline_value": metric.baseline.value,
        "current_value": metric.current.value,
        "change": metric.change,
        "severity": metric.severity,
        "verdict": metric.verdict,
        "label": metric.label,
        "detail": json.dumps(detail) if detail else None,
        "baseline_name": windows.baseline_name,
        "baseline_from": windows.baseline_from,
        "baseline_to": windows.baseline_to,
        "current_from": windows.current_from,
        "current_to": windows.current_to,
        "baseline_n": metric.baseline.n,
        "current_n": metric.current.n,
        "baseline_calls": drift.baseline.calls,
        "current_calls": drift.current.calls,
        "sampled": drift.baseline.sampled or drift.current.sampled,
    }


def _snapshot(row: tuple[Any, ...], description: Any) -> Snapshot:
    return _snapshot_of(dict(zip((column[0] for column in description), row, strict=True)))


def _snapshot_of(values: dict[str, Any]) -> Snapshot:
    detail = json.loads(values["detail"]) if values["detail"] else {}
    return Snapshot(**{"id": 0, **values, "detail": detail, "sampled": bool(values["sampled"])})
