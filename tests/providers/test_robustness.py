"""The parsers never raise and degrade gracefully: truncations, garbage, hostile values.

Also checks time-to-first-token offsets for every captured stream, since a wrong
offset silently corrupts every TTFT figure Lookout shows.
"""

from __future__ import annotations

import random

import pytest

import lookout.providers
from lookout.core.models import ParsedCall, Usage
from lookout.providers import parse_exchange
from tests.providers import payloads as p
from tests.providers.sample import JSON, NDJSON, SSE, Sample, parse, parse_unguarded

PATHS = sorted({sample.path for sample in p.ALL} | {"/v2/unknown", "/api/chat"})
CONTENT_TYPES = [SSE, JSON, NDJSON, "text/html", None, "text/event-stream;charset=utf-8"]


def check_sane(call: ParsedCall, body: bytes) -> None:
    """Invariants that hold for any parse, whatever the input."""
    offset = call.first_content_offset
    assert offset is None or 0 < offset <= len(body)
    assert offset is None or call.streamed
    for text in (call.model, call.response_model, call.finish_reason):
        assert text is None or (isinstance(text, str) and text)
    for count in (
        call.usage.input_tokens,
        call.usage.output_tokens,
        call.usage.cached_tokens,
        call.usage.cache_write_tokens,
        call.usage.reasoning_tokens,
    ):
        assert count is None or (type(count) is int and count >= 0)


@pytest.mark.parametrize("sample", p.STREAMS, ids=lambda sample: sample.name)
def test_first_content_offset_ends_exactly_at_the_first_content_part(sample: Sample) -> None:
    call = parse(sample)
    assert call.streamed
    assert call.first_content_offset == sample.first_content_end
    if sample.first_content is not None:
        end = sample.first_content_end
        assert sample.body[:end].endswith(sample.parts[sample.first_content])


@pytest.mark.parametrize("sample", p.PLAIN + p.HTTP_ERRORS, ids=lambda sample: sample.name)
def test_plain_responses_have_no_first_content_offset(sample: Sample) -> None:
    assert parse(sample).first_content_offset is None


@pytest.mark.parametrize("sample", p.ALL, ids=lambda sample: sample.name)
def test_every_truncation_parses(sample: Sample) -> None:
    whole = parse(sample)
    first_end = sample.first_content_end
    for cut in range(len(sample.body) + 1):
        prefix = sample.body[:cut]
        call = parse(sample, prefix)
        check_sane(call, prefix)
        assert (call.provider, call.operation, call.model) == (
            whole.provider,
            whole.operation,
            whole.model,
        )
        if first_end is not None and cut >= first_end:
            assert call.first_content_offset == first_end
        else:
            # Only an event whose data happens to be complete at the cut can count.
            assert call.first_content_offset in (None, cut)


@pytest.mark.parametrize("sample", p.ALL, ids=lambda sample: sample.name)
def test_every_truncated_request_parses(sample: Sample) -> None:
    for cut in range(0, len(sample.request) + 1, 3):
        call = parse_unguarded(
            method="POST",
            path=sample.path,
            request_body=sample.request[:cut],
            status_code=sample.status,
            response_content_type=sample.content_type,
            response_body=sample.body,
        )
        check_sane(call, sample.body)


def test_random_bytes_never_raise() -> None:
    rng = random.Random(20251128)
    alphabet = b'{}[]":,\n\r data:event: \\u00e9\xff\xc3' + bytes(range(32, 127))
    for _ in range(3000):
        size = rng.randrange(0, 300)
        body = bytes(rng.choice(alphabet) for _ in range(size))
        request = rng.choice([b"", b"{}", b'{"model":"m","stream":true}', body])
        call = parse_unguarded(
            method=rng.choice(["POST", "GET", "post"]),
            path=rng.choice(PATHS),
            request_body=request,
            status_code=rng.choice([None, 200, 400, 500]),
            response_content_type=rng.choice(CONTENT_TYPES),
            response_body=body,
        )
        check_sane(call, body)


@pytest.mark.parametrize("sample", p.ALL, ids=lambda sample: sample.name)
def test_corrupted_fixtures_never_raise(sample: Sample) -> None:
    rng = random.Random(sample.name)
    body = bytearray(sample.body)
    for _ in range(200):
        mutated = bytearray(body)
        for _ in range(rng.randrange(1, 6)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        check_sane(parse(sample, bytes(mutated)), bytes(mutated))


@pytest.mark.parametrize("sample", p.ALL, ids=lambda sample: sample.name)
def test_fixtures_under_every_content_type(sample: Sample) -> None:
    for content_type in CONTENT_TYPES:
        call = parse_unguarded(
            method="POST",
            path=sample.path,
            request_body=sample.request,
            status_code=sample.status,
            response_content_type=content_type,
            response_body=sample.body,
        )
        check_sane(call, sample.body)


HOSTILE_VALUES = [
    b"1e999",
    b"-5",
    b"true",
    b'"12"',
    b"3.5",
    b"12.0",
    b"null",
    b"[1]",
    b"{}",
    b"9" * 5000,
    b"NaN",
    b"-Infinity",
]


@pytest.mark.parametrize("value", HOSTILE_VALUES, ids=lambda value: value[:12].decode())
@pytest.mark.parametrize("sample", p.ALL, ids=lambda sample: sample.name)
def test_hostile_json_values_in_every_field(sample: Sample, value: bytes) -> None:
    # Swap every JSON value after a colon for the hostile one, one field at a time.
    body = sample.body
    start = 0
    while (colon := body.find(b":", start)) != -1:
        end = colon + 1
        while end < len(body) and body[end : end + 1] not in b",}]\n":
            end += 1
        hostile = body[: colon + 1] + value + body[end:]
        check_sane(parse(sample, hostile), hostile)
        start = colon + 1


def test_integral_floats_are_accepted_as_counts_and_others_are_unknown() -> None:
    body = b'{"model":"m","usage":{"prompt_tokens":12.0,"completion_tokens":1e999}}'
    assert parse(p.OPENAI_CHAT, body).usage == Usage(input_tokens=12)


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 200_000,
        b"data: " + b"[" * 200_000 + b"\n\n",
        b'{"a":' * 100_000,
        b"\n" * 100_000,
        b"data:\n" * 50_000,
    ],
    ids=["deep-array", "deep-sse", "deep-object", "blank-lines", "empty-data-lines"],
)
def test_pathological_bodies(body: bytes) -> None:
    for sample in (p.OPENAI_CHAT_STREAM, p.GEMINI_STREAM_ARRAY, p.OLLAMA_CHAT_STREAM):
        check_sane(parse(sample, body), body)


def test_public_entry_point_accepts_truncated_captures() -> None:
    sample = p.ANTHROPIC_STREAM
    end = sample.first_content_end
    assert end is not None
    cut = sample.body[: end + 5]
    call = parse_exchange(
        method="POST",
        path=sample.path,
        request_body=sample.request,
        status_code=200,
        response_content_type=sample.content_type,
        response_body=cut,
    )
    assert call == parse(sample, cut)


def test_safety_net_keeps_what_the_request_says_when_a_parser_breaks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(capture: object) -> ParsedCall:
        raise KeyError("a parser bug")

    monkeypatch.setattr(lookout.providers, "parse_capture", broken)
    sample = p.OPENAI_CHAT_STREAM
    call = parse_exchange(
        method="POST",
        path=sample.path,
        request_body=sample.request,
        status_code=200,
        response_content_type=sample.content_type,
        response_body=sample.body,
    )
    assert call == ParsedCall(model="gpt-4o-mini", streamed=True)
