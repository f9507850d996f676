"""Call-row factories for store tests: one realistic row, or many rows fast."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from lookout.core.clock import iso_utc
from lookout.core.models import Alert, CallRow, PayloadRow
from lookout.store.groups import GroupHit
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


def make_payload(call_id: str = "call-0001", **overrides: Any) -> PayloadRow:
    """A stored (already redacted) chat payload for ``call_id``, with one e-mail placeholder."""
    payload = PayloadRow(
        call_id=call_id,
        created_at=iso_utc(NOW - 60),
        request_body='{"model": "gpt-4o-mini", "messages": [{"role": "user", '
        '"content": "Summarise the ticket from <EMAIL_ADDRESS> about the refund"}]}',
        response_body='{"choices": [{"message": {"role": "assistant", '
        '"content": "The customer asks for a refund of order 1182."}, "finish_reason": "stop"}]}',
        request_headers='{"Content-Type": "application/json", "User-Agent": "OpenAI/Python 1.40"}',
        response_headers='{"Content-Type": "application/json", "x-request-id": "req_123"}',
        truncated=False,
        redactions='{"EMAIL_ADDRESS": 1}',
        dropped_reason=None,
    )
    return replace(payload, **overrides)


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


# (upstream, model, operation, latency median ms, priced): a mixed workload for aggregates.
MIXED_MODELS: tuple[tuple[str, str, str, float, bool], ...] = (
    ("openai", "gpt-4o-mini", "chat", 700.0, True),
    ("openai", "gpt-4.1", "responses", 1500.0, True),
    ("openai", "text-embedding-3-small", "embeddings", 120.0, True),
    ("openai", "gpt-image-1", "image", 9000.0, True),
    ("anthropic", "claude-sonnet-4-5", "chat", 2200.0, True),
    ("anthropic", "claude-haiku-4-5", "chat", 900.0, True),
    ("gemini", "gemini-2.5-flash", "chat", 800.0, True),
    ("ollama", "llama3.2", "chat", 1200.0, False),
)
MIXED_OUTCOMES = ("ok",) * 95 + ("error",) * 3 + ("client_aborted", "upstream_timeout")


def mixed_calls(count: int, *, end: float, span_s: float, seed: int = 7) -> Iterator[CallRow]:
    """``count`` varied calls evenly spread over the ``span_s`` seconds before ``end``.

    Text, embedding and image operations with lognormal latencies around each
    model's median, half the text calls streamed (with TTFT), ~5% failures, cache
    reads on some prompts, and an unpriced local model. Ids sort in time order.
    """
    rng = random.Random(seed)
    template = make_row()
    step = span_s / count
    for i in range(count):
        upstream, model, operation, median, priced = rng.choice(MIXED_MODELS)
        outcome = rng.choice(MIXED_OUTCOMES)
        streamed = operation in ("chat", "responses") and rng.random() < 0.5
        text = operation in ("chat", "responses")
        started = end - span_s + i * step
        input_tokens = rng.randint(20, 6000)
        yield replace(
            template,
            id=f"{int(started * 1000):012x}{rng.getrandbits(32):08x}",
            started_at=iso_utc(started),
            upstream=upstream,
            provider=upstream,
            model=model,
            response_model=model,
            operation=operation,
            streamed=streamed,
            outcome=outcome,  # type: ignore[arg-type]
            status_code=200 if outcome == "ok" else 500,
            latency_ms=median * rng.lognormvariate(0, 0.5),
            ttft_ms=median * 0.3 * rng.lognormvariate(0, 0.4) if streamed else None,
            input_tokens=input_tokens,
            output_tokens=rng.randint(1, 1500) if text else None,
            cached_tokens=input_tokens // 2 if text and rng.random() < 0.3 else 0,
            cost_usd=rng.random() / 200 if priced and outcome == "ok" else None,
        )


# The unit whose latency the generated traffic slows, and the one whose snapshot it swaps.
SLOWED_UNIT = MIXED_MODELS[0]
SWAPPED_UNIT = MIXED_MODELS[4]
SWAPPED_TO = "claude-sonnet-4-5-20260301"


def bulk_insert_traffic(
    path: str,
    count: int,
    *,
    start: float,
    step_s: float,
    shift_from: float | None = None,
    slowdown: float = 1.3,
    swap_share: float = 0.1,
) -> None:
    """Insert ``count`` calls of :data:`MIXED_MODELS` traffic ``step_s`` apart, generated in SQLite.

    Everything drift reads is filled in: lognormal latencies, TTFT on streams,
    tokens, cost, response length, ~1% refusals, finish reasons (~4% ``length``),
    ~4% failures and dated response models. From ``shift_from`` on (epoch s),
    :data:`SLOWED_UNIT` is ``slowdown`` times slower and :data:`SWAPPED_UNIT`
    answers ``swap_share`` of its calls with :data:`SWAPPED_TO`. SQLite's
    ``random()`` takes no seed, so values differ between runs: for benchmarks.
    """
    units = " UNION ALL ".join(
        f"SELECT {k} AS k, ? AS upstream, ? AS model, ? AS operation, ? AS mu, ? AS priced"
        for k in range(len(MIXED_MODELS))
    )
    unit_params = [value for unit in MIXED_MODELS for value in unit]
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            f"""
            WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1),
            units AS ({units}),
            draws AS MATERIALIZED (
                SELECT i, ? + i * ? AS t, abs(random()) % {len(MIXED_MODELS)} AS k,
                       random() / 18446744073709551616.0 + 0.5 AS u1,
                       random() / 18446744073709551616.0 + 0.5 AS u2,
                       random() / 18446744073709551616.0 + 0.5 AS u3,
                       random() / 18446744073709551616.0 + 0.5 AS u4,
                       abs(random()) % 1000 AS pick
                FROM n
            ),
            calls_drawn AS MATERIALIZED (
                SELECT draws.*, units.*,
                       sqrt(-2 * ln(u1 + 1e-12)) * cos(2 * pi() * u2) AS z,
                       units.operation IN ('chat', 'responses') AS text,
                       CASE WHEN pick < 30 THEN 'error' WHEN pick < 40 THEN 'client_aborted'
                            ELSE 'ok' END AS outcome,
                       units.operation IN ('chat', 'responses') AND u3 < 0.5 AS streamed,
                       ? IS NOT NULL AND t >= ? AS shifted,
                       1 + abs(random()) % 1500 AS out_tokens
                FROM draws JOIN units USING (k)
            )
            INSERT INTO calls (id, started_at, upstream, provider, operation, endpoint, method, model,
                               response_model, streamed, status_code, outcome, finish_reason,
                               latency_ms, ttft_ms, input_tokens, output_tokens, cost_usd,
                               request_bytes, response_bytes, response_chars, refusal, empty_response)
            SELECT printf('t%08d', i),
                   strftime('%Y-%m-%dT%H:%M:%fZ', t, 'unixepoch'),
                   upstream, upstream, operation, '/v1/x', 'POST', model,
                   CASE WHEN shifted AND model = ? AND u4 < ? THEN ? ELSE model || '-2025' END,
                   streamed, CASE outcome WHEN 'error' THEN 500 ELSE 200 END, outcome,
                   CASE WHEN outcome != 'ok' OR NOT text THEN NULL
                        WHEN pick > 960 THEN 'length' ELSE 'stop' END,
                   mu * exp(0.5 * z) * CASE WHEN shifted AND model = ? THEN ? ELSE 1 END,
                   CASE WHEN streamed THEN mu * 0.3 * exp(0.4 * z) END,
                   20 + abs(random()) % 6000,
                   CASE WHEN text THEN out_tokens END,
                   CASE WHEN priced AND outcome = 'ok' THEN out_tokens * 2e-6 + u3 / 1000 END,
                   2048, 1024,
                   CASE WHEN text AND outcome = 'ok' THEN out_tokens * 4 END,
                   CASE WHEN text AND outcome = 'ok' THEN pick BETWEEN 40 AND 49 END,
                   CASE WHEN text AND outcome = 'ok' THEN pick = 50 END
            FROM calls_drawn
            """,
            [
                count,
                *unit_params,
                start,
                step_s,
                shift_from,
                shift_from,
                SWAPPED_UNIT[1],
                swap_share,
                SWAPPED_TO,
                SLOWED_UNIT[1],
                slowdown,
            ],
        )
    conn.close()


def make_alert(**overrides: Any) -> Alert:
    """An open, un-notified medium error-rate alert opened a minute before :data:`NOW`; override any field."""
    at = iso_utc(NOW - 60)
    alert = Alert(
        id=None,
        rule="error_rate",
        subject="openai · gpt-4o-mini · chat",
        severity="medium",
        status="open",
        opened_at=at,
        last_triggered_at=at,
        message="Error rate 40% (20 of 50 calls) over 15 min on openai · gpt-4o-mini · chat (threshold 25%)",
        value=40.0,
        threshold=25.0,
        upstream="openai",
        model="gpt-4o-mini",
        operation="chat",
    )
    return replace(alert, **overrides)


def make_hit(group_id: str = "aaaa00000001", **overrides: Any) -> GroupHit:
    """A failed call assigned to an error group (an OpenAI 429), as the recorder hands it to the store."""
    hit = GroupHit(
        group_id=group_id,
        fingerprint=group_id.ljust(64, "0"),
        title="429 rate_limit_exceeded · Rate limit reached for <model>",
        title_complete=True,
        provider="openai",
        failure="429",
        status_code=429,
        error_type="tokens",
        error_code="rate_limit_exceeded",
        rule=None,
        at=NOW - 60,
        upstream="openai",
        model="gpt-4o-mini",
        operation="chat",
    )
    return replace(hit, **overrides)


def unit_calls(
    count: int,
    *,
    start: float,
    step_s: float,
    seed: int = 1,
    slower: float = 1.0,
    swap_to: str | None = None,
    swap_share: float = 0.0,
    **overrides: Any,
) -> Iterator[CallRow]:
    """``count`` successful calls of one unit (:func:`make_row`'s, or ``overrides``), ``step_s`` apart.

    Latencies are lognormal (times ``slower``), output tokens and response
    lengths vary, ~1% are refusals; ``swap_share`` of them are answered by the
    response model ``swap_to``. Seeded: the same arguments give the same calls.
    """
    rng = random.Random(seed)
    template = make_row(**overrides)
    for i in range(count):
        tokens = rng.randint(1, 1500)
        swapped = swap_to is not None and rng.random() < swap_share
        yield replace(
            template,
            id=f"u{seed:03d}{i:07d}",
            started_at=iso_utc(start + i * step_s),
            latency_ms=rng.lognormvariate(6.5, 0.6) * slower,
            output_tokens=tokens,
            cost_usd=tokens * 6e-7,
            response_chars=tokens * 4,
            refusal=rng.random() < 0.01,
            empty_response=False,
            response_model=swap_to if swapped else template.response_model,
        )
