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


def _m003_analysis(db: Database) -> None:
    """Error groups, alerts, drift, per-call text metrics and full-text search."""
    _call_text_metrics(db)
    _error_group_tables(db)
    _alert_tables(db)
    _drift_tables(db)
    _payload_search(db)
    _call_browsing(db)
    _rollup_tables(db)
    # The traces view finds a session's calls by id.
    db.table("calls").create_index(("session_id", "started_at"), if_not_exists=True)


def _call_text_metrics(db: Database) -> None:
    # Measured on the response text before redaction; only the numbers are stored.
    for column, kind in (
        ("response_chars", "INTEGER"),
        ("refusal", "INTEGER"),
        ("empty_response", "INTEGER"),
    ):
        db.execute(f"ALTER TABLE calls ADD COLUMN {column} {kind}")
    # Drift reads one (upstream, model, operation) over a time range: this index
    # counts a unit's calls without touching the table, and lets a sample be
    # drawn by rowid before any row is read.
    db.table("calls").create_index(
        ("upstream", "model", "operation", "started_at"), index_name="idx_calls_unit", if_not_exists=True
    )


def _error_group_tables(db: Database) -> None:
    groups = db.table("error_groups")
    groups.create(
        {
            "id": str,  # short, stable: derived from the fingerprint
            "fingerprint": str,
            "title": str,  # redacted
            "status": str,  # unresolved | resolved | ignored
            "substatus": str,  # new | ongoing | regressed | None
            "count": int,
            "first_seen": str,
            "last_seen": str,
            "provider": str,  # wire format family, or the upstream when there was no response
            "failure": str,  # HTTP status as text, or upstream_unreachable | upstream_timeout | ...
            "status_code": int,
            "error_type": str,
            "error_code": str,
            "rule": str,  # the custom fingerprint rule that matched, if any
            "models": str,  # JSON list
            "upstreams": str,  # JSON list
            "operations": str,  # JSON list
            "status_changed_at": str,
            "ignored_until": str,  # ISO time, for "ignore for a duration"
            "ignored_events_left": int,  # for "ignore until N more events"
        },
        pk="id",
        not_null={"fingerprint", "title", "status", "count", "first_seen", "last_seen"},
        defaults={"count": 0},
        if_not_exists=True,
    )
    groups.create_index(("fingerprint",), unique=True, if_not_exists=True)
    groups.create_index(("last_seen",), if_not_exists=True)
    groups.create_index(("status", "last_seen"), if_not_exists=True)
    counts = db.table("error_group_counts")
    counts.create(
        {"group_id": str, "granularity": str, "bucket": str, "count": int},  # granularity: hour | day
        pk=("group_id", "granularity", "bucket"),
        not_null={"count"},
        if_not_exists=True,
    )
    counts.create_index(("granularity", "bucket"), if_not_exists=True)  # purging old buckets


def _alert_tables(db: Database) -> None:
    alerts = db.table("alerts")
    alerts.create(
        {
            "id": int,
            "rule": str,
            "subject": str,  # what it is about, e.g. "openai · gpt-4o-mini · chat" or "group:ab12cd34"
            "severity": str,  # critical | medium | low
            "status": str,  # open | resolved
            "opened_at": str,
            "resolved_at": str,
            "last_triggered_at": str,  # last time the condition was seen firing
            "message": str,  # derived or redacted text only
            "value": float,
            "threshold": float,
            "upstream": str,
            "model": str,
            "operation": str,
            "group_id": str,
            "occurrences": int,  # 1 + times it fired again within the cooldown
            "notified_at": str,  # handed to notification; NULL means digest only
            "delivery_status": str,  # None (no webhook) | pending | delivered | failed
            "delivery_attempts": int,
            "delivery_error": str,
        },
        pk="id",
        not_null={"rule", "subject", "severity", "status", "opened_at", "last_triggered_at", "message"},
        defaults={"occurrences": 1, "delivery_attempts": 0},
        if_not_exists=True,
    )
    alerts.create_index(("status", "opened_at"), if_not_exists=True)
    alerts.create_index(("opened_at",), if_not_exists=True)
    alerts.create_index(("rule", "subject", "status"), if_not_exists=True)


def _drift_tables(db: Database) -> None:
    snapshots = db.table("drift_snapshots")
    snapshots.create(
        {
            "id": int,
            "computed_at": str,
            "upstream": str,
            "model": str,
            "operation": str,
            "metric": str,
            "kind": str,  # numeric | rate | categorical
            "test": str,  # ks | wasserstein | chi2 | z | jensenshannon | none
            "statistic": float,
            "p_value": float,
            "p_adjusted": float,  # p-value adjusted over the unit's tests (Benjamini–Hochberg); decides
            "psi": float,
            "kl": float,
            "baseline_median": float,
            "baseline_p95": float,
            "current_median": float,
            "current_p95": float,
            "baseline_value": float,  # the headline: median, rate, or the top category's share
            "current_value": float,
            "change": float,  # relative change of the headline figure
            "severity": str,  # none | moderate | major | insufficient
            "verdict": str,  # a sentence a person reads
            "label": str,  # categorical: the baseline's top category (the headline's subject)
            "detail": str,  # JSON: categorical shares per window, new response models (a swap)
            "baseline_name": str,
            "baseline_from": str,
            "baseline_to": str,
            "current_from": str,
            "current_to": str,
            "baseline_n": int,  # values the test used
            "current_n": int,
            "baseline_calls": int,  # calls in the window (more than _n when it was sampled)
            "current_calls": int,
            "sampled": bool,
        },
        pk="id",
        not_null={"computed_at", "upstream", "metric", "kind", "severity"},
        if_not_exists=True,
    )
    snapshots.create_index(("model", "metric", "computed_at"), if_not_exists=True)
    snapshots.create_index(("computed_at",), if_not_exists=True)
    db.table("drift_baselines").create(
        {"name": str, "start": str, "end": str, "created_at": str, "note": str},
        pk="name",
        not_null={"start", "end", "created_at"},
        if_not_exists=True,
    )


def _payload_search(db: Database) -> None:
    # Full-text search over the (already redacted) bodies, kept in step by triggers
    # so the writer and retention need not know about it.
    db.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS payloads_fts USING fts5("
        "request_body, response_body, content='payloads', content_rowid='rowid')"
    )
    db.execute(
        "CREATE TRIGGER IF NOT EXISTS payloads_fts_insert AFTER INSERT ON payloads BEGIN "
        "INSERT INTO payloads_fts(rowid, request_body, response_body) "
        "VALUES (new.rowid, new.request_body, new.response_body); END"
    )
    db.execute(
        "CREATE TRIGGER IF NOT EXISTS payloads_fts_delete AFTER DELETE ON payloads BEGIN "
        "INSERT INTO payloads_fts(payloads_fts, rowid, request_body, response_body) "
        "VALUES ('delete', old.rowid, old.request_body, old.response_body); END"
    )
    db.execute(
        "CREATE TRIGGER IF NOT EXISTS payloads_fts_update AFTER UPDATE ON payloads BEGIN "
        "INSERT INTO payloads_fts(payloads_fts, rowid, request_body, response_body) "
        "VALUES ('delete', old.rowid, old.request_body, old.response_body); "
        "INSERT INTO payloads_fts(rowid, request_body, response_body) "
        "VALUES (new.rowid, new.request_body, new.response_body); END"
    )


def _call_browsing(db: Database) -> None:
    # When each chunk of a streamed response arrived (ms since the request started):
    # a JSON list of numbers, times only, for the inspector's chunk timeline.
    db.execute("ALTER TABLE payloads ADD COLUMN chunk_times TEXT")


def _rollup_tables(db: Database) -> None:
    # Hourly counts, sums and log-bucket latency/TTFT histograms per upstream, model and
    # operation, kept by the writer (store/rollup.py): month-long charts read ~6 k rows
    # instead of 1 M calls. NULL model/operation are stored as ''. Backfilled from calls.
    # A rowid table: rows carry ~1 KB of histograms, which would spill to overflow
    # pages in a WITHOUT ROWID b-tree and double the read time.
    db.execute(
        """CREATE TABLE IF NOT EXISTS call_rollup (
            hour TEXT NOT NULL,
            upstream TEXT NOT NULL,
            model TEXT NOT NULL,
            operation TEXT NOT NULL,
            calls INTEGER NOT NULL,
            errors INTEGER NOT NULL,
            unpriced_calls INTEGER NOT NULL,
            gen_tokens INTEGER NOT NULL,
            input_tokens INTEGER,
            output_tokens INTEGER,
            cached_tokens INTEGER,
            cost_usd REAL,
            gen_ms REAL,
            latency_hist BLOB,
            ttft_hist BLOB,
            PRIMARY KEY (hour, upstream, model, operation)
        )"""
    )
    # The Cost view lists unpriced calls; without this it scans every call when there are few.
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_calls_unpriced ON calls (started_at) "
        "WHERE cost_usd IS NULL AND outcome = 'ok'"
    )
    from lookout.store.rollup import rebuild  # the store's code, imported late: it imports numpy

    rebuild(db)


def _m004_trace_paging(db: Database) -> None:
    """Indexes that page the Traces view newest first without reading the whole time range."""
    # The calls that carry a trace or session id, in time order and covering the id: the list
    # walks these back from the range end to find each group's first call (store/traces.py).
    for column, name in (("trace_id", "idx_calls_traced"), ("session_id", "idx_calls_in_session")):
        db.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON calls (started_at, {column}) WHERE {column} IS NOT NULL"
        )
    # Whether a trace has an earlier call in the range, answered from the index alone
    # (the (session_id, started_at) index does this for sessions).
    db.table("calls").create_index(("trace_id", "started_at"), if_not_exists=True)


MIGRATIONS: tuple[Migration, ...] = (
    _m001_calls_and_counters,
    _m002_payloads_and_error_messages,
    _m003_analysis,
    _m004_trace_paging,
)
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
