"""The OpenAI wire format: chat, legacy completions, Responses, embeddings and images."""

from __future__ import annotations

import pytest

from lookout.core.models import ParsedCall, ProviderError, Usage
from tests.providers import payloads as p
from tests.providers.sample import Sample, data, expected, parse, parse_unguarded

CASES = [
    (
        p.OPENAI_CHAT,
        expected(
            p.OPENAI_CHAT,
            provider="openai",
            operation="chat",
            model="gpt-4o-mini",
            response_model="gpt-4o-mini-2024-07-18",
            usage=Usage(input_tokens=9, output_tokens=3, cached_tokens=0, reasoning_tokens=0),
            finish_reason="stop",
        ),
    ),
    (
        p.OPENAI_REASONING_CHAT,
        expected(
            p.OPENAI_REASONING_CHAT,
            provider="openai",
            operation="chat",
            model="o4-mini",
            response_model="o4-mini-2025-04-16",
            usage=Usage(
                input_tokens=2048,
                output_tokens=900,
                cached_tokens=1920,
                cache_write_tokens=64,
                reasoning_tokens=640,
            ),
            finish_reason="length",
        ),
    ),
    (
        p.OPENAI_CHAT_STREAM,
        expected(
            p.OPENAI_CHAT_STREAM,
            provider="openai",
            operation="chat",
            model="gpt-4o-mini",
            response_model="gpt-4o-mini-2024-07-18",
            streamed=True,
            usage=Usage(input_tokens=11, output_tokens=3, cached_tokens=0, reasoning_tokens=0),
            finish_reason="stop",
        ),
    ),
    (
        p.OPENAI_CHAT_STREAM_NO_USAGE,
        expected(
            p.OPENAI_CHAT_STREAM_NO_USAGE,
            provider="openai",
            operation="chat",
            model="gpt-4o-mini",
            response_model="gpt-4o-mini-2024-07-18",
            streamed=True,
            finish_reason="stop",
        ),
    ),
    (
        p.OPENAI_TOOL_STREAM,
        expected(
            p.OPENAI_TOOL_STREAM,
            provider="openai",
            operation="chat",
            model="gpt-4.1",
            response_model="gpt-4.1-2025-04-14",
            streamed=True,
            finish_reason="tool_calls",
        ),
    ),
    (
        p.OPENROUTER_STREAM,
        expected(
            p.OPENROUTER_STREAM,
            provider="openai",
            operation="chat",
            model="deepseek/deepseek-r1",
            response_model="deepseek/deepseek-r1",
            streamed=True,
            usage=Usage(input_tokens=12, output_tokens=30, reasoning_tokens=28),
            finish_reason="stop",
        ),
    ),
    (
        p.GROQ_STREAM,
        expected(
            p.GROQ_STREAM,
            provider="openai",
            operation="chat",
            model="llama-3.3-70b-versatile",
            response_model="llama-3.3-70b-versatile",
            streamed=True,
            usage=Usage(input_tokens=40, output_tokens=2),
            finish_reason="stop",
        ),
    ),
    (
        p.OPENAI_STREAM_ERROR,
        expected(
            p.OPENAI_STREAM_ERROR,
            provider="openai",
            operation="chat",
            model="gpt-4o",
            response_model="gpt-4o-2024-08-06",
            streamed=True,
            error=ProviderError(
                type="server_error",
                message="The server had an error while processing your request.",
            ),
        ),
    ),
    (
        p.OPENAI_LEGACY_COMPLETION_STREAM,
        expected(
            p.OPENAI_LEGACY_COMPLETION_STREAM,
            provider="openai",
            operation="completion",
            model="gpt-3.5-turbo-instruct",
            response_model="gpt-3.5-turbo-instruct",
            streamed=True,
            finish_reason="length",
        ),
    ),
    (
        p.OPENAI_RESPONSES,
        expected(
            p.OPENAI_RESPONSES,
            provider="openai",
            operation="responses",
            model="gpt-4.1",
            response_model="gpt-4.1-2025-04-14",
            usage=Usage(input_tokens=36, output_tokens=87, cached_tokens=0, reasoning_tokens=0),
            finish_reason="completed",
        ),
    ),
    (
        p.OPENAI_RESPONSES_INCOMPLETE,
        expected(
            p.OPENAI_RESPONSES_INCOMPLETE,
            provider="openai",
            operation="responses",
            model="o3",
            response_model="o3-2025-04-16",
            usage=Usage(input_tokens=1200, output_tokens=64, cached_tokens=1024, reasoning_tokens=64),
            finish_reason="max_output_tokens",
        ),
    ),
    (
        p.OPENAI_RESPONSES_STREAM,
        expected(
            p.OPENAI_RESPONSES_STREAM,
            provider="openai",
            operation="responses",
            model="gpt-4.1",
            response_model="gpt-4.1-2025-04-14",
            streamed=True,
            usage=Usage(input_tokens=12, output_tokens=4, cached_tokens=0, reasoning_tokens=0),
            finish_reason="completed",
        ),
    ),
    (
        p.OPENAI_RESPONSES_TOOL_STREAM,
        expected(
            p.OPENAI_RESPONSES_TOOL_STREAM,
            provider="openai",
            operation="responses",
            model="gpt-4.1",
            response_model="gpt-4.1-2025-04-14",
            streamed=True,
        ),
    ),
    (
        p.OPENAI_RESPONSES_FAILED_STREAM,
        expected(
            p.OPENAI_RESPONSES_FAILED_STREAM,
            provider="openai",
            operation="responses",
            model="gpt-4.1",
            response_model="gpt-4.1-2025-04-14",
            streamed=True,
            finish_reason="failed",
            error=ProviderError(code="server_error", message="The model failed to respond."),
        ),
    ),
    (
        p.OPENAI_RESPONSES_ERROR_EVENT,
        expected(
            p.OPENAI_RESPONSES_ERROR_EVENT,
            provider="openai",
            operation="responses",
            model="gpt-4.1",
            streamed=True,
            error=ProviderError(code="rate_limit_exceeded", message="Slow down."),
        ),
    ),
    (
        p.OPENAI_RESPONSES_INCOMPLETE_STREAM,
        expected(
            p.OPENAI_RESPONSES_INCOMPLETE_STREAM,
            provider="openai",
            operation="responses",
            model="gpt-4.1",
            response_model="gpt-4.1-2025-04-14",
            streamed=True,
            finish_reason="max_output_tokens",
        ),
    ),
    (
        p.OPENAI_EMBEDDINGS,
        expected(
            p.OPENAI_EMBEDDINGS,
            provider="openai",
            operation="embeddings",
            model="text-embedding-3-small",
            response_model="text-embedding-3-small",
            usage=Usage(input_tokens=2),
        ),
    ),
    (
        p.OPENAI_IMAGE,
        expected(
            p.OPENAI_IMAGE,
            provider="openai",
            operation="image",
            model="gpt-image-1",
            usage=Usage(input_tokens=50, output_tokens=1056),
        ),
    ),
    (
        p.OPENAI_IMAGE_STREAM,
        expected(
            p.OPENAI_IMAGE_STREAM,
            provider="openai",
            operation="image",
            model="gpt-image-1",
            streamed=True,
            usage=Usage(input_tokens=50, output_tokens=1056),
        ),
    ),
    (
        p.OPENAI_IMAGE_EDIT,
        expected(
            p.OPENAI_IMAGE_EDIT,
            provider="openai",
            operation="image",
            model="gpt-image-1",
            usage=Usage(input_tokens=323, output_tokens=4160),
        ),
    ),
]


@pytest.mark.parametrize(("sample", "want"), CASES, ids=[case[0].name for case in CASES])
def test_openai_exchanges(sample: Sample, want: ParsedCall) -> None:
    assert parse(sample) == want


def test_chat_stream_first_content_skips_the_role_only_chunk() -> None:
    sample = p.OPENAI_CHAT_STREAM
    offset = parse(sample).first_content_offset
    assert offset is not None
    head = sample.body[:offset]
    assert head.endswith(
        b'"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}],"usage":null}\n\n'
    )
    assert head.count(b"data: ") == 2


def test_responses_stream_first_content_is_the_first_text_delta() -> None:
    sample = p.OPENAI_RESPONSES_STREAM
    offset = parse(sample).first_content_offset
    assert offset is not None
    head = sample.body[:offset]
    assert head.endswith(b'"delta":"Quiet","logprobs":[]}\n\n')
    assert b"response.output_text.delta" not in head[: -len(sample.parts[4])]


def test_stream_detected_from_its_bytes_when_content_type_is_missing() -> None:
    sample = p.OPENAI_CHAT_STREAM
    call = parse_unguarded(
        method="POST",
        path=sample.path,
        request_body=b"",
        status_code=200,
        response_content_type=None,
        response_body=sample.body,
    )
    assert call.streamed
    assert call.model is None
    assert call.usage.input_tokens == 11
    assert call.first_content_offset == sample.first_content_end


def test_stream_split_across_capture_chunks_gives_the_same_result() -> None:
    # The proxy concatenates chunks before parsing; an event split mid-line must not matter.
    sample = p.OPENAI_CHAT_STREAM
    rejoined = b"".join(sample.body[i : i + 7] for i in range(0, len(sample.body), 7))
    assert parse(sample, rejoined) == parse(sample)


def test_empty_delta_content_is_not_content() -> None:
    body = data(
        b'{"id":"x","object":"chat.completion.chunk","model":"m","choices":[{"index":0,'
        b'"delta":{"content":"","tool_calls":[]},"finish_reason":null}]}'
    )
    assert parse(p.OPENAI_CHAT_STREAM, body).first_content_offset is None


def test_deepseek_cache_hit_tokens_count_as_cached() -> None:
    body = (
        b'{"id":"1","object":"chat.completion","model":"deepseek-chat","choices":[],"usage":'
        b'{"prompt_tokens":100,"completion_tokens":5,"total_tokens":105,'
        b'"prompt_cache_hit_tokens":64,"prompt_cache_miss_tokens":36}}'
    )
    assert parse(p.OPENAI_CHAT, body).usage == Usage(input_tokens=100, output_tokens=5, cached_tokens=64)


def test_openrouter_error_in_a_200_body() -> None:
    body = b'{"error":{"code":502,"message":"Provider returned error","metadata":{}}}'
    assert parse(p.OPENAI_CHAT, body).error == ProviderError(code="502", message="Provider returned error")


def test_responses_failed_without_error_details_still_fails() -> None:
    body = b'{"id":"r","object":"response","model":"gpt-4.1","status":"failed","error":null}'
    call = parse(p.OPENAI_RESPONSES, body)
    assert call.error == ProviderError()
    assert call.finish_reason == "failed"


def test_responses_stream_cut_before_completion_has_no_finish_reason() -> None:
    sample = p.OPENAI_RESPONSES_STREAM
    call = parse(sample, b"".join(sample.parts[:5]))
    assert call.finish_reason is None
    assert call.usage == Usage()
    assert call.first_content_offset == sample.first_content_end
