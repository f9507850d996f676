"""Retention: deleting old rows and keeping the database under its size cap.

Three rules, applied in order:

1. payloads older than ``payloads_max_age_s`` (by ``payloads.created_at``);
2. calls older than ``calls_max_age_s`` (by ``calls.started_at``), with their payloads,
   and what was derived from calls that old: rollup hours, resolved alerts, drift
   snapshots and error groups last seen before then (plus expired histogram buckets);
3. the oldest calls, with their payloads, while the used size exceeds ``max_db_bytes``.

Purges run on the writer connection. Every delete is a short transaction whose
size adapts to the measured speed, so none holds the write lock for much more
than ``max_lock_ms``. WAL checkpoints, which copy pages back into the main file
and fsync, would otherwise fire inside whichever commit crosses the threshold;
during a purge they run between transactions instead, holding no write lock,
and are timed separately. :func:`iter_purge` yields after every transaction or
checkpoint so the recorder can slip its own batches in between.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from lookout.core.clock import iso_utc
from lookout.store import rollup
from lookout.store.groups import purge_group_buckets

DAY_S = 86_400.0
GIB = 1 << 30
AUTO_VACUUM_INCREMENTAL = 2
# Sorts after every storage timestamp, so "older than the end of time" is "any".
_END_OF_TIME = "9999-12-31T23:59:59.999Z"
# Freed space worth giving back to the file system; below this, the next
# inserts would only grow the file again.
_VACUUM_MIN_FREE_BYTES = 4 << 20
_FIRST_BATCH_ROWS = 256
_FIRST_VACUUM_PAGES = 256
_MAX_BATCH_ROWS = 50_000

_DELETE_OLD_PAYLOADS = """
DELETE FROM payloads WHERE call_id IN (
    SELECT call_id FROM payloads WHERE created_at < :cutoff ORDER BY created_at LIMIT :limit
)"""
_DELETE_PAYLOADS_OF_OLDEST_CALLS = """
DELETE FROM payloads WHERE call_id IN (
    SELECT id FROM calls WHERE started_at < :cutoff ORDER BY started_at, rowid LIMIT :limit
)"""
_DELETE_OLDEST_CALLS = """
DELETE FROM calls WHERE rowid IN (
    SELECT rowid FROM calls WHERE started_at < :cutoff ORDER BY started_at, rowid LIMIT :limit
)"""
# A batch of the oldest calls goes with its payloads, payloads first.
_CALL_DELETES = [_DELETE_PAYLOADS_OF_OLDEST_CALLS, _DELETE_OLDEST_CALLS]


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """How long rows are kept and how large the database may grow."""

    calls_max_age_s: float = 30 * DAY_S
    payloads_max_age_s: float = 7 * DAY_S
    max_db_bytes: int = GIB


@dataclass(slots=True)
class PurgeResult:
    """What a purge deleted (in a dry run: would delete) and how long it held the lock.

    In a dry run the age counts are exact; ``calls_by_size`` is an estimate from
    the average row size, and the payloads that would go with those calls are
    not counted. ``max_batch_ms`` is the longest write transaction (delete batch
    or incremental-vacuum step); ``max_checkpoint_ms`` the longest checkpoint
    run between them.
    """

    dry_run: bool
    calls_by_age: int = 0
    calls_by_size: int = 0
    payloads_deleted: int = 0
    used_bytes_before: int = 0
    used_bytes_after: int = 0
    transactions: int = 0
    max_batch_ms: float = 0.0
    total_batch_ms: float = 0.0
    checkpoints: int = 0
    max_checkpoint_ms: float = 0.0
    pages_released: int = 0

    @property
    def calls_deleted(self) -> int:
        """Calls deleted by either rule."""
        return self.calls_by_age + self.calls_by_size


def purge(
    db: Database,
    policy: RetentionPolicy,
    *,
    now: float,
    dry_run: bool = False,
    max_lock_ms: float = 50.0,
) -> PurgeResult:
    """Apply ``policy`` at time ``now`` (epoch seconds) in one go; see :func:`iter_purge`."""
    steps = iter_purge(db, policy, now=now, dry_run=dry_run, max_lock_ms=max_lock_ms)
    return deque(steps, maxlen=1).pop()


def iter_purge(
    db: Database,
    policy: RetentionPolicy,
    *,
    now: float,
    dry_run: bool = False,
    max_lock_ms: float = 50.0,
) -> Generator[PurgeResult, None, None]:
    """Apply ``policy`` step by step, yielding the running result after each step.

    The last result yielded is final. Between steps no transaction is open, so
    the caller may write on the same connection. Close the iterator if you stop
    early: that restores the connection's automatic checkpoints.
    """
    result = PurgeResult(dry_run=dry_run, used_bytes_before=used_bytes(db))
    if dry_run:
        _count_purgeable(db, policy, now, result)
    else:
        yield from _Purger(db, max_lock_ms, result).run(policy, now)
    result.used_bytes_after = used_bytes(db)
    yield result


def used_bytes(db: Database) -> int:
    """Bytes of the database file holding data: all pages minus the free list."""
    page_count = _pragma_int(db, "page_count")
    free_pages = _pragma_int(db, "freelist_count")
    return (page_count - free_pages) * _pragma_int(db, "page_size")


def _count_purgeable(db: Database, policy: RetentionPolicy, now: float, result: PurgeResult) -> None:
    result.payloads_deleted = _scalar(
        db,
        "SELECT count(*) FROM payloads WHERE created_at < ?",
        [iso_utc(now - policy.payloads_max_age_s)],
    )
    too_old = _scalar(
        db,
        "SELECT count(*) FROM calls WHERE started_at < ?",
        [iso_utc(now - policy.calls_max_age_s)],
    )
    total = _count_calls(db)
    result.calls_by_age = too_old
    if total:
        # Pretend the age deletes happened: the rows they remove no longer count.
        bytes_per_row = used_bytes(db) / total
        over = used_bytes(db) - too_old * bytes_per_row - policy.max_db_bytes
        result.calls_by_size = min(total - too_old, max(0, math.ceil(over / bytes_per_row)))


_DERIVED_DELETES = (
    "DELETE FROM alerts WHERE status = 'resolved' AND resolved_at < :cutoff",
    "DELETE FROM drift_snapshots WHERE computed_at < :cutoff",
    "DELETE FROM error_group_counts WHERE group_id IN "
    "(SELECT id FROM error_groups WHERE last_seen < :cutoff)",
    "DELETE FROM error_groups WHERE last_seen < :cutoff",
)


def _delete_derived(db: Database, cutoff: str) -> None:
    """Resolved alerts, drift snapshots and error groups last seen before ``cutoff``."""
    for statement in _DERIVED_DELETES:
        db.execute(statement, {"cutoff": cutoff})


class _Purger:
    """Runs the deletes in short transactions, sizing each from the speed of the last."""

    def __init__(self, db: Database, max_lock_ms: float, result: PurgeResult) -> None:
        self._db = db
        self._max_lock_ms = max_lock_ms
        self._result = result
        self._batch_rows = _FIRST_BATCH_ROWS

    def run(self, policy: RetentionPolicy, now: float) -> Iterator[PurgeResult]:
        autocheckpoint = _pragma_int(self._db, "wal_autocheckpoint")
        self._db.execute("PRAGMA wal_autocheckpoint=0")
        try:
            cutoff = iso_utc(now - policy.payloads_max_age_s)
            yield from self._batches([_DELETE_OLD_PAYLOADS], self._tally_payloads, cutoff)
            cutoff = iso_utc(now - policy.calls_max_age_s)
            yield from self._batches(_CALL_DELETES, self._tally_by_age, cutoff)
            # What was derived from calls goes with the calls' age limit: a few rows per
            # hour or per group, so one short transaction.
            with self._db.atomic():
                rollup.delete_before(self._db, cutoff)
                _delete_derived(self._db, cutoff)
            purge_group_buckets(self._db, now)
            yield from self._delete_over_cap(policy.max_db_bytes)
            if self._result.calls_deleted or self._result.payloads_deleted:
                yield from self._release_free_pages()
        finally:
            self._db.execute(f"PRAGMA wal_autocheckpoint={autocheckpoint:d}")

    def _delete_over_cap(self, max_db_bytes: int) -> Iterator[PurgeResult]:
        remaining = _count_calls(self._db)
        while remaining and (excess := _rows_over_cap(self._db, max_db_bytes, remaining)):
            before = self._result.calls_by_size
            statements = _CALL_DELETES
            yield from self._batches(statements, self._tally_by_size, _END_OF_TIME, limit=excess)
            deleted = self._result.calls_by_size - before
            if not deleted:
                return
            remaining -= deleted

    def _batches(
        self,
        statements: list[str],
        tally: Callable[[list[int]], None],
        cutoff: str,
        *,
        limit: int | None = None,
    ) -> Iterator[PurgeResult]:
        """Run ``statements`` per batch until the last one deletes fewer rows than asked.

        ``tally`` books each batch's row counts (one per statement) in the result.
        """
        done = 0
        while limit is None or done < limit:
            size = self._batch_rows if limit is None else min(self._batch_rows, limit - done)
            started = time.perf_counter()
            with self._db.atomic():
                counts = [
                    self._db.execute(sql, {"cutoff": cutoff, "limit": size}).rowcount for sql in statements
                ]
            elapsed_ms = (time.perf_counter() - started) * 1000
            self._note_transaction(elapsed_ms)
            self._batch_rows = _next_batch_size(size, elapsed_ms, self._max_lock_ms, _MAX_BATCH_ROWS)
            tally(counts)
            done += counts[-1]
            yield self._result
            yield from self._checkpoint()
            if counts[-1] < size:
                return

    def _tally_payloads(self, counts: list[int]) -> None:
        self._result.payloads_deleted += counts[0]

    def _tally_by_age(self, counts: list[int]) -> None:
        *payloads, calls = counts
        self._result.payloads_deleted += sum(payloads)
        self._result.calls_by_age += calls

    def _tally_by_size(self, counts: list[int]) -> None:
        *payloads, calls = counts
        self._result.payloads_deleted += sum(payloads)
        self._result.calls_by_size += calls

    def _release_free_pages(self) -> Iterator[PurgeResult]:
        """Shrink the file by the freed pages, in timed steps like the deletes."""
        if _pragma_int(self._db, "auto_vacuum") != AUTO_VACUUM_INCREMENTAL:
            return
        free = _pragma_int(self._db, "freelist_count")
        if free * _pragma_int(self._db, "page_size") < _VACUUM_MIN_FREE_BYTES:
            return
        step = _FIRST_VACUUM_PAGES
        while free > 0:
            pages = min(step, free)
            started = time.perf_counter()
            # executescript steps the pragma to completion; execute frees one page.
            self._db.executescript(f"PRAGMA incremental_vacuum({pages:d});")
            elapsed_ms = (time.perf_counter() - started) * 1000
            self._note_transaction(elapsed_ms)
            still_free = _pragma_int(self._db, "freelist_count")
            self._result.pages_released += free - still_free
            yield self._result
            yield from self._checkpoint()
            if still_free >= free:
                return
            free = still_free
            step = _next_batch_size(pages, elapsed_ms, self._max_lock_ms, max(free, 1))

    def _checkpoint(self) -> Iterator[PurgeResult]:
        started = time.perf_counter()
        self._db.execute("PRAGMA wal_checkpoint(PASSIVE)")
        elapsed_ms = (time.perf_counter() - started) * 1000
        self._result.checkpoints += 1
        self._result.max_checkpoint_ms = max(self._result.max_checkpoint_ms, elapsed_ms)
        yield self._result

    def _note_transaction(self, elapsed_ms: float) -> None:
        self._result.transactions += 1
        self._result.total_batch_ms += elapsed_ms
        self._result.max_batch_ms = max(self._result.max_batch_ms, elapsed_ms)


def _rows_over_cap(db: Database, max_db_bytes: int, row_count: int) -> int:
    """How many calls to delete to get under the cap, at the current average row size."""
    used = used_bytes(db)
    if used <= max_db_bytes:
        return 0
    return min(row_count, math.ceil((used - max_db_bytes) / (used / row_count)))


def _next_batch_size(size: int, elapsed_ms: float, max_lock_ms: float, ceiling: int) -> int:
    """Aim the next batch at half the lock budget, growing at most 2x per step.

    Half, because batch times are noisy (cold pages, other processes); the 2x
    cap keeps one lucky batch from licensing a huge one.
    """
    per_row_ms = max(elapsed_ms, 0.01) / max(size, 1)
    target = int((max_lock_ms / 2) / per_row_ms)
    return max(1, min(target, size * 2, ceiling))


def _count_calls(db: Database) -> int:
    return _scalar(db, "SELECT count(*) FROM calls", [])


def _scalar(db: Database, sql: str, params: list[Any]) -> int:
    value: int = db.execute(sql, params).fetchone()[0]
    return value


def _pragma_int(db: Database, name: str) -> int:
    value: int = db.execute(f"PRAGMA {name}").fetchone()[0]
    return value
