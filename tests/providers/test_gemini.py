"""The Gemini wire format: generate, stream as SSE or JSON array, embed, count tokens."""

from __future__ import annotations

import pytest

from lookout.core.models import ParsedCall, ProviderError, Usage
from tests.providers import payloads as p
from tests.providers.sample import JSON, Sample, data, expected, parse, parse_unguarded

CASES = [
    (
        p.GEMINI_GENERATE,
        expected(
            p.GEMINI_GENERATE,
            provider="gemini",
            operation="chat",
            model="gemini-2.5-flash",
            response_model="gemini-2.5-flash",
            usage=Usage(input_tokens=8, output_tokens=25, cached_tokens=4, reasoning_tokens=20),
            finish_reason="STOP",
        ),
    ),
    (
        p.GEMINI_STREAM_SSE,
        expected(
            p.GEMINI_STREAM_SSE,
            provider="gemini",
            operation="chat",
            model="gemini-2.0-flash",
            response_model="gemini-2.0-flash",
            streamed=True,
            usage=Usage(input_tokens=8, output_tokens=6),
            finish_reason="STOP",
        ),
    ),
    (
        p.GEMINI_STREAM_ARRAY,
        expected(
            p.GEMINI_STREAM_ARRAY,
            provider="gemini",
            operation="chat",
            model="gemini-2.0-flash",
            response_model="gemini-2.0-flash",
            streamed=True,
            usage=Usage(input_tokens=30, output_tokens=7),
            finish_reason="STOP",
        ),
    ),
    (
        p.GEMINI_BLOCKED,
        expected(
            p.GEMINI_BLOCKED,
            provider="gemini",
            operation="chat",
            model="gemini-2.5-pro",
            response_model="gemini-2.5-pro",
            usage=Usage(input_tokens=12, output_tokens=0),
            finish_reason="PROHIBITED_CONTENT",
        ),
    ),
    (
        p.GEMINI_EMBED,
        expected(p.GEMINI_EMBED, provider="gemini", operation="embeddings", model="gemini-embedding-001"),
    ),
    (
        p.GEMINI_BATCH_EMBED,
        expected(
            p.GEMINI_BATCH_EMBED,
            provider="gemini",
            operation="embeddings",
            model="text-embedding-004",
        ),
    ),
    (
        p.GEMINI_COUNT_TOKENS,
        expected(
            p.GEMINI_COUNT_TOKENS,
            provider="gemini",
            operation="count_tokens",
            model="gemini-2.0-flash",
        ),
    ),
]


@pytest.mark.parametrize(("sample", "want"), CASES, ids=[case[0].name for case in CASES])
def test_gemini_exchanges(sample: Sample, want: ParsedCall) -> None:
    assert parse(sample) == want


def test_sse_first_content_ends_at_the_crlf_blank_line() -> None:
    sample = p.GEMINI_STREAM_SSE
    offset = parse(sample).first_content_offset
    assert offset == len(sample.parts[0])
    assert sample.body[:offset].endswith(b'"responseId": "Xw9oaJ"}\r\n\r\n')


def test_array_first_content_ends_at_the_closing_brace_of_its_element() -> None:
    sample = p.GEMINI_STREAM_ARRAY
    offset = parse(sample).first_content_offset
    assert offset is not None
    # The element before it only held an empty thought, so it does not count.
    assert sample.body[:offset].endswith(b'"modelVersion": "gemini-2.0-flash"\n}')
    assert sample.body[offset:] == b"\n]"


@pytest.mark.parametrize(
    "path",
    [
        "/v1beta/models/gemini-2.0-flash:generateContent",
        "/v1/models/gemini-2.0-flash:generateContent",
        "/v1/projects/p1/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent",
    ],
)
def test_model_comes_from_the_path(path: str) -> None:
    call = parse_unguarded(
        method="POST",
        path=path,
        request_body=b"{}",
        status_code=200,
        response_content_type=JSON,
        response_body=b"{}",
    )
    assert (call.provider, call.operation, call.model) == ("gemini", "chat", "gemini-2.0-flash")


def test_tuned_model_path() -> None:
    call = parse(p.GEMINI_GENERATE)
    tuned = Sample(
        name="tuned",
        path="/v1beta/tunedModels/my-tuned-42:generateContent",
        request=b"{}",
        parts=p.GEMINI_GENERATE.parts,
    )
    assert parse(tuned).model == "my-tuned-42"
    assert parse(tuned).usage == call.usage


def test_streamed_usage_takes_the_latest_count_of_each_field() -> None:
    body = data(
        b'{"candidates":[{"content":{"parts":[{"text":"a"}]}}],"usageMetadata":'
        b'{"promptTokenCount":10,"cachedContentTokenCount":6,"totalTokenCount":10}}'
    ) + data(
        b'{"candidates":[{"content":{"parts":[{"text":"b"}]},"finishReason":"MAX_TOKENS"}],'
        b'"usageMetadata":{"promptTokenCount":10,"candidatesTokenCount":4,"thoughtsTokenCount":3,'
        b'"toolUsePromptTokenCount":2,"totalTokenCount":19}}'
    )
    call = parse(p.GEMINI_STREAM_SSE, body)
    assert call.usage == Usage(input_tokens=12, output_tokens=7, cached_tokens=6, reasoning_tokens=3)
    assert call.finish_reason == "MAX_TOKENS"


def test_error_inside_an_sse_stream() -> None:
    body = p.GEMINI_STREAM_SSE.parts[0] + data(
        b'{"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}}'
    )
    call = parse(p.GEMINI_STREAM_SSE, body)
    assert call.error == ProviderError(type="UNAVAILABLE", code="503", message="The model is overloaded.")
    assert call.first_content_offset == len(p.GEMINI_STREAM_SSE.parts[0])


def test_inline_image_part_is_content() -> None:
    body = b'[{"candidates":[{"content":{"parts":[{"inlineData":{"mimeType":"image/png","data":"iVBO"}}]}}]}]'
    assert parse(p.GEMINI_STREAM_ARRAY, body).first_content_offset == len(body) - 1


def test_unknown_method_is_still_gemini() -> None:
    call = parse_unguarded(
        method="POST",
        path="/v1beta/models/gemini-2.0-flash:batchGenerateContent",
        request_body=b"{}",
        status_code=200,
        response_content_type=JSON,
        response_body=b'{"name":"batches/123"}',
    )
    assert (call.provider, call.operation, call.model) == ("gemini", None, "gemini-2.0-flash")


def test_stream_cut_mid_way_has_no_output_count() -> None:
    # Mid-stream chunks report a total equal to the prompt: that is not zero output.
    sample = p.GEMINI_STREAM_SSE
    call = parse(sample, b"".join(sample.parts[:2]))
    assert call.usage == Usage(input_tokens=8)
    assert call.finish_reason is None
    assert call.first_content_offset == len(sample.parts[0])
