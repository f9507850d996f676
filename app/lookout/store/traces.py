"""Read queries for the Traces view: calls grouped by trace or session id, and one group's waterfall.

A *trace* is the calls sharing a ``trace_id`` (``x-lookout-trace`` or W3C
``traceparent``); a *session* those sharing a ``session_id``
(``x-lookout-session``). The hierarchy Lookout knows is session > trace > call:
in a session's waterfall, calls that also carry a trace id sit under a row for
their trace. Lookout does not see span ids, so it claims no finer nesting.

Lists are paged newest first by each group's first call in the range, with a
keyset (the last group of the previous page), so a page costs the same over a
day or a month. A page walks the calls that carry the id back from the range
end through a partial ``(started_at, id)`` index, keeps the calls that are their
group's first in the range (an ``(id, started_at)`` index answers that), and then
adds up just those groups. A group's calls come through its ``(id, started_at)`` index.
"""

from __future__ import annotations

import json
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

PAGE_SIZE = 200
# Per grouping: the partial index walked in time order, and the (id, started_at) index.
_WALK_INDEX: dict[GroupBy, str] = {"trace": "idx_calls_traced", "session": "idx_calls_in_session"}
_ID_INDEX: dict[GroupBy, str] = {
    "trace": "idx_calls_trace_id_started_at",
    "session": "idx_calls_session_id_started_at",
}

# The first call in [since, until) of each group, newest first, below the keyset (:at, :after_id).
# Ties in time go by id; two calls of one group at the same instant count once (lowest rowid).
_FIRST_CALLS_SQL = """
SELECT c.{column} FROM calls c INDEXED BY {walk}
WHERE c.{column} IS NOT NULL AND c.started_at >= :since AND c.started_at < :until {keyset}
  AND NOT EXISTS (
    SELECT 1 FROM calls p INDEXED BY {ids}
    WHERE p.{column} = c.{column} AND p.started_at >= :since AND p.started_at <= c.started_at
      AND (p.started_at < c.started_at OR p.rowid < c.rowid))
ORDER BY c.started_at DESC, c.{column} DESC
LIMIT :limit
"""
_KEYSET = "AND c.started_at <= :at AND (c.started_at < :at OR c.{column} < :after_id)"

_SUMMARY_SQL = f"""
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
FROM calls INDEXED BY {{ids}}
WHERE {{where}}
GROUP BY {{column}}
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


@dataclass(frozen=True, slots=True)
class TracePage:
    """A page of the list; ``more`` when groups remain after its last."""

    traces: list[TraceSummary]
    more: bool


def trace_page(
    db: Database,
    *,
    by: GroupBy,
    since_iso: str,
    until_iso: str,
    after: TraceSummary | None = None,
    limit: int = PAGE_SIZE,
) -> TracePage:
    """:func:`list_traces`, saying whether another page follows (one group more is read to know)."""
    found = list_traces(db, by=by, since_iso=since_iso, until_iso=until_iso, after=after, limit=limit + 1)
    return TracePage(found[:limit], more=len(found) > limit)


def list_traces(
    db: Database,
    *,
    by: GroupBy,
    since_iso: str,
    until_iso: str,
    after: TraceSummary | None = None,
    limit: int = PAGE_SIZE,
) -> list[TraceSummary]:
    """Traces (or sessions) with a call in the range, newest first call first, ``limit`` at most.

    ``after`` is the last group of the previous page: this page continues below it.
    A group's figures cover its calls in the range.
    """
    column = COLUMN[by]
    params: dict[str, Any] = {"since": since_iso, "until": until_iso, "limit": limit}
    if after is not None:
        params.update(at=after.first_started, after_id=after.id)
    ids = [row[0] for row in db.execute(first_calls_sql(by, keyset=after is not None), params)]
    if not ids:
        return []
    where = (
        f"{column} IN (SELECT value FROM json_each(:ids)) AND started_at >= :since AND started_at < :until"
    )
    sql = _SUMMARY_SQL.format(column=column, ids=_ID_INDEX[by], where=where)
    summaries = {
        row["id"]: _summary(row, by)
        for row in db.query(sql, {"ids": json.dumps(ids), "since": since_iso, "until": until_iso})
    }
    return [summaries[group_id] for group_id in ids]


def first_calls_sql(by: GroupBy, *, keyset: bool) -> str:
    """The query for a page's groups: parameters since, until, limit and, with ``keyset``, at and after_id."""
    column = COLUMN[by]
    return _FIRST_CALLS_SQL.format(
        column=column,
        walk=_WALK_INDEX[by],
        ids=_ID_INDEX[by],
        keyset=_KEYSET.format(column=column) if keyset else "",
    )


def trace_calls(db: Database, summary: TraceSummary) -> list[dict[str, Any]]:
    """The calls of one trace (all of them) or session (those within its bounds), oldest first."""
    if summary.kind == "trace":
        sql = f"SELECT {_CALL_COLUMNS} FROM calls WHERE trace_id = ? ORDER BY started_at, rowid"
        return list(db.query(sql, [summary.id]))
    sql = (
        f"SELECT {_CALL_COLUMNS} FROM calls INDEXED BY idx_calls_session_id_started_at "
        "WHERE session_id = ? AND started_at >= ? AND started_at <= ? ORDER BY started_at, rowid"
    )
    return list(db.query(sql, [summary.id, summary.first_started, summary.last_started]))


def find_group(db: Database, group_id: str) -> TraceSummary | None:
    """The trace with this id, else the session, whenever it happened ("Open trace" from a call)."""
    for by in ("trace", "session"):
        column = COLUMN[by]
        sql = _SUMMARY_SQL.format(column=column, ids=_ID_INDEX[by], where=f"{column} = :id")
        rows = list(db.query(sql, {"id": group_id}))
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
