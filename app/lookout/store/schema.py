"""The database schema, as a numbered list of small migrations.

``MIGRATIONS[n - 1]`` takes the schema from version ``n - 1`` to ``n``; the
version lives in ``PRAGMA user_version``. Each migration runs in its own
transaction together with the version bump, so a crash leaves the database at
the previous version, never half-migrated.

Migrations are history: never edit a released one. To change the schema,
append a new function to ``MIGRATIONS``. Column lists are spelled out here
rather than derived from :class:`~lookout.core.models.CallRow`, so a change to
the dataclass can never silently rewrite what an old migration did; a test
checks that the migrated ``calls`` table and ``CallRow`` agree.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlite_utils import Database

Migration = Callable[[Database], None]


class SchemaTooNewError(RuntimeError):
    """The database was written by a newer Lookout with migrations this one lacks."""


def _m001_calls_and_counters(db: Database) -> None:
    # auto_vacuum must be chosen before the first table exists; INCREMENTAL lets
    # retention hand freed pages back to the file system in short steps.
    db.execute("PRAGMA auto_vacuum=INCREMENTAL")
    calls = db.table("calls")
    calls.create(
        {
            "id": str,
            "started_at": str,
            "upstream": str,
            "provider": str,
            "operation": str,
            "endpoint": str,
            "method": str,
            "model": str,
            "response_model": str,
            "streamed": bool,
            "status_code": int,
            "outcome": str,
            "finish_reason": str,
            "error_type": str,
            "error_code": str,
            "error_group_id": str,
            "latency_ms": float,
            "ttft_ms": float,
            "input_tokens": int,
            "output_tokens": int,
            "cached_tokens": int,
            "cache_write_tokens": int,
            "reasoning_tokens": int,
            "cost_usd": float,
            "price_version": str,
            "trace_id": str,
            "session_id": str,
            "request_bytes": int,
            "response_bytes": int,
        },
        pk="id",
        not_null={
            "started_at",
            "upstream",
            "endpoint",
            "method",
            "streamed",
            "outcome",
            "request_bytes",
            "response_bytes",
        },
        if_not_exists=True,
    )
    indexes = (
        ("started_at",),
        ("model", "started_at"),
        ("upstream", "started_at"),
        ("outcome", "started_at"),
        ("error_group_id", "started_at"),
        ("trace_id",),
    )
    for columns in indexes:
        calls.create_index(columns, if_not_exists=True)
    db.table("counters").create(
        {"name": str, "value": int, "updated_at": str},
        pk="name",
        not_null={"value", "updated_at"},
        defaults={"value": 0},
        if_not_exists=True,
    )


def _m002_payloads_and_error_messages(db: Database) -> None:
    # Bodies arrive with redaction: every text column here holds redacted text only.
    db.execute("ALTER TABLE calls ADD COLUMN error_message TEXT")
    payloads = db.table("payloads")
    payloads.create(
        {
            "call_id": str,
            "created_at": str,
            "request_body": str,
            "response_body": str,
            "request_headers": str,
            "response_headers": str,
            "truncated": bool,
            "redactions": str,
            "dropped_reason": str,
        },
        pk="call_id",
        not_null={"created_at", "truncated", "redactions"},
        if_not_exists=True,
    )
    payloads.create_index(("created_at",), if_not_exists=True)


MIGRATIONS: tuple[Migration, ...] = (_m001_calls_and_counters, _m002_payloads_and_error_messages)
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(db: Database) -> int:
    """The schema version recorded in the database (0 for a new, empty file)."""
    version: int = db.execute("PRAGMA user_version").fetchone()[0]
    return version


def migrate(db: Database, *, target: int = SCHEMA_VERSION) -> int:
    """Apply the pending migrations up to ``target``; return the resulting version.

    Safe to call on every start: a database already at ``target`` is untouched.
    """
    current = schema_version(db)
    if current > SCHEMA_VERSION:
        raise SchemaTooNewError(
            f"the database is at schema version {current}, but this Lookout only knows "
            f"versions up to {SCHEMA_VERSION}: upgrade Lookout to open it"
        )
    for number in range(current + 1, target + 1):
        with db.atomic():
            MIGRATIONS[number - 1](db)
            # PRAGMA takes no bound parameters; number is an int we control.
            db.execute(f"PRAGMA user_version={number:d}")
    return max(current, target)
