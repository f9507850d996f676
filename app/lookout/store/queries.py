"""Read queries over ``calls`` and ``counters`` for the CLI, the app and reports.

Every function takes a :class:`~sqlite_utils.Database` (normally from
:func:`~lookout.store.db.open_reader`) and a time range as storage timestamps:
``since_iso`` inclusive, ``until_iso`` exclusive, ``None`` meaning "up to now".
Ranges are scanned through the ``started_at`` index, so cost follows the rows
in range, not the size of the table.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlite_utils import Database

# Outcomes that are not failures: a client hanging up is the client's choice.
NON_ERROR_OUTCOMES = ("ok", "client_aborted")
# Columns stored as INTEGER 0/1 that readers should see as booleans.
BOOLEAN_COLUMNS = frozenset({"streamed"})
_NON_ERROR_LIST = ", ".join(f"'{outcome}'" for outcome in NON_ERROR_OUTCOMES)

# One pass over the range: SQLite does the sums, and hands each group's
# latencies over as one comma-separated string that numpy parses in C. That
# avoids building a Python object per call, which dominated the cost at 1M rows.
# Timing lists cover calls that produced an answer: a 40 ms 429 or an aborted
# stream would drag the median of "how long does this model take" down.
# INDEXED BY: without statistics the planner prefers walking a whole
# (upstream, ...) index to skip the GROUP BY sort, reading every row in the table.
_MODEL_STATS_SQL = """
SELECT
    upstream,
    model,
    count(*) AS calls,
    sum(outcome NOT IN ({non_errors})) AS errors,
    sum(input_tokens) AS input_tokens,
    sum(output_tokens) AS output_tokens,
    sum(cost_usd) AS cost_usd,
    sum(cost_usd IS NULL AND outcome = 'ok') AS unpriced_calls,
    group_concat(CASE WHEN outcome = 'ok' THEN latency_ms END) AS latencies,
    group_concat(CASE WHEN outcome = 'ok' AND streamed THEN ttft_ms END) AS ttfts
FROM calls INDEXED BY idx_calls_started_at
WHERE {where}
GROUP BY upstream, model
"""


@dataclass(frozen=True, slots=True)
class ModelStats:
    """Aggregates for one (upstream, model) over a time range.

    Token and cost sums are ``None`` when no call in the group reported them:
    unknown is not zero. ``cost_usd`` sums only priced calls; ``unpriced_calls``
    says how many successful calls were left out (failed calls rarely report
    usage, and are not what "unpriced" warns about).
    """

    upstream: str
    model: str | None
    calls: int
    errors: int
    error_rate: float
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    ttft_p50_ms: float | None
    input_tokens: int | None
    output_tokens: int | None
    cost_usd: float | None
    unpriced_calls: int


def model_stats(db: Database, *, since_iso: str, until_iso: str | None = None) -> list[ModelStats]:
    """Per (upstream, model) stats for calls started in the range, sorted by upstream then model.

    Latency and TTFT percentiles cover successful calls only (TTFT: streamed
    ones); they are ``None`` when there are none.
    """
    where, params = _range_clause(since_iso, until_iso)
    sql = _MODEL_STATS_SQL.format(where=where, non_errors=_NON_ERROR_LIST)
    stats = [_group_stats(row) for row in db.query(sql, params)]
    return sorted(stats, key=lambda s: (s.upstream, s.model is None, s.model or ""))


def iter_calls(db: Database, *, since_iso: str, until_iso: str | None = None) -> Iterator[dict[str, Any]]:
    """Yield calls started in the range as column -> value dicts, oldest first.

    Rows stream from the cursor; nothing is loaded up front.
    """
    where, params = _range_clause(since_iso, until_iso)
    sql = f"SELECT * FROM calls WHERE {where} ORDER BY started_at, rowid"
    for row in db.query(sql, params):
        for column in BOOLEAN_COLUMNS:
            row[column] = bool(row[column])
        yield row


def call_columns(db: Database) -> list[str]:
    """Names of the ``calls`` columns, in table order."""
    return [column.name for column in db.table("calls").columns]


def count_calls(db: Database, *, since_iso: str | None = None, until_iso: str | None = None) -> int:
    """Number of calls started in the range (all calls when both bounds are ``None``)."""
    where, params = _range_clause(since_iso, until_iso)
    count: int = db.execute(f"SELECT count(*) FROM calls WHERE {where}", params).fetchone()[0]
    return count


def counters(db: Database) -> dict[str, int]:
    """All counters (dropped records, recorder restarts, ...) by name."""
    return {name: value for name, value in db.execute("SELECT name, value FROM counters")}


def _range_clause(since_iso: str | None, until_iso: str | None) -> tuple[str, list[str]]:
    clauses, params = ["1"], []
    if since_iso is not None:
        clauses.append("started_at >= ?")
        params.append(since_iso)
    if until_iso is not None:
        clauses.append("started_at < ?")
        params.append(until_iso)
    return " AND ".join(clauses), params


def _group_stats(row: dict[str, Any]) -> ModelStats:
    latency_p50, latency_p95 = _percentiles(row["latencies"], (50, 95))
    (ttft_p50,) = _percentiles(row["ttfts"], (50,))
    calls: int = row["calls"]
    errors: int = row["errors"]
    return ModelStats(
        upstream=row["upstream"],
        model=row["model"],
        calls=calls,
        errors=errors,
        error_rate=errors / calls,
        latency_p50_ms=latency_p50,
        latency_p95_ms=latency_p95,
        ttft_p50_ms=ttft_p50,
        input_tokens=row["input_tokens"],
        output_tokens=row["output_tokens"],
        cost_usd=row["cost_usd"],
        unpriced_calls=row["unpriced_calls"],
    )


def _percentiles(joined: str | None, qs: tuple[float, ...]) -> tuple[float | None, ...]:
    """Percentiles of a ``group_concat`` of numbers (``None`` when the group had none)."""
    if not joined:
        return tuple(None for _ in qs)
    values = np.array(joined.split(","), dtype=float)
    return tuple(float(p) for p in np.percentile(values, qs))
