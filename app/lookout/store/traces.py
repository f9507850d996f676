"""Read queries for the Traces view: calls grouped by trace or session id, and one group's waterfall.

A *trace* is the calls sharing a ``trace_id`` (``x-lookout-trace`` or W3C
``traceparent``); a *session* those sharing a ``session_id``
(``x-lookout-session``). The hierarchy Lookout knows is session > trace > call:
in a session's waterfall, calls that also carry a trace id sit under a row for
their trace. Lookout does not see span ids, so it claims no finer nesting.

Lists scan the selected time range through the ``started_at`` index. A trace's
calls come through the ``trace_id`` index; a session's through ``started_at``
within the session's own bounds, since ``session_id`` has no index of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlite_utils import Database

from lookout.core.clock import parse_iso
from lookout.store.queries import NON_ERROR_OUTCOMES

GroupBy = Literal["trace", "session"]
COLUMN: dict[GroupBy, str] = {"trace": "trace_id", "session": "session_id"}
_NON_ERRORS = ", ".join(f"'{outcome}'" for outcome in NON_ERROR_OUTCOMES)
# Epoch milliseconds from a stored timestamp, inside SQLite (julianday keeps the milliseconds).
_EPOCH_MS = "((julianday(started_at) - 2440587.5) * 86400000.0)"

_LIST_SQL = f"""
SELECT {{column}} AS id,
       count(*) AS calls,
       sum(outcome NOT IN ({_NON_ERRORS})) AS errors,
       min(started_at) AS first_started,
       max(started_at) AS last_started,
       min({_EPOCH_MS}) AS start_ms,
       max({_EPOCH_MS} + coalesce(latency_ms, 0)) AS end_ms,
       group_concat(DISTINCT model) AS models,
       sum(cost_usd) AS cost_usd,
       sum(input_tokens) + sum(output_tokens) AS tokens
FROM calls {{index}}
WHERE {{where}}
GROUP BY {{column}}
ORDER BY first_started DESC
LIMIT :limit
"""
_CALL_COLUMNS = """id, started_at, upstream, model, operation, outcome, status_code, streamed,
latency_ms, ttft_ms, error_type, error_message, error_group_id, trace_id, session_id,
input_tokens, output_tokens, cost_usd"""


@dataclass(frozen=True, slots=True)
class TraceSummary:
    """One trace or session in the list. ``duration_ms`` runs from the first start to the last end."""

    id: str
    kind: GroupBy
    calls: int
    errors: int
    first_started: str
    last_started: str
    duration_ms: float
    models: tuple[str, ...]
    cost_usd: float | None
    tokens: int | None


@dataclass(frozen=True, slots=True)
class WaterfallRow:
    """One bar: a call, or (in a session) the trace that groups some of its calls.

    ``offset_ms`` is from the start of the whole group; ``depth`` is 1 for calls
    under a trace row, else 0. ``call`` holds the call's columns (None for a trace row).
    """

    label: str
    offset_ms: float
    duration_ms: float
    depth: int
    failed: bool
    call: dict[str, Any] | None
    trace_id: str | None


def list_traces(
    db: Database, *, by: GroupBy, since_iso: str, until_iso: str, limit: int = 500
) -> list[TraceSummary]:
    """Traces (or sessions) with a call started in the range, newest first."""
    column = COLUMN[by]
    where = f"started_at >= :since AND started_at < :until AND {column} IS NOT NULL"
    sql = _LIST_SQL.format(column=column, index="INDEXED BY idx_calls_started_at", where=where)
    rows = db.query(sql, {"since": since_iso, "until": until_iso, "limit": limit})
    return [_summary(row, by) for row in rows]


def trace_calls(db: Database, summary: TraceSummary) -> list[dict[str, Any]]:
    """The calls of one trace or session, oldest first."""
    if summary.kind == "trace":
        sql = f"SELECT {_CALL_COLUMNS} FROM calls WHERE trace_id = ? ORDER BY started_at, rowid"
        return list(db.query(sql, [summary.id]))
    sql = (
        f"SELECT {_CALL_COLUMNS} FROM calls INDEXED BY idx_calls_started_at "
        "WHERE started_at >= ? AND started_at <= ? AND session_id = ? ORDER BY started_at, rowid"
    )
    return list(db.query(sql, [summary.first_started, summary.last_started, summary.id]))


def find_group(db: Database, group_id: str) -> TraceSummary | None:
    """The trace with this id, else the session, whenever it happened ("Open trace" from a call).

    A session is found by a full scan (``session_id`` has no index): this runs
    on a click, not on every refresh.
    """
    for by in ("trace", "session"):
        sql = _LIST_SQL.format(column=COLUMN[by], index="", where=f"{COLUMN[by]} = :id")
        rows = list(db.query(sql, {"id": group_id, "limit": 1}))
        if rows:
            return _summary(rows[0], by)
    return None


def waterfall(summary: TraceSummary, calls: Sequence[dict[str, Any]]) -> list[WaterfallRow]:
    """Bars in start order; in a session, each trace's calls follow a row spanning them."""
    if not calls:
        return []
    origin = min(parse_iso(call["started_at"]) for call in calls)
    rows: list[WaterfallRow] = []
    placed: set[str] = set()
    for call in calls:
        trace = call["trace_id"] if summary.kind == "session" else None
        if trace is None:
            rows.append(_call_row(call, origin, depth=0))
        elif trace not in placed:
            placed.add(trace)
            members = [c for c in calls if c["trace_id"] == trace]
            rows.append(_trace_row(trace, members, origin))
            rows.extend(_call_row(member, origin, depth=1) for member in members)
    return rows


def is_failure(call: dict[str, Any]) -> bool:
    return call["outcome"] not in NON_ERROR_OUTCOMES


def _call_row(call: dict[str, Any], origin: float, *, depth: int) -> WaterfallRow:
    label = " · ".join(part for part in (call["model"] or call["upstream"], call["operation"]) if part)
    return WaterfallRow(
        label=label,
        offset_ms=(parse_iso(call["started_at"]) - origin) * 1000,
        duration_ms=call["latency_ms"] or 0.0,
        depth=depth,
        failed=is_failure(call),
        call=call,
        trace_id=call["trace_id"],
    )


def _trace_row(trace: str, members: Sequence[dict[str, Any]], origin: float) -> WaterfallRow:
    starts = [(parse_iso(c["started_at"]) - origin) * 1000 for c in members]
    ends = [start + (c["latency_ms"] or 0.0) for start, c in zip(starts, members, strict=True)]
    return WaterfallRow(
        label=f"trace {trace}",
        offset_ms=min(starts),
        duration_ms=max(ends) - min(starts),
        depth=0,
        failed=any(is_failure(c) for c in members),
        call=None,
        trace_id=trace,
    )


def _summary(row: dict[str, Any], kind: GroupBy) -> TraceSummary:
    models = tuple(sorted(set((row["models"] or "").split(",")) - {""}))
    return TraceSummary(
        id=row["id"],
        kind=kind,
        calls=row["calls"],
        errors=row["errors"] or 0,
        first_started=row["first_started"],
        last_started=row["last_started"],
        duration_ms=max(0.0, row["end_ms"] - row["start_ms"]),
        models=models,
        cost_usd=row["cost_usd"],
        tokens=row["tokens"],
    )
