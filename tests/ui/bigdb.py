"""A generated database of realistic volume for the UI benchmarks (1 M calls in about a minute).

Rows are made inside SQLite by a recursive CTE, so generation costs SQLite time,
not Python objects per row. The mix: four upstreams, a dozen models, ~6 % errors
of several kinds, streamed calls with TTFT, unpriced calls (NULL cost), traces and
sessions, and a redacted-looking payload (searchable through FTS5) for every
``payload_every``-th call.

Example::

    path = generate(Path("/tmp/big"), calls=1_000_000, end=time.time())
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from lookout.store.db import database_path, open_writer

DAYS = 30
_MODELS = (
    ("openai", "gpt-4o-mini"),
    ("openai", "gpt-4o"),
    ("openai", "text-embedding-3-small"),
    ("openai", "gpt-image-1"),
    ("anthropic", "claude-sonnet-4-5"),
    ("anthropic", "claude-haiku-4-5"),
    ("gemini", "gemini-2.5-flash"),
    ("gemini", "gemini-2.5-pro"),
    ("ollama", "llama3.2"),
    ("ollama", "qwen2.5-coder"),
    ("openai", "o4-mini"),
    ("anthropic", "claude-opus-4-1"),
)
_WORDS = [
    "refund",
    "order",
    "invoice",
    "shipping",
    "delay",
    "customer",
    "ticket",
    "summary",
    "translate",
    "code",
    "review",
    "retry",
    "timeout",
    "latency",
    "budget",
    "report",
    "weekly",
    "meeting",
    "notes",
    "incident",
    "outage",
    "database",
    "migration",
    "schema",
    "index",
    "python",
    "function",
    "test",
    "deploy",
    "release",
    "branch",
    "commit",
    "message",
    "email",
    "address",
    "phone",
    "number",
]


def generate(data_dir: Path, *, calls: int, end: float, payload_every: int = 5) -> Path:
    """Create ``data_dir/lookout.db`` with ``calls`` calls over the 30 days before ``end``."""
    open_writer(data_dir).close()  # schema, triggers, permissions
    path = database_path(data_dir)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("CREATE TEMP TABLE models(i INTEGER PRIMARY KEY, upstream TEXT, model TEXT)")
    conn.executemany("INSERT INTO models VALUES (?, ?, ?)", [(i, u, m) for i, (u, m) in enumerate(_MODELS)])
    conn.execute("CREATE TEMP TABLE words(i INTEGER PRIMARY KEY, w TEXT)")
    conn.executemany("INSERT INTO words VALUES (?, ?)", list(enumerate(_WORDS)))
    params = {
        "count": calls,
        "start": end - DAYS * 86400,
        "step": DAYS * 86400 / calls,
        "models": len(_MODELS),
        "words": len(_WORDS),
        "every": payload_every,
    }
    with conn:
        conn.execute(_CALLS_SQL, params)
        conn.execute(_PAYLOADS_SQL, params)
    conn.close()
    return path


# Pseudo-random but deterministic: hash-like mixes of the row number.
_CALLS_SQL = """
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < :count - 1),
r AS (SELECT i AS k, (i * 2654435761) % 1000003 AS h FROM n)
INSERT INTO calls (id, started_at, upstream, provider, operation, endpoint, method, model, streamed,
                   status_code, outcome, latency_ms, ttft_ms, input_tokens, output_tokens, cost_usd,
                   trace_id, session_id, request_bytes, response_bytes, error_type)
SELECT printf('%012x%020d', CAST((:start + k * :step) * 1000 AS INTEGER), k),
       strftime('%Y-%m-%dT%H:%M:%fZ', :start + k * :step, 'unixepoch'),
       m.upstream, m.upstream,
       CASE WHEN m.model LIKE '%embedding%' THEN 'embeddings' WHEN m.model LIKE '%image%' THEN 'image'
            ELSE 'chat' END,
       '/v1/chat/completions', 'POST', m.model, h % 3 = 0,
       CASE WHEN h % 100 < 3 THEN 429 WHEN h % 100 < 5 THEN 500 WHEN h % 100 = 5 THEN NULL ELSE 200 END,
       CASE WHEN h % 100 < 5 THEN 'error' WHEN h % 100 = 5 THEN 'upstream_timeout'
            WHEN h % 100 = 6 THEN 'client_aborted' ELSE 'ok' END,
       200.0 + (h % 4000) * 0.7,
       CASE WHEN h % 3 = 0 THEN 80.0 + (h % 900) * 0.5 END,
       CASE WHEN h % 50 = 7 THEN NULL ELSE 200 + h % 3000 END,
       CASE WHEN h % 50 = 7 THEN NULL ELSE 20 + h % 800 END,
       CASE WHEN h % 50 = 7 OR m.upstream = 'ollama' THEN NULL ELSE (h % 1000) * 0.000004 END,
       CASE WHEN h % 4 = 0 THEN printf('trace-%06d', k / 6) END,
       CASE WHEN h % 7 = 0 THEN printf('session-%05d', k / 40) END,
       1500 + h % 4000, 800 + h % 6000,
       CASE WHEN h % 100 < 3 THEN 'rate_limit_error' WHEN h % 100 < 5 THEN 'server_error' END
FROM r JOIN models m ON m.i = r.h % :models
"""

_PAYLOADS_SQL = """
INSERT INTO payloads (call_id, created_at, request_body, response_body, truncated, redactions)
SELECT c.id, c.started_at,
       printf('{"model": "%s", "messages": [{"role": "user", '
              || '"content": "%s %s %s from <EMAIL_ADDRESS> %d"}]}', c.model, w1.w, w2.w, w3.w, c.rowid),
       printf('{"choices": [{"message": {"role": "assistant", "content": "%s %s for %s"}}]}',
              w3.w, w1.w, w2.w),
       0, '{"EMAIL_ADDRESS": 1}'
FROM calls c
JOIN words w1 ON w1.i = (c.rowid * 7) % :words
JOIN words w2 ON w2.i = (c.rowid * 13 + 5) % :words
JOIN words w3 ON w3.i = (c.rowid * 31 + 11) % :words
WHERE c.rowid % :every = 0
ORDER BY c.rowid
"""
