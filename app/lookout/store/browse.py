"""Read queries for browsing calls: filtered pages, full-text search, new rows, one call in full.

The Calls view pages through ``calls`` newest first with keyset pagination, so
a page costs the same at row 10 and at row 900 000:

* Without a search, rows are ordered by ``(started_at, id)`` descending and
  each page continues below the last key. Range and filter columns all have
  ``(column, started_at)`` indexes, so a page reads about as many index entries
  as it returns.
* With a search, the FTS5 index over the redacted bodies drives the query,
  newest record first (``payloads`` rowid order), so a common word stops after
  one page instead of sorting every match. The time range becomes a rowid bound.

Rows recorded after a page was read are found by rowid (:func:`calls_recorded_since`),
not by start time: a long stream is written when it ends, after calls that
started later, and must still show up.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

PAGE_SIZE = 200
SEARCH_WINDOW = 5_000  # FTS matches looked at per search query, whatever the filters
# (started_at, id) for plain pages, (payload rowid,) when searching.
SortKey = tuple[str | int, ...]

_SUMMARY_COLUMNS = """c.rowid AS call_rowid, c.id, c.started_at, c.upstream, c.model, c.operation,
c.status_code, c.outcome, c.streamed, c.latency_ms, c.ttft_ms, c.input_tokens, c.output_tokens,
c.cost_usd, c.trace_id, c.session_id, c.error_group_id"""
# A status filter is a code ("429") or a class ("4xx"), or "none" for calls that got no response.
_STATUS = re.compile(r"^\s*(?:([1-5])xx|([1-5]\d\d)|(none))\s*$", re.IGNORECASE)
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class CallFilter:
    """What the Calls view shows. ``None`` (or an empty search) means "any"."""

    since_iso: str | None = None
    until_iso: str | None = None
    upstream: str | None = None
    model: str | None = None
    outcome: str | None = None
    status: str | None = None  # "429", "4xx" or "none"
    search: str | None = None  # words, all of which must appear in the request or response body

    @property
    def searching(self) -> bool:
        return bool(fts_query(self.search or ""))


@dataclass(frozen=True, slots=True)
class CallSummary:
    """One row of the calls table. ``key`` orders rows (see :func:`calls_page`)."""

    key: SortKey
    rowid: int
    id: str
    started_at: str
    upstream: str
    model: str | None
    operation: str | None
    status_code: int | None
    outcome: str
    streamed: bool
    latency_ms: float | None
    ttft_ms: float | None
    input_tokens: int | None
    output_tokens: int | None
    cost_usd: float | None
    trace_id: str | None
    session_id: str | None
    error_group_id: str | None


@dataclass(frozen=True, slots=True)
class Page:
    """Rows and where to go on: ``snapshot`` is the highest rowid the rows were read up to.

    The next page starts below ``after`` if set (a search window ran out before
    the page filled), else below the last row.
    """

    rows: list[CallSummary]
    more: bool
    snapshot: int
    after: SortKey | None = None  # where the next page starts, when not after the last row


@dataclass(frozen=True, slots=True)
class CallDetail:
    """One call with its payload (redacted) and error group, for the inspector."""

    call: dict[str, Any]
    payload: dict[str, Any] | None
    group: dict[str, Any] | None
    chunk_times: list[float] = field(default_factory=list)


def fts_query(text: str) -> str:
    """The user's words as a safe FTS5 query: each word a quoted term, all required.

    Punctuation and FTS5 operators typed by the user are not syntax here, so no
    input can make the query fail.
    """
    return " ".join(f'"{word}"' for word in _WORD.findall(text))


def status_clause(status: str | None) -> tuple[str, list[Any]]:
    """SQL for a status filter; raises ValueError for anything but ``429``, ``4xx`` or ``none``."""
    if not status:
        return "1", []
    match = _STATUS.match(status)
    if match is None:
        raise ValueError(f"invalid status filter {status!r}: use a code like 429, a class like 4xx, or none")
    klass, code, none = match.groups()
    if none:
        return "c.status_code IS NULL", []
    if code:
        return "c.status_code = ?", [int(code)]
    return "c.status_code BETWEEN ? AND ?", [int(klass) * 100, int(klass) * 100 + 99]


def snapshot(db: Database, f: CallFilter) -> int:
    """The highest rowid now in the table that pages of ``f`` walk (payloads when searching)."""
    table = "payloads" if f.searching else "calls"
    value: int | None = db.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0]
    return value or 0


def calls_page(
    db: Database,
    f: CallFilter,
    *,
    after: SortKey | None = None,
    upto: int | None = None,
    limit: int = PAGE_SIZE,
) -> Page:
    """The next ``limit`` rows of ``f`` below ``after`` (from the newest when None).

    ``upto`` is the snapshot of the first page: later pages ignore rows recorded
    since, which :func:`calls_recorded_since` delivers instead.
    """
    upto = snapshot(db, f) if upto is None else upto
    if f.searching:
        return _search_page(db, f, after, upto, limit)
    rows = _plain_page(db, f, after, upto, limit + 1)
    return Page(rows=rows[:limit], more=len(rows) > limit, snapshot=upto)


def calls_recorded_since(db: Database, f: CallFilter, since: int, *, limit: int = 1000) -> Page:
    """Rows of ``f`` recorded after snapshot ``since``, in any order; ``more`` if over ``limit``."""
    upto = snapshot(db, f)
    if upto <= since:
        return Page(rows=[], more=False, snapshot=since)
    where, params = _filter_clause(f)
    if f.searching:
        sql = (
            f"SELECT {_SUMMARY_COLUMNS}, f.rowid AS payload_rowid FROM payloads_fts f "
            "JOIN payloads p ON p.rowid = f.rowid JOIN calls c ON c.id = p.call_id "
            f"WHERE payloads_fts MATCH ? AND f.rowid > ? AND f.rowid <= ? AND {where} "
            "ORDER BY f.rowid LIMIT ?"
        )
        params = [fts_query(f.search or ""), since, upto, *params, limit + 1]
    else:
        sql = f"SELECT {_SUMMARY_COLUMNS} FROM calls c WHERE c.rowid > ? AND c.rowid <= ? AND {where} "
        sql += "ORDER BY c.rowid LIMIT ?"
        params = [since, upto, *params, limit + 1]
    rows = [_summary(row, f.searching) for row in db.query(sql, params)]
    if len(rows) > limit:  # read up to the last row returned; the rest comes next time
        return Page(rows=rows[:limit], more=True, snapshot=_record_rowid(rows[limit - 1]))
    return Page(rows=rows, more=False, snapshot=upto)


def call_detail(db: Database, call_id: str) -> CallDetail | None:
    """The call with this id, its payload and its error group; None if it is gone."""
    call = next(db.query("SELECT * FROM calls WHERE id = ?", [call_id]), None)
    if call is None:
        return None
    payload = next(db.query("SELECT * FROM payloads WHERE call_id = ?", [call_id]), None)
    group = None
    if call.get("error_group_id"):
        group = next(db.query("SELECT * FROM error_groups WHERE id = ?", [call["error_group_id"]]), None)
    times = _chunk_times(payload.get("chunk_times") if payload else None)
    return CallDetail(call=call, payload=payload, group=group, chunk_times=times)


def distinct_values(db: Database, column: str) -> list[str]:
    """Distinct non-null values of an indexed ``calls`` column (upstream, model, outcome).

    A loose index scan: one index seek per distinct value, not a pass over every row.
    """
    if column not in ("upstream", "model", "outcome"):
        raise ValueError(f"no distinct-value index on calls.{column}")
    sql = (
        f"WITH RECURSIVE v(x) AS (SELECT min({column}) FROM calls "
        f"UNION ALL SELECT (SELECT min({column}) FROM calls WHERE {column} > x) FROM v WHERE x IS NOT NULL) "
        "SELECT x FROM v WHERE x IS NOT NULL"
    )
    return [row[0] for row in db.execute(sql)]


def _plain_page(
    db: Database, f: CallFilter, after: SortKey | None, upto: int, limit: int
) -> list[CallSummary]:
    where, params = _filter_clause(f)
    clauses = [where, "c.rowid <= ?"]
    params.append(upto)
    if after is not None:
        started_at, call_id = after[0], after[1]
        # started_at <= ? lets SQLite range-scan the index; the OR breaks ties by id.
        clauses.append("c.started_at <= ? AND (c.started_at < ? OR c.id < ?)")
        params += [started_at, started_at, call_id]
    sql = (
        f"SELECT {_SUMMARY_COLUMNS} FROM calls c WHERE {' AND '.join(clauses)} "
        "ORDER BY c.started_at DESC, c.id DESC LIMIT ?"
    )
    return [_summary(row, False) for row in db.query(sql, [*params, limit])]


def _search_page(db: Database, f: CallFilter, after: SortKey | None, upto: int, limit: int) -> Page:
    """Matches newest first, filtered, looking at no more than SEARCH_WINDOW matches.

    A common word with a rare filter would otherwise join every match before
    finding a page. So the window's lowest rowid is found first, from the FTS
    index alone (cheap), and bounds the filtered query; ``Page.after`` says where
    the next window starts when this one ran out before filling the page.
    """
    bounds = ["rowid <= ?"]
    params: list[Any] = [fts_query(f.search or ""), upto]
    if after is not None:
        bounds.append("rowid < ?")
        params.append(after[0])
    lowest = _first_payload_rowid(db, f.since_iso)
    if lowest is not None:  # payloads are stored in time order: the range start is a rowid bound
        bounds.append("rowid >= ?")
        params.append(lowest)
    window = (
        f"SELECT rowid FROM payloads_fts WHERE payloads_fts MATCH ? AND {' AND '.join(bounds)} "
        "ORDER BY rowid DESC LIMIT ?"
    )
    floor, seen = db.execute(
        f"SELECT min(rowid), count(*) FROM ({window})", [*params, SEARCH_WINDOW]
    ).fetchone()
    if not seen:
        return Page(rows=[], more=False, snapshot=upto)
    where, filter_params = _filter_clause(f)
    sql = (
        f"SELECT {_SUMMARY_COLUMNS}, f.rowid AS payload_rowid FROM payloads_fts f "
        "JOIN payloads p ON p.rowid = f.rowid JOIN calls c ON c.id = p.call_id "
        f"WHERE payloads_fts MATCH ? AND {' AND '.join('f.' + bound for bound in bounds)} AND f.rowid >= ? "
        f"AND {where} ORDER BY f.rowid DESC LIMIT ?"
    )
    rows = [_summary(row, True) for row in db.query(sql, [*params, floor, *filter_params, limit + 1])]
    if len(rows) > limit:
        return Page(rows=rows[:limit], more=True, snapshot=upto)
    if seen < SEARCH_WINDOW:
        return Page(rows=rows, more=False, snapshot=upto)  # every match was looked at
    return Page(rows=rows, more=True, snapshot=upto, after=(floor,))


def _first_payload_rowid(db: Database, since_iso: str | None) -> int | None:
    if since_iso is None:
        return None
    row = db.execute(
        "SELECT rowid FROM payloads WHERE created_at >= ? ORDER BY created_at LIMIT 1", [since_iso]
    ).fetchone()
    # Nothing stored since then: no search result can be in range.
    return int(row[0]) if row else snapshot(db, CallFilter(search="x")) + 1


def _filter_clause(f: CallFilter) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    for column, value in (("upstream", f.upstream), ("model", f.model), ("outcome", f.outcome)):
        if value:
            clauses.append(f"c.{column} = ?")
            params.append(value)
    if f.since_iso:
        clauses.append("c.started_at >= ?")
        params.append(f.since_iso)
    if f.until_iso:
        clauses.append("c.started_at < ?")
        params.append(f.until_iso)
    status, status_params = status_clause(f.status)
    clauses.append(status)
    params += status_params
    return " AND ".join(clauses), params


def _record_rowid(row: CallSummary) -> int:
    """The rowid a row was recorded under in the table its page walks."""
    first = row.key[0]
    return first if isinstance(first, int) else row.rowid


def _summary(row: dict[str, Any], searching: bool) -> CallSummary:
    key: SortKey = (row["payload_rowid"],) if searching else (row["started_at"], row["id"])
    return CallSummary(
        key=key,
        rowid=row["call_rowid"],
        id=row["id"],
        started_at=row["started_at"],
        upstream=row["upstream"],
        model=row["model"],
        operation=row["operation"],
        status_code=row["status_code"],
        outcome=row["outcome"],
        streamed=bool(row["streamed"]),
        latency_ms=row["latency_ms"],
        ttft_ms=row["ttft_ms"],
        input_tokens=row["input_tokens"],
        output_tokens=row["output_tokens"],
        cost_usd=row["cost_usd"],
        trace_id=row["trace_id"],
        session_id=row["session_id"],
        error_group_id=row["error_group_id"],
    )


def _chunk_times(raw: str | None) -> list[float]:
    if not raw:
        return []
    try:
        values = json.loads(raw)
    except ValueError:
        return []
    return [float(v) for v in values if isinstance(v, int | float)]


def data_signature(db: Database) -> tuple[Any, ...]:
    """A few index lookups that change whenever anything the app shows changed.

    New calls and payloads, alerts opened or resolved, new drift snapshots,
    error groups updated: each moves one of these numbers.
    """
    row = db.execute(
        "SELECT (SELECT max(rowid) FROM calls), (SELECT max(rowid) FROM payloads), "
        "(SELECT max(id) FROM alerts), (SELECT count(*) FROM alerts WHERE status = 'open'), "
        "(SELECT max(id) FROM drift_snapshots), (SELECT max(last_seen) FROM error_groups), "
        "(SELECT max(status_changed_at) FROM error_groups), (SELECT count(*) FROM error_groups)"
    ).fetchone()
    return tuple(row)
