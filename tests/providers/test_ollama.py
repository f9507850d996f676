"""Ollama's native wire format: NDJSON streams for chat and generate, embeddings."""

from __future__ import annotations

import pytest

from lookout.core.models import ParsedCall, ProviderError, Usage
from tests.providers import payloads as p
from tests.providers.sample import JSON, Sample, expected, parse, parse_unguarded

CASES = [
    (
        p.OLLAMA_CHAT_STREAM,
        expected(
            p.OLLAMA_CHAT_STREAM,
            provider="ollama",
            operation="chat",
            model="llama3.2",
            response_model="llama3.2",
            streamed=True,
            usage=Usage(input_tokens=26, output_tokens=282),
            finish_reason="stop",
        ),
    ),
    (
        p.OLLAMA_CHAT,
        expected(
            p.OLLAMA_CHAT,
            provider="ollama",
            operation="chat",
            model="qwen3",
            response_model="qwen3",
            usage=Usage(input_tokens=26, output_tokens=298),
            finish_reason="stop",
        ),
    ),
    (
        p.OLLAMA_GENERATE_STREAM,
        expected(
            p.OLLAMA_GENERATE_STREAM,
            provider="ollama",
            operation="completion",
            model="gemma3",
            response_model="gemma3",
            streamed=True,
            usage=Usage(input_tokens=15, output_tokens=128),
            finish_reason="length",
        ),
    ),
    (
        p.OLLAMA_TOOL_STREAM,
        expected(
            p.OLLAMA_TOOL_STREAM,
            provider="ollama",
            operation="chat",
            model="llama3.1",
            response_model="llama3.1",
            streamed=True,
            usage=Usage(input_tokens=90, output_tokens=22),
            finish_reason="stop",
        ),
    ),
    (
        p.OLLAMA_STREAM_ERROR,
        expected(
            p.OLLAMA_STREAM_ERROR,
            provider="ollama",
            operation="completion",
            model="gemma3",
            response_model="gemma3",
            streamed=True,
            error=ProviderError(message="an error was encountered while running the model"),
        ),
    ),
    (
        p.OLLAMA_EMBED,
        expected(
            p.OLLAMA_EMBED,
            provider="ollama",
            operation="embeddings",
            model="all-minilm",
            response_model="all-minilm",
            usage=Usage(input_tokens=8),
        ),
    ),
    (
        p.OLLAMA_LEGACY_EMBEDDINGS,
        expected(
            p.OLLAMA_LEGACY_EMBEDDINGS,
            provider="ollama",
            operation="embeddings",
            model="all-minilm",
        ),
    ),
]


@pytest.mark.parametrize(("sample", "want"), CASES, ids=[case[0].name for case in CASES])
def test_ollama_exchanges(sample: Sample, want: ParsedCall) -> None:
    assert parse(sample) == want


def test_first_content_ends_with_the_first_non_empty_line() -> None:
    sample = p.OLLAMA_CHAT_STREAM
    offset = parse(sample).first_content_offset
    assert offset is not None
    assert sample.body[:offset].endswith(b'"content":"The"},"done":false}\n')


def test_stream_without_final_line_has_no_usage() -> None:
    sample = p.OLLAMA_CHAT_STREAM
    call = parse(sample, b"".join(sample.parts[:3]))
    assert call.usage == Usage()
    assert call.finish_reason is None


def test_last_line_without_newline_is_read() -> None:
    sample = p.OLLAMA_CHAT_STREAM
    call = parse(sample, sample.body.rstrip(b"\n"))
    assert call.usage == Usage(input_tokens=26, output_tokens=282)


def test_streams_by_default_even_without_an_ndjson_content_type() -> None:
    sample = p.OLLAMA_GENERATE_STREAM
    call = parse_unguarded(
        method="POST",
        path=sample.path,
        request_body=sample.request,
        status_code=200,
        response_content_type=None,
        response_body=sample.body,
    )
    assert call.streamed
    assert call.usage == Usage(input_tokens=15, output_tokens=128)


def test_generate_not_streamed_when_the_request_says_so() -> None:
    body = (
        b'{"model":"gemma3","created_at":"2025-10-26T17:15:24Z","response":"Because.",'
        b'"done":true,"done_reason":"stop","prompt_eval_count":15,"eval_count":3}'
    )
    call = parse_unguarded(
        method="POST",
        path="/api/generate",
        request_body=b'{"model":"gemma3","prompt":"Why?","stream":false}',
        status_code=200,
        response_content_type=JSON,
        response_body=body,
    )
    assert not call.streamed
    assert call.first_content_offset is None
    assert call.usage == Usage(input_tokens=15, output_tokens=3)
