"""Error groups in the store: the recorder's writes, the CLI's status changes, and reads for everyone.

Writes
  :func:`record_hits` applies a batch of grouped failures (from
  :class:`~lookout.recorder.grouping.Grouper`): it creates or updates each group,
  runs the lifecycle (a resolved group regresses), adds to the hourly and daily
  histograms and returns the resulting :class:`GroupEvent` s. It reads each group's
  state *inside* its write transaction, so a status change made meanwhile by
  ``lookout errors resolve`` is never overwritten with stale state.
  :func:`update_group_state` is that status change: a single-row update.
  :func:`purge_group_buckets` drops histogram buckets past their horizon.

Reads (any connection, normally :func:`~lookout.store.db.open_reader`)
  :func:`list_groups`, :func:`get_group`, :func:`find_group_id` (id prefixes),
  :func:`latest_events`, :func:`group_histogram`, :func:`group_histograms` and
  :func:`group_breakdown`. Groups come back as :class:`~lookout.core.models.ErrorGroup`
  with their status as of ``now``. Times are storage timestamps (ISO-8601 UTC).

Groups outlive the calls they were built from: retention deletes calls, never groups.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from sqlite_utils import Database

from lookout.analysis.lifecycle import STATUSES, GroupState, current, first_event, on_event
from lookout.core.clock import iso_utc, parse_iso
from lookout.core.clock import now as clock_now
from lookout.core.models import ErrorGroup, GroupEvent

Granularity = Literal["hour", "day"]
BUCKET_S: dict[Granularity, float] = {"hour": 3600.0, "day": 86400.0}
# Hourly buckets cover the last 24 h with a day to spare (this day against the last);
# daily ones the last 30 days plus today.
KEEP_BUCKETS: dict[Granularity, int] = {"hour": 48, "day": 31}
MAX_TAGS = 50  # models/upstreams/operations listed per group
TAG_COLUMNS = ("models", "upstreams", "operations")
BREAKDOWN_COLUMNS = frozenset({"model", "upstream", "operation", "endpoint", "response_model"})
DEFAULT_NEW_DAYS = 7


class GroupNotFound(LookupError):
    """No error group has that id (or id prefix)."""


class AmbiguousGroupId(LookupError):
    """An id prefix matches more than one group."""


@dataclass(frozen=True, slots=True)
class GroupHit:
    """One failed call, assigned to a group: what the recorder hands the store. Stored-safe.

    ``title_complete`` is False for a metadata-only title (the message could not be
    redacted): it names a new group but never replaces a complete title.
    """

    group_id: str
    fingerprint: str
    title: str
    title_complete: bool
    provider: str
    failure: str
    status_code: int | None
    error_type: str | None
    error_code: str | None
    rule: str | None
    at: float
    upstream: str
    model: str | None
    operation: str | None


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


# ---------------------------------------------------------------------------- writes


def record_hits(
    db: Database, hits: Sequence[GroupHit], *, new_days: int = DEFAULT_NEW_DAYS
) -> list[GroupEvent]:
    """Apply ``hits`` to their groups in one transaction; return the new and regressed events.

    Joins the caller's transaction when there is one (the recorder writes the calls
    and their groups together).
    """
    if not hits:
        return []
    by_group: dict[str, list[GroupHit]] = {}
    for hit in sorted(hits, key=lambda h: h.at):
        by_group.setdefault(hit.group_id, []).append(hit)
    events: list[GroupEvent] = []
    with write_transaction(db):
        stored = _rows_by_id(db, list(by_group))
        for group_id, group_hits in by_group.items():
            events += _apply(db, stored.get(group_id), group_hits, new_days)
        _add_buckets(db, hits)
    return events


def update_group_state(db: Database, group_id: str, change: Callable[[GroupState], GroupState]) -> GroupState:
    """Apply a lifecycle ``change`` (resolve, ignore, reopen…) to one group; return the new state.

    Reads and writes under one write lock, so it composes safely with the recorder.
    """
    with write_transaction(db):
        rows = _rows_by_id(db, [group_id])
        if group_id not in rows:
            raise GroupNotFound(f"no error group {group_id!r}")
        state = change(_state(rows[group_id]))
        db.execute(
            "UPDATE error_groups SET status = ?, substatus = ?, status_changed_at = ?, "
            "ignored_until = ?, ignored_events_left = ? WHERE id = ?",
            [*_state_values(state), group_id],
        )
    return state


def purge_group_buckets(db: Database, now: float) -> int:
    """Delete histogram buckets older than their horizon (48 hours, 31 days); return how many."""
    deleted = 0
    with write_transaction(db):
        for granularity, keep in KEEP_BUCKETS.items():
            oldest = iso_utc(_bucket_start(now, granularity) - (keep - 1) * BUCKET_S[granularity])
            cursor = db.execute(
                "DELETE FROM error_group_counts WHERE granularity = ? AND bucket < ?", [granularity, oldest]
            )
            deleted += cursor.rowcount
    return deleted


@contextmanager
def write_transaction(db: Database) -> Iterator[None]:
    """A transaction that holds the write lock from its start, or a savepoint inside the caller's.

    ``BEGIN IMMEDIATE`` rather than a deferred ``BEGIN``: a read-then-write
    transaction must not read a state that another writer changes before it writes.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.conn.rollback()
        raise
    db.execute("COMMIT")


def _apply(db: Database, row: dict[str, Any] | None, hits: list[GroupHit], new_days: int) -> list[GroupEvent]:
    title = _title(row, hits)
    events: list[GroupEvent] = []
    if row is None:
        state = first_event(hits[0].at)
        events.append(_event("new", hits[0], title))
        rest = hits[1:]
    else:
        state, rest = _state(row), hits
    for hit in rest:
        result = on_event(state, hit.at, new_days)
        state = result.state
        if result.regressed:
            events.append(_event("regressed", hit, title))
    tags = _merged_tags(row, hits)
    if row is None:
        _insert(db, hits[-1], title, state, len(hits), tags)
    else:
        db.execute(
            "UPDATE error_groups SET count = count + ?, title = ?, first_seen = min(first_seen, ?), "
            "last_seen = max(last_seen, ?), models = ?, upstreams = ?, operations = ?, status = ?, "
            "substatus = ?, status_changed_at = ?, ignored_until = ?, ignored_events_left = ? WHERE id = ?",
            [
                len(hits),
                title,
                iso_utc(hits[0].at),
                iso_utc(hits[-1].at),
                *tags,
                *_state_values(state),
                row["id"],
            ],
        )
    return events


def _title(row: dict[str, Any] | None, hits: list[GroupHit]) -> str:
    """The latest complete title; a metadata-only one only names a group that has nothing better."""
    complete = [hit.title for hit in hits if hit.title_complete]
    if complete:
        return complete[-1]
    stored: str = row["title"] if row else hits[0].title
    return stored


def _insert(db: Database, hit: GroupHit, title: str, state: GroupState, count: int, tags: list[str]) -> None:
    status, substatus, changed_at, ignored_until, events_left = _state_values(state)
    db.table("error_groups").insert(
        {
            "id": hit.group_id,
            "fingerprint": hit.fingerprint,
            "title": title,
            "status": status,
            "substatus": substatus,
            "count": count,
            "first_seen": iso_utc(state.first_seen),
            "last_seen": iso_utc(state.last_seen),
            "provider": hit.provider,
            "failure": hit.failure,
            "status_code": hit.status_code,
            "error_type": hit.error_type,
            "error_code": hit.error_code,
            "rule": hit.rule,
            **dict(zip(TAG_COLUMNS, tags, strict=True)),
            "status_changed_at": changed_at,
            "ignored_until": ignored_until,
            "ignored_events_left": events_left,
        }
    )


def _add_buckets(db: Database, hits: Sequence[GroupHit]) -> None:
    counts: dict[tuple[str, str, str], int] = {}
    for hit in hits:
        for granularity in BUCKET_S:
            key = (hit.group_id, granularity, iso_utc(_bucket_start(hit.at, granularity)))
            counts[key] = counts.get(key, 0) + 1
    db.conn.executemany(
        "INSERT INTO error_group_counts (group_id, granularity, bucket, count) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (group_id, granularity, bucket) DO UPDATE SET count = count + excluded.count",
        [(*key, count) for key, count in counts.items()],
    )


def _merged_tags(row: dict[str, Any] | None, hits: list[GroupHit]) -> list[str]:
    seen = (
        (hit.model for hit in hits),
        (hit.upstream for hit in hits),
        (hit.operation for hit in hits),
    )
    merged = []
    for column, new in zip(TAG_COLUMNS, seen, strict=True):
        values = set(_tags(row[column]) if row else ()) | {value for value in new if value}
        merged.append(json.dumps(sorted(values)[:MAX_TAGS]))
    return merged


def _event(kind: Literal["new", "regressed"], hit: GroupHit, title: str) -> GroupEvent:
    return GroupEvent(
        kind=kind,
        group_id=hit.group_id,
        title=title,
        at=iso_utc(hit.at),
        model=hit.model,
        upstream=hit.upstream,
        operation=hit.operation,
    )


def _state_values(state: GroupState) -> tuple[str, str | None, str, str | None, int | None]:
    until = iso_utc(state.ignored_until) if state.ignored_until is not None else None
    return state.status, state.substatus, iso_utc(state.status_changed_at), until, state.ignored_events_left


# ---------------------------------------------------------------------------- reads


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
    row = _rows_by_id(db, [group_id]).get(group_id)
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
    start = _bucket_start(parse_iso(since_iso), granularity)
    end = _bucket_start(parse_iso(until_iso) if until_iso else clock_now(), granularity)
    return [iso_utc(start + i * step) for i in range(round((end - start) / step) + 1)]


def _bucket_start(at: float, granularity: Granularity) -> float:
    step = BUCKET_S[granularity]
    return math.floor(at / step) * step


def _rows_by_id(db: Database, ids: list[str]) -> dict[str, dict[str, Any]]:
    marks = ", ".join("?" for _ in ids)
    return {row["id"]: row for row in db.query(f"SELECT * FROM error_groups WHERE id IN ({marks})", ids)}


def _state(row: dict[str, Any]) -> GroupState:
    return GroupState(
        status=row["status"],
        substatus=row["substatus"],
        first_seen=parse_iso(row["first_seen"]),
        last_seen=parse_iso(row["last_seen"]),
        status_changed_at=parse_iso(row["status_changed_at"] or row["first_seen"]),
        ignored_until=parse_iso(row["ignored_until"]) if row["ignored_until"] else None,
        ignored_events_left=row["ignored_events_left"],
    )


def _group(row: dict[str, Any], now: float, new_days: int) -> ErrorGroup:
    state = current(_state(row), now, new_days)
    status, substatus, changed_at, ignored_until, events_left = _state_values(state)
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
        models=_tags(row["models"]),
        upstreams=_tags(row["upstreams"]),
        operations=_tags(row["operations"]),
        status_changed_at=changed_at,
        ignored_until=ignored_until,
        ignored_events_left=events_left,
    )


def _tags(text: str | None) -> tuple[str, ...]:
    try:
        values = json.loads(text) if text else []
    except ValueError:
        return ()
    return tuple(str(value) for value in values) if isinstance(values, list) else ()
