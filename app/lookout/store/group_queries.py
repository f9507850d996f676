"""Reads of error groups for the CLI, the app and reports; the writes are in :mod:`lookout.store.groups`.

Any connection works, normally :func:`~lookout.store.db.open_reader`:
:func:`list_groups`, :func:`get_group`, :func:`find_group_id` (id prefixes),
:func:`latest_events`, :func:`group_histogram`, :func:`group_histograms` and
:func:`group_breakdown`. Groups come back as :class:`~lookout.core.models.ErrorGroup`
with their status as of ``now``. Times are storage timestamps (ISO-8601 UTC).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from lookout.analysis.lifecycle import STATUSES, current
from lookout.core.clock import iso_utc, parse_iso
from lookout.core.clock import now as clock_now
from lookout.core.models import ErrorGroup
from lookout.store.groups import (
    BUCKET_S,
    DEFAULT_NEW_DAYS,
    Granularity,
    GroupNotFound,
    bucket_start,
    row_state,
    rows_by_id,
    state_values,
    stored_tags,
)

BREAKDOWN_COLUMNS = frozenset({"model", "upstream", "operation", "endpoint", "response_model"})


class AmbiguousGroupId(LookupError):
    """An id prefix matches more than one group."""


@dataclass(frozen=True, slots=True)
class GroupCall:
    """One event of a group: the call's metadata and its redacted error text."""

    id: str
    started_at: str
    upstream: str
    model: str | None
    operation: str | None
    endpoint: str
    status_code: int | None
    outcome: str
    error_message: str | None
    latency_ms: float | None
    trace_id: str | None


def list_groups(
    db: Database,
    *,
    status: str | None = None,
    since_iso: str | None = None,
    limit: int = 100,
    now: float | None = None,
    new_days: int = DEFAULT_NEW_DAYS,
) -> list[ErrorGroup]:
    """Groups, most recently seen first. ``status`` filters on the status as of ``now``
    (``None`` or ``"all"``: every status); ``since_iso`` keeps groups seen since then."""
    at = clock_now() if now is None else now
    clauses, params = ["1"], []
    if status not in (None, "all"):
        clause, clause_params = _status_filter(status, iso_utc(at))
        clauses.append(clause)
        params += clause_params
    if since_iso is not None:
        clauses.append("last_seen >= ?")
        params.append(since_iso)
    sql = f"SELECT * FROM error_groups WHERE {' AND '.join(clauses)} ORDER BY last_seen DESC LIMIT ?"
    return [_group(row, at, new_days) for row in db.query(sql, [*params, limit])]


def get_group(
    db: Database, group_id: str, *, now: float | None = None, new_days: int = DEFAULT_NEW_DAYS
) -> ErrorGroup | None:
    """One group by its full id, or ``None``."""
    row = rows_by_id(db, [group_id]).get(group_id)
    return _group(row, clock_now() if now is None else now, new_days) if row else None


def find_group_id(db: Database, prefix: str) -> str:
    """The full id of the one group whose id starts with ``prefix``.

    Raises :class:`GroupNotFound` or :class:`AmbiguousGroupId` with a message for the user.
    """
    cleaned = prefix.strip().lower()
    if not cleaned or not all(c in "0123456789abcdef" for c in cleaned):
        raise GroupNotFound(f"{prefix!r} is not an error group id (ids are hex, e.g. 3f9a0c12b7de)")
    ids = [row["id"] for row in db.query("SELECT id FROM error_groups WHERE id >= ? AND id < ? LIMIT 6",
                                          [cleaned, cleaned + "g"])]  # fmt: skip
    if not ids:
        raise GroupNotFound(f"no error group with an id starting {cleaned!r}; `lookout errors` lists them")
    if len(ids) > 1:
        raise AmbiguousGroupId(f"{cleaned!r} matches several groups ({', '.join(ids[:5])}…): type more of it")
    found: str = ids[0]
    return found


def latest_events(db: Database, group_id: str, limit: int = 20) -> list[GroupCall]:
    """The group's most recent calls still in the store (retention may have removed older ones)."""
    sql = (
        "SELECT id, started_at, upstream, model, operation, endpoint, status_code, outcome, error_message, "
        "latency_ms, trace_id FROM calls WHERE error_group_id = ? ORDER BY started_at DESC LIMIT ?"
    )
    return [GroupCall(**row) for row in db.query(sql, [group_id, limit])]


def group_histogram(
    db: Database, group_id: str, granularity: Granularity, since_iso: str, until_iso: str | None = None
) -> list[tuple[str, int]]:
    """``(bucket start, events)`` for every bucket from ``since_iso`` to ``until_iso`` (default now),
    zeros included, oldest first: ready for a sparkline."""
    return list(
        zip(
            _bucket_keys(granularity, since_iso, until_iso),
            group_histograms(db, [group_id], granularity, since_iso, until_iso)[group_id],
            strict=True,
        )
    )


def group_histograms(
    db: Database,
    group_ids: Sequence[str],
    granularity: Granularity,
    since_iso: str,
    until_iso: str | None = None,
) -> dict[str, list[int]]:
    """Event counts per bucket for several groups in one query (a table of sparklines).

    Every list has one entry per bucket of :func:`group_histogram`'s range.
    """
    keys = _bucket_keys(granularity, since_iso, until_iso)
    index = {key: i for i, key in enumerate(keys)}
    series = {group_id: [0] * len(keys) for group_id in group_ids}
    if not group_ids or not keys:
        return series
    marks = ", ".join("?" for _ in group_ids)
    sql = (
        f"SELECT group_id, bucket, count FROM error_group_counts WHERE granularity = ? "
        f"AND bucket >= ? AND bucket <= ? AND group_id IN ({marks})"
    )
    for group_id, bucket, count in db.execute(sql, [granularity, keys[0], keys[-1], *group_ids]):
        if bucket in index:
            series[group_id][index[bucket]] = count
    return series


def group_breakdown(
    db: Database, group_id: str, column: str, since_iso: str | None = None
) -> list[tuple[str | None, int]]:
    """How the group's stored calls split by ``column`` (model, upstream, operation…), biggest first."""
    if column not in BREAKDOWN_COLUMNS:
        raise ValueError(f"cannot break a group down by {column!r}; use one of {sorted(BREAKDOWN_COLUMNS)}")
    where, params = "error_group_id = ?", [group_id]
    if since_iso is not None:
        where, params = where + " AND started_at >= ?", [*params, since_iso]
    sql = f"SELECT {column}, count(*) FROM calls WHERE {where} GROUP BY {column} ORDER BY 2 DESC, 1"
    return [(value, count) for value, count in db.execute(sql, params)]


def _status_filter(status: str, now_iso: str) -> tuple[str, list[str]]:
    """SQL for "status as of now_iso": an ignore whose time ran out reads as unresolved."""
    expired = "(status = 'ignored' AND ignored_until IS NOT NULL AND ignored_until <= ?)"
    if status == "unresolved":
        return f"(status = 'unresolved' OR {expired})", [now_iso]
    if status == "ignored":
        return f"(status = 'ignored' AND NOT {expired})", [now_iso]
    if status == "resolved":
        return "status = 'resolved'", []
    raise ValueError(f"unknown status {status!r}; use one of {', '.join(STATUSES)} or all")


def _bucket_keys(granularity: Granularity, since_iso: str, until_iso: str | None) -> list[str]:
    step = BUCKET_S[granularity]
    start = bucket_start(parse_iso(since_iso), granularity)
    end = bucket_start(parse_iso(until_iso) if until_iso else clock_now(), granularity)
    return [iso_utc(start + i * step) for i in range(round((end - start) / step) + 1)]


def _group(row: dict[str, Any], now: float, new_days: int) -> ErrorGroup:
    state = current(row_state(row), now, new_days)
    status, substatus, changed_at, ignored_until, events_left = state_values(state)
    return ErrorGroup(
        id=row["id"],
        fingerprint=row["fingerprint"],
        title=row["title"],
        status=status,
        substatus=substatus,
        count=row["count"],
        first_seen=row["first_seen"],
        last_seen=row["last_seen"],
        provider=row["provider"],
        failure=row["failure"],
        status_code=row["status_code"],
        error_type=row["error_type"],
        error_code=row["error_code"],
        rule=row["rule"],
        models=stored_tags(row["models"]),
        upstreams=stored_tags(row["upstreams"]),
        operations=stored_tags(row["operations"]),
        status_changed_at=changed_at,
        ignored_until=ignored_until,
        ignored_events_left=events_left,
    )
