"""The Anthropic Messages wire format, plain and streamed."""

from __future__ import annotations

import pytest

from lookout.core.models import ParsedCall, ProviderError, Usage
from tests.providers import payloads as p
from tests.providers.sample import Sample, event, expected, parse

CASES = [
    (
        p.ANTHROPIC_MESSAGE,
        expected(
            p.ANTHROPIC_MESSAGE,
            provider="anthropic",
            operation="chat",
            model="claude-sonnet-4-5",
            response_model="claude-sonnet-4-5-20250929",
            usage=Usage(input_tokens=2112, output_tokens=9, cached_tokens=2000, cache_write_tokens=100),
            finish_reason="end_turn",
        ),
    ),
    (
        p.ANTHROPIC_STREAM,
        expected(
            p.ANTHROPIC_STREAM,
            provider="anthropic",
            operation="chat",
            model="claude-sonnet-4-5",
            response_model="claude-sonnet-4-5-20250929",
            streamed=True,
            usage=Usage(input_tokens=1525, output_tokens=15, cached_tokens=1500, cache_write_tokens=0),
            finish_reason="end_turn",
        ),
    ),
    (
        p.ANTHROPIC_TOOL_STREAM,
        expected(
            p.ANTHROPIC_TOOL_STREAM,
            provider="anthropic",
            operation="chat",
            model="claude-opus-4-1",
            response_model="claude-sonnet-4-5-20250929",
            streamed=True,
            usage=Usage(input_tokens=1525, output_tokens=89, cached_tokens=1500, cache_write_tokens=0),
            finish_reason="tool_use",
        ),
    ),
    (
        p.ANTHROPIC_THINKING_STREAM,
        expected(
            p.ANTHROPIC_THINKING_STREAM,
            provider="anthropic",
            operation="chat",
            model="claude-sonnet-4-5",
            response_model="claude-sonnet-4-5-20250929",
            streamed=True,
            usage=Usage(
                input_tokens=1525,
                output_tokens=420,
                cached_tokens=1500,
                cache_write_tokens=0,
                reasoning_tokens=380,
            ),
            finish_reason="end_turn",
        ),
    ),
    (
        p.ANTHROPIC_STREAM_ERROR,
        expected(
            p.ANTHROPIC_STREAM_ERROR,
            provider="anthropic",
            operation="chat",
            model="claude-sonnet-4-5",
            response_model="claude-sonnet-4-5-20250929",
            streamed=True,
            usage=Usage(input_tokens=1525, output_tokens=1, cached_tokens=1500, cache_write_tokens=0),
            error=ProviderError(type="overloaded_error", message="Overloaded"),
        ),
    ),
    (
        p.ANTHROPIC_COUNT_TOKENS,
        expected(
            p.ANTHROPIC_COUNT_TOKENS,
            provider="anthropic",
            operation="count_tokens",
            model="claude-sonnet-4-5",
        ),
    ),
]


@pytest.mark.parametrize(("sample", "want"), CASES, ids=[case[0].name for case in CASES])
def test_anthropic_exchanges(sample: Sample, want: ParsedCall) -> None:
    assert parse(sample) == want


def test_first_content_is_the_first_text_delta_not_the_block_start_or_ping() -> None:
    sample = p.ANTHROPIC_STREAM
    offset = parse(sample).first_content_offset
    assert offset is not None
    assert sample.body[:offset].endswith(
        b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,'
        b'"delta":{"type":"text_delta","text":"Hello"}}\n\n'
    )


def test_tool_use_block_start_is_content() -> None:
    sample = p.ANTHROPIC_TOOL_STREAM
    offset = parse(sample).first_content_offset
    assert offset is not None
    assert sample.body[:offset].endswith(b'"name":"get_weather","input":{}}}\n\n')


def test_message_delta_usage_overrides_message_start_field_by_field() -> None:
    # The final counts replace the early ones; fields absent from message_delta survive.
    body = event(b"message_start", p.MESSAGE_START) + event(
        b"message_delta",
        b'{"type":"message_delta","delta":{"stop_reason":"max_tokens"},'
        b'"usage":{"output_tokens":256,"cache_read_input_tokens":1600}}',
    )
    call = parse(p.ANTHROPIC_STREAM, body)
    assert call.usage == Usage(input_tokens=1625, output_tokens=256, cached_tokens=1600, cache_write_tokens=0)
    assert call.finish_reason == "max_tokens"
    assert call.first_content_offset is None


def test_stream_cut_after_message_start_keeps_prompt_usage() -> None:
    sample = p.ANTHROPIC_STREAM
    call = parse(sample, b"".join(sample.parts[:3]))
    assert call.usage == Usage(input_tokens=1525, output_tokens=1, cached_tokens=1500, cache_write_tokens=0)
    assert call.finish_reason is None
    assert call.first_content_offset is None


def test_error_event_with_plain_text_data() -> None:
    body = b"event: error\ndata: upstream connect error\n\n"
    assert parse(p.ANTHROPIC_STREAM, body).error == ProviderError(message="upstream connect error")


def test_usage_without_input_tokens_is_unknown_input() -> None:
    body = b'{"type":"message","model":"claude-x","usage":{"cache_read_input_tokens":5}}'
    assert parse(p.ANTHROPIC_MESSAGE, body).usage == Usage(cached_tokens=5)


def test_empty_text_deltas_are_not_content() -> None:
    body = event(
        b"content_block_delta",
        b'{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":""}}',
    )
    assert parse(p.ANTHROPIC_STREAM, body).first_content_offset is None


def test_stream_with_crlf_line_endings() -> None:
    sample = p.ANTHROPIC_STREAM
    crlf = sample.body.replace(b"\n", b"\r\n")
    call = parse(sample, crlf)
    assert call.usage == parse(sample).usage
    assert call.first_content_offset is not None
    assert crlf[: call.first_content_offset].endswith(b'"text":"Hello"}}\r\n\r\n')
