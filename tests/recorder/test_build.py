"""From captured exchange to stored row: decoding, TTFT, outcome, cost."""

from __future__ import annotations

import gzip
import json

from lookout.analysis.cost import PriceTable
from lookout.core.models import CallRow, Exchange
from lookout.recorder.build import RowBuilder

REQUEST = json.dumps({"model": "gpt-4o-mini", "stream": True, "messages": []}).encode()
EVENTS = [
    b'data: {"id":"c1","model":"gpt-4o-mini-2024-07-18",'
    b'"choices":[{"index":0,"delta":{"role":"assistant"}}]}\n\n',
    b'data: {"id":"c1","model":"gpt-4o-mini-2024-07-18",'
    b'"choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\n',
    b'data: {"id":"c1","model":"gpt-4o-mini-2024-07-18",'
    b'"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n',
    b'data: {"id":"c1","model":"gpt-4o-mini-2024-07-18","choices":[],'
    b'"usage":{"prompt_tokens":1000,"completion_tokens":500,"total_tokens":1500}}\n\n',
    b"data: [DONE]\n\n",
]


def exchange(upstream: str = "openai", **changes: object) -> Exchange:
    body = b"".join(EVENTS)
    marks, total = [], 0
    for index, event in enumerate(EVENTS):
        total += len(event)
        marks.append((total, 100.0 * (index + 1)))
    base = Exchange(
        id="0" * 32, started_at=1_764_000_000.0, upstream=upstream, method="POST",
        path="/v1/chat/completions", request_body=REQUEST, request_bytes=len(REQUEST), status_code=200,
        response_content_type="text/event-stream", response_body=body, response_bytes=len(body),
        chunk_marks=marks, latency_ms=600.0,
    )  # fmt: skip
    for key, value in changes.items():
        setattr(base, key, value)
    return base


def build_row(ex: Exchange) -> CallRow:
    return builder().build(ex).row


def builder() -> RowBuilder:
    return RowBuilder(PriceTable.load({}), capture_limit=1 << 20, payloads=None)


def test_stream_row_has_model_tokens_cost_and_ttft_at_first_content() -> None:
    row = build_row(exchange())
    assert (row.model, row.response_model, row.streamed) == ("gpt-4o-mini", "gpt-4o-mini-2024-07-18", True)
    assert (row.input_tokens, row.output_tokens, row.finish_reason) == (1000, 500, "stop")
    assert row.ttft_ms == 200.0  # the role-only first chunk does not count as content
    assert row.cost_usd is not None and row.cost_usd > 0 and row.price_version
    assert row.outcome == "ok" and row.started_at == "2025-11-24T16:00:00.000Z"


def test_gzip_stream_maps_ttft_through_decoding() -> None:
    packed = gzip.compress(b"".join(EVENTS))
    half = len(packed) // 2
    row = build_row(
        exchange(
            response_body=packed, response_encoding="gzip", chunk_marks=[(half, 50.0), (len(packed), 90.0)]
        )
    )
    assert row.output_tokens == 500 and row.ttft_ms in (50.0, 90.0)


def test_in_stream_error_and_http_errors_become_error_outcomes() -> None:
    body = EVENTS[1] + b'data: {"error":{"message":"overloaded","type":"server_error","code":null}}\n\n'
    row = build_row(exchange(response_body=body, chunk_marks=[(len(body), 5.0)]))
    assert row.outcome == "error" and row.error_type == "server_error"
    assert build_row(exchange(status_code=500, response_body=b"oops")).outcome == "error"


def test_network_failures_keep_their_outcome_and_get_a_code() -> None:
    row = build_row(
        exchange(status_code=None, response_body=b"", chunk_marks=[], outcome="upstream_unreachable",
                 network_error="cannot connect")
    )  # fmt: skip
    assert (row.outcome, row.error_type, row.error_code) == (
        "upstream_unreachable",
        "network",
        "upstream_unreachable",
    )
    assert row.input_tokens is None and row.cost_usd is None  # unknown, never 0


def test_local_upstreams_are_unpriced_unless_the_user_prices_them() -> None:
    assert build_row(exchange(upstream="vllm")).cost_usd is None
    priced = RowBuilder(
        PriceTable.load({"gpt-4o-mini": {"input": 1.0, "output": 1.0}}), capture_limit=1 << 20, payloads=None
    )
    assert priced.build(exchange(upstream="vllm")).row.cost_usd == 1500 / 1e6
