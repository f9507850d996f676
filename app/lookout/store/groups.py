"""Error groups in the store: the recorder's writes, the CLI's status changes, and the row format.

This module owns what is written to ``error_groups`` and ``error_group_counts``;
the reads for the CLI, the app and reports are in :mod:`lookout.store.group_queries`.

  :func:`record_hits` applies a batch of grouped failures (from
  :class:`~lookout.recorder.grouping.Grouper`): it creates or updates each group,
  runs the lifecycle (a resolved group regresses), adds to the hourly and daily
  histograms and returns the resulting :class:`GroupEvent` s. It reads each group's
  state *inside* its write transaction, so a status change made meanwhile by
  ``lookout errors resolve`` is never overwritten with stale state.
  :func:`update_group_state` is that status change: a single-row update.
  :func:`purge_group_buckets` drops histogram buckets past their horizon.
  :func:`write_transaction` is the write lock they all take.

The row helpers at the end (:func:`rows_by_id`, :func:`row_state`,
:func:`state_values`, :func:`stored_tags`, :func:`bucket_start`) translate between
rows and lifecycle states, for these writes and for the reads alike.
Times are storage timestamps (ISO-8601 UTC).

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

from lookout.analysis.lifecycle import GroupState, first_event, on_event
from lookout.core.clock import iso_utc, parse_iso
from lookout.core.models import GroupEvent

Granularity = Literal["hour", "day"]
BUCKET_S: dict[Granularity, float] = {"hour": 3600.0, "day": 86400.0}
# Hourly buckets cover the last 24 h with a day to spare (this day against the last);
# daily ones the last 30 days plus today.
KEEP_BUCKETS: dict[Granularity, int] = {"hour": 48, "day": 31}
MAX_TAGS = 50  # models/upstreams/operations listed per group
TAG_COLUMNS = ("models", "upstreams", "operations")
DEFAULT_NEW_DAYS = 7


class GroupNotFound(LookupError):
    """No error group has that id (or id prefix)."""


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
        stored = rows_by_id(db, list(by_group))
        for group_id, group_hits in by_group.items():
            events += _apply(db, stored.get(group_id), group_hits, new_days)
        _add_buckets(db, hits)
    return events


def update_group_state(db: Database, group_id: str, change: Callable[[GroupState], GroupState]) -> GroupState:
    """Apply a lifecycle ``change`` (resolve, ignore, reopen…) to one group; return the new state.

    Reads and writes under one write lock, so it composes safely with the recorder.
    """
    with write_transaction(db):
        rows = rows_by_id(db, [group_id])
        if group_id not in rows:
            raise GroupNotFound(f"no error group {group_id!r}")
        state = change(row_state(rows[group_id]))
        db.execute(
            "UPDATE error_groups SET status = ?, substatus = ?, status_changed_at = ?, "
            "ignored_until = ?, ignored_events_left = ? WHERE id = ?",
            [*state_values(state), group_id],
        )
    return state


def purge_group_buckets(db: Database, now: float) -> int:
    """Delete histogram buckets older than their horizon (48 hours, 31 days); return how many."""
    deleted = 0
    with write_transaction(db):
        for granularity, keep in KEEP_BUCKETS.items():
            oldest = iso_utc(bucket_start(now, granularity) - (keep - 1) * BUCKET_S[granularity])
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
        state, rest = row_state(row), hits
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
                *state_values(state),
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
    status, substatus, changed_at, ignored_until, events_left = state_values(state)
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
            key = (hit.group_id, granularity, iso_utc(bucket_start(hit.at, granularity)))
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
        values = set(stored_tags(row[column]) if row else ()) | {value for value in new if value}
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


# ---------------------------------------------------------------------------- rows (shared with the reads)


def bucket_start(at: float, granularity: Granularity) -> float:
    """The start (epoch seconds) of the hour or day bucket that holds ``at``."""
    step = BUCKET_S[granularity]
    return math.floor(at / step) * step


def rows_by_id(db: Database, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The ``error_groups`` rows with those ids, by id (missing ids are left out)."""
    marks = ", ".join("?" for _ in ids)
    return {row["id"]: row for row in db.query(f"SELECT * FROM error_groups WHERE id IN ({marks})", ids)}


def row_state(row: dict[str, Any]) -> GroupState:
    """The lifecycle state stored in an ``error_groups`` row, as it was written."""
    return GroupState(
        status=row["status"],
        substatus=row["substatus"],
        first_seen=parse_iso(row["first_seen"]),
        last_seen=parse_iso(row["last_seen"]),
        status_changed_at=parse_iso(row["status_changed_at"] or row["first_seen"]),
        ignored_until=parse_iso(row["ignored_until"]) if row["ignored_until"] else None,
        ignored_events_left=row["ignored_events_left"],
    )


def state_values(state: GroupState) -> tuple[str, str | None, str, str | None, int | None]:
    """``state`` as the status, substatus, status_changed_at, ignored_until, ignored_events_left columns."""
    until = iso_utc(state.ignored_until) if state.ignored_until is not None else None
    return state.status, state.substatus, iso_utc(state.status_changed_at), until, state.ignored_events_left


def stored_tags(text: str | None) -> tuple[str, ...]:
    """A models/upstreams/operations column's JSON list; anything unreadable is no tags."""
    try:
        values = json.loads(text) if text else []
    except ValueError:
        return ()
    return tuple(str(value) for value in values) if isinstance(values, list) else ()
