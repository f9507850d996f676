"""Bounded window queries that feed the alert rules, run by the recorder on its writer connection.

Each query reads one time range through an index (``started_at``, or
``model, started_at`` for a scope's latest calls), so its cost follows the
calls in the window, never the size of the table. They return the plain input
types of :mod:`lookout.analysis.alert_rules` and
:mod:`lookout.analysis.alert_events`; the rules do the arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import numpy as np
from sqlite_utils import Database

from lookout.analysis.alert_events import DriftReading, GroupCount
from lookout.analysis.alert_rules import Baseline, CallBucket, RecentCall
from lookout.core.alerts_config import Scope
from lookout.core.clock import parse_iso
from lookout.store.queries import NON_ERROR_OUTCOMES

_NON_ERRORS = ", ".join(f"'{outcome}'" for outcome in NON_ERROR_OUTCOMES)
# Latency lists cover calls that produced an answer, as in `lookout stats`.
_CALL_BUCKETS_SQL = f"""
SELECT upstream, model, operation, substr(started_at, 1, 16) AS minute,
       count(*) AS calls,
       sum(outcome NOT IN ({_NON_ERRORS})) AS errors,
       sum(cost_usd) AS cost_usd,
       group_concat(CASE WHEN outcome = 'ok' THEN latency_ms END) AS latencies,
       group_concat(CASE WHEN outcome = 'ok' AND streamed THEN ttft_ms END) AS ttfts
FROM calls INDEXED BY idx_calls_started_at
WHERE started_at >= ?
GROUP BY upstream, model, operation, minute
"""
# Ignored groups never alert; a group row missing (purged) still counts, untitled.
_GROUP_COUNTS_SQL = """
SELECT c.error_group_id AS group_id, coalesce(g.title, 'untitled error group') AS title,
       c.upstream, c.model, c.operation, substr(c.started_at, 1, 16) AS minute, count(*) AS n
FROM calls AS c INDEXED BY idx_calls_started_at
LEFT JOIN error_groups AS g ON g.id = c.error_group_id
WHERE c.started_at >= ? AND c.error_group_id IS NOT NULL AND g.status IS NOT 'ignored'
GROUP BY c.error_group_id, c.upstream, c.model, c.operation, minute
"""
_RECENT_SQL = """
SELECT outcome, status_code, error_type, error_code
FROM calls INDEXED BY idx_calls_model_started_at
WHERE model IS ? AND started_at >= ? AND upstream = ? AND operation IS ?
ORDER BY started_at DESC LIMIT ?
"""
# SQLite gives bare columns the values of the row where max() was found: the latest snapshot.
_LATEST_DRIFT_SQL = """
SELECT upstream, model, operation, metric, severity, verdict, max(computed_at) AS computed_at
FROM drift_snapshots
WHERE computed_at >= ?
GROUP BY upstream, model, operation, metric
"""
_BASELINE_SQL = """
SELECT upstream, model, operation, min(started_at) AS first, sum(cost_usd) AS cost_usd,
       {latencies} AS latencies, {ttfts} AS ttfts
FROM calls INDEXED BY idx_calls_started_at
WHERE started_at >= ? AND started_at < ?
GROUP BY upstream, model, operation
"""
_LATENCIES = "group_concat(CASE WHEN outcome = 'ok' THEN latency_ms END)"
_TTFTS = "group_concat(CASE WHEN outcome = 'ok' AND streamed THEN ttft_ms END)"
# The spend baseline needs a day of history before "3× the usual" means anything.
BASELINE_MIN_HOURS = 24.0


def call_buckets(db: Database, since_iso: str) -> list[CallBucket]:
    """Per scope and minute: calls, errors, cost, and successful latencies and TTFTs since ``since_iso``."""
    return [
        CallBucket(
            scope=Scope(row["upstream"], row["model"], row["operation"]),
            start=_minute_start(row["minute"]),
            calls=row["calls"],
            errors=row["errors"],
            cost_usd=row["cost_usd"],
            latencies_ms=_numbers(row["latencies"]),
            ttfts_ms=_numbers(row["ttfts"]),
        )
        for row in db.query(_CALL_BUCKETS_SQL, [since_iso])
    ]


def group_counts(db: Database, since_iso: str) -> list[GroupCount]:
    """Per error group, scope and minute: how many calls since ``since_iso`` (ignored groups left out)."""
    return [
        GroupCount(
            group_id=row["group_id"],
            title=row["title"],
            scope=Scope(row["upstream"], row["model"], row["operation"]),
            start=_minute_start(row["minute"]),
            count=row["n"],
        )
        for row in db.query(_GROUP_COUNTS_SQL, [since_iso])
    ]


def group_titles(db: Database, group_ids: Iterable[str]) -> dict[str, str | None]:
    """Title per group id, None for an id with no group row; ignored groups are left out."""
    ids = list(group_ids)
    found: dict[str, str | None] = dict.fromkeys(ids)
    if not ids:
        return found
    marks = ", ".join("?" for _ in ids)
    for group_id, title, status in db.execute(
        f"SELECT id, title, status FROM error_groups WHERE id IN ({marks})", ids
    ):
        if status == "ignored":
            del found[group_id]
        else:
            found[group_id] = title
    return found


def recent_calls(
    db: Database, scopes: Iterable[Scope], *, limit: int, since_iso: str
) -> dict[Scope, list[RecentCall]]:
    """Each scope's latest ``limit`` calls since ``since_iso``, newest first."""
    recent: dict[Scope, list[RecentCall]] = {}
    for scope in scopes:
        rows = db.execute(_RECENT_SQL, [scope.model, since_iso, scope.upstream, scope.operation, limit])
        recent[scope] = [RecentCall(*row) for row in rows]
    return recent


def latest_drift(db: Database, since_iso: str) -> list[DriftReading]:
    """The latest snapshot per (upstream, model, operation, metric) computed since ``since_iso``."""
    return [
        DriftReading(
            scope=Scope(row["upstream"], row["model"], row["operation"]),
            metric=row["metric"],
            severity=row["severity"],
            verdict=row["verdict"],
        )
        for row in db.query(_LATEST_DRIFT_SQL, [since_iso])
    ]


def baselines(db: Database, *, since_iso: str, until_iso: str, percentiles: bool) -> dict[Scope, Baseline]:
    """Per scope over [since, until): latency and TTFT p95 (when ``percentiles``) and the hourly spend.

    The hourly spend is the cost over the hours since the scope's first call in
    the range, and ``None`` with less than :data:`BASELINE_MIN_HOURS` of history.
    """
    sql = _BASELINE_SQL.format(
        latencies=_LATENCIES if percentiles else "NULL", ttfts=_TTFTS if percentiles else "NULL"
    )
    until = parse_iso(until_iso)
    found: dict[Scope, Baseline] = {}
    for row in db.query(sql, [since_iso, until_iso]):
        hours = (until - parse_iso(row["first"])) / 3600.0
        latencies, ttfts = _array(row["latencies"]), _array(row["ttfts"])
        cost = row["cost_usd"]
        found[Scope(row["upstream"], row["model"], row["operation"])] = Baseline(
            latency_p95_ms=float(np.percentile(latencies, 95)) if latencies.size else None,
            latency_n=int(latencies.size),
            ttft_p95_ms=float(np.percentile(ttfts, 95)) if ttfts.size else None,
            ttft_n=int(ttfts.size),
            hourly_spend_usd=cost / hours if cost is not None and hours >= BASELINE_MIN_HOURS else None,
        )
    return found


@lru_cache(maxsize=4096)
def _minute_start(minute: str) -> float:
    return parse_iso(minute + ":00Z")


def _numbers(joined: str | None) -> tuple[float, ...]:
    return tuple(float(value) for value in joined.split(",")) if joined else ()


def _array(joined: str | None) -> np.ndarray:
    return np.array(joined.split(","), dtype=float) if joined else np.empty(0)
