"""Call-row factories for store tests: one realistic row, or many rows fast."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from lookout.core.clock import iso_utc
from lookout.core.models import CallRow
from lookout.store.writer import CALL_COLUMNS

# 2026-11-28T00:00:00Z: a fixed "now" so tests never depend on the wall clock.
NOW = 1_795_824_000.0


def make_row(**overrides: Any) -> CallRow:
    """A plausible successful, priced OpenAI chat call; override any field."""
    row = CallRow(
        id="call-0001",
        started_at=iso_utc(NOW - 60),
        upstream="openai",
        provider="openai",
        operation="chat",
        endpoint="/v1/chat/completions",
        method="POST",
        model="gpt-4o-mini",
        response_model="gpt-4o-mini-2024-07-18",
        streamed=False,
        status_code=200,
        outcome="ok",
        finish_reason="stop",
        error_type=None,
        error_code=None,
        error_group_id=None,
        latency_ms=420.0,
        ttft_ms=None,
        input_tokens=1200,
        output_tokens=300,
        cached_tokens=0,
        cache_write_tokens=None,
        reasoning_tokens=None,
        cost_usd=0.00036,
        price_version="2026-11-28",
        trace_id=None,
        session_id=None,
        request_bytes=2048,
        response_bytes=1024,
    )
    return replace(row, **overrides)


def spread_rows(count: int, *, start: float, step_s: float, **overrides: Any) -> Iterator[CallRow]:
    """``count`` rows ``step_s`` seconds apart from ``start``, with ids ``c0000000``..."""
    template = make_row(**overrides)
    for i in range(count):
        yield replace(template, id=f"c{i:07d}", started_at=iso_utc(start + i * step_s))


def bulk_insert_generated(path: str, count: int, *, start: float, step_s: float) -> None:
    """Insert ``count`` plain rows ``step_s`` apart from ``start``, generated inside SQLite.

    Much faster than building CallRows in Python, for tests that need volume
    (ids ``g0000000``..., in time order like the proxy's).
    """
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            """
            WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < :count - 1)
            INSERT INTO calls (id, started_at, upstream, provider, operation, endpoint, method,
                               model, streamed, status_code, outcome, latency_ms, input_tokens,
                               output_tokens, cost_usd, request_bytes, response_bytes)
            SELECT printf('g%07d', i),
                   strftime('%Y-%m-%dT%H:%M:%fZ', :start + i * :step, 'unixepoch'),
                   'openai', 'openai', 'chat', '/v1/chat/completions', 'POST',
                   'gpt-4o-mini', 0, 200, 'ok', 400.0 + i % 300, 1000, 200, 0.0003, 2048, 1024
            FROM n
            """,
            {"count": count, "start": start, "step": step_s},
        )
    conn.close()


def bulk_insert(path: str, rows: Iterator[CallRow]) -> None:
    """Insert rows with one executemany on a plain connection: fast fixture setup."""
    placeholders = ", ".join("?" for _ in CALL_COLUMNS)
    sql = f"INSERT INTO calls ({', '.join(CALL_COLUMNS)}) VALUES ({placeholders})"
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(sql, ([getattr(r, c) for c in CALL_COLUMNS] for r in rows))
    conn.close()
