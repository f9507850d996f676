"""The redaction audit section: what was redacted, what was stored without bodies, what failed.

Read from ``payloads`` (``redactions`` JSON counts per entity type and
``dropped_reason``) joined to ``calls`` for the range and filters, and from the
``counters`` table (engine drops and recorder failures since the database was
created: counters are totals, not per range). Only counts leave this module,
never a body.
"""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from lookout.report.model import AuditSection, Count, ReportOptions
from lookout.store.queries import counters

# Reasons the recorder gives when redaction itself failed (recorder/payload.py FAILURES).
FAILURE_REASONS = ("redaction failed", "over time budget")
NO_PAYLOAD = "no payload row (dropped by the engine under load, or purged by retention)"

_ENTITIES_SQL = """
SELECT e.key AS name, sum(e.value) AS count
FROM payloads AS p JOIN calls AS c ON c.id = p.call_id, json_each(p.redactions) AS e
WHERE {where} AND json_valid(p.redactions)
GROUP BY e.key
ORDER BY count DESC, name
"""

_PAYLOADS_SQL = """
SELECT count(*) AS payloads,
       coalesce(sum(p.request_body IS NOT NULL OR p.response_body IS NOT NULL), 0) AS bodies_stored,
       coalesce(sum(p.dropped_reason IN ({failures})), 0) AS failures
FROM payloads AS p JOIN calls AS c ON c.id = p.call_id
WHERE {where}
"""

_METADATA_ONLY_SQL = """
SELECT coalesce(p.dropped_reason, 'no body sent') AS name, count(*) AS count
FROM payloads AS p JOIN calls AS c ON c.id = p.call_id
WHERE {where} AND p.request_body IS NULL AND p.response_body IS NULL
GROUP BY name
ORDER BY count DESC, name
"""


def audit_section(db: Database, options: ReportOptions, *, calls_in_range: int) -> AuditSection:
    """The audit of the calls in the range and filters (``calls_in_range``: counted by the caller)."""
    where, params = call_filter(options, alias="c", time_column="p.created_at")
    failures = ", ".join("?" for _ in FAILURE_REASONS)
    totals = next(db.query(_PAYLOADS_SQL.format(where=where, failures=failures), [*FAILURE_REASONS, *params]))
    metadata_only = _counts(db, _METADATA_ONLY_SQL.format(where=where), params)
    missing = max(calls_in_range - int(totals["payloads"]), 0)
    if missing:
        metadata_only.append(Count(NO_PAYLOAD, missing))
    return AuditSection(
        entities=_counts(db, _ENTITIES_SQL.format(where=where), params),
        payloads=int(totals["payloads"]),
        bodies_stored=int(totals["bodies_stored"]),
        metadata_only=metadata_only,
        calls_without_payload=missing,
        redaction_failures=int(totals["failures"]),
        counters=[Count(name, value) for name, value in sorted(counters(db).items())],
    )


def call_filter(
    options: ReportOptions, *, alias: str, time_column: str | None = None
) -> tuple[str, list[Any]]:
    """A WHERE clause for the options' range (on ``time_column``, default the call's start) and filters."""
    since, until = options.iso()
    column = time_column or f"{alias}.started_at"
    clauses = [f"{column} >= ?", f"{column} < ?"]
    params: list[Any] = [since, until]
    for name, values in (("upstream", options.upstreams), ("model", options.models)):
        if values:
            clauses.append(f"{alias}.{name} IN ({', '.join('?' for _ in values)})")
            params.extend(values)
    return " AND ".join(clauses), params


def _counts(db: Database, sql: str, params: list[Any]) -> list[Count]:
    return [Count(str(row["name"]), int(row["count"])) for row in db.query(sql, params)]
