"""Stream framing: SSE events, NDJSON lines and JSON-array elements, with byte offsets."""

from __future__ import annotations

import pytest

from lookout.providers.sse import (
    SseEvent,
    json_array_values,
    lines,
    looks_like_json_array,
    looks_like_sse,
    ndjson_values,
    sse_events,
)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"a\nb\n", [(b"a", 2), (b"b", 4)]),
        (b"a\r\nb\r\n", [(b"a", 3), (b"b", 6)]),
        (b"a\rb", [(b"a", 2), (b"b", 3)]),
        (b"a\n\nb", [(b"a", 2), (b"", 3), (b"b", 4)]),
        (b"", []),
    ],
)
def test_lines_report_the_offset_past_each_terminator(body: bytes, expected: list[tuple[bytes, int]]) -> None:
    assert list(lines(body)) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            b'data: {"a":1}\n\ndata: {"a":2}\n\n',
            [SseEvent(None, '{"a":1}', 15), SseEvent(None, '{"a":2}', 30)],
            id="lf",
        ),
        pytest.param(
            b"data: x\r\n\r\ndata: y\r\n\r\n",
            [SseEvent(None, "x", 11), SseEvent(None, "y", 22)],
            id="crlf",
        ),
        pytest.param(b"data: x\r\rdata: y\r\r", [SseEvent(None, "x", 9), SseEvent(None, "y", 18)], id="cr"),
        pytest.param(b"event: ping\ndata: {}\n\n", [SseEvent("ping", "{}", 22)], id="named"),
        pytest.param(b": keep-alive\n\ndata: x\n\n", [SseEvent(None, "x", 23)], id="comment-only-block"),
        pytest.param(
            b"data: first\ndata:second\ndata\n\n",
            [SseEvent(None, "first\nsecond\n", 30)],
            id="multi-line-data",
        ),
        pytest.param(b"event: lonely\n\ndata: x\n\n", [SseEvent(None, "x", 24)], id="name-without-data"),
        pytest.param(b"id: 7\nretry: 10\ndata: x\n\n", [SseEvent(None, "x", 25)], id="other-fields"),
        pytest.param(
            b"data: x\n\ndata: tail",
            [SseEvent(None, "x", 9), SseEvent(None, "tail", 19)],
            id="no-final-blank-line",
        ),
        pytest.param(b"data: tail\n", [SseEvent(None, "tail", 11)], id="single-newline-at-eof"),
        pytest.param(b"\xef\xbb\xbfdata: x\n\n", [SseEvent(None, "x", 12)], id="bom"),
        pytest.param(b"data: caf\xe9\n\n", [SseEvent(None, "caf\ufffd", 12)], id="latin-1-byte"),
        pytest.param(b"", [], id="empty"),
    ],
)
def test_sse_events(body: bytes, expected: list[SseEvent]) -> None:
    assert list(sse_events(body)) == expected


def test_sse_event_end_is_past_its_blank_line() -> None:
    body = b'event: a\ndata: {"n":1}\n\nevent: b\ndata: {"n":2}\n\n'
    first, second = sse_events(body)
    assert body[: first.end] == b'event: a\ndata: {"n":1}\n\n'
    assert second.end == len(body)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"data: {}", True),
        (b"\n\nevent: x\n", True),
        (b": ping\n\n", True),
        (b"\xef\xbb\xbfdata: x", True),
        (b'{"data": 1}', False),
        (b"[]", False),
        (b"", False),
    ],
)
def test_looks_like_sse(body: bytes, expected: bool) -> None:
    assert looks_like_sse(body) is expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [(b"[{}]", True), (b"\r\n  [", True), (b"\xef\xbb\xbf[]", True), (b"{}", False), (b"", False)],
)
def test_looks_like_json_array(body: bytes, expected: bool) -> None:
    assert looks_like_json_array(body) is expected


def test_ndjson_values_skip_blank_lines_and_keep_bad_ones_as_none() -> None:
    body = b'{"a":1}\n\n  \nnot json\r\n{"b":2}'
    assert list(ndjson_values(body)) == [({"a": 1}, 8), (None, 22), ({"b": 2}, len(body))]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(b'[{"a":1}\n,\r\n{"b":2}\n]', [({"a": 1}, 8), ({"b": 2}, 19)], id="gemini-style"),
        pytest.param(b'  [ {"a":1} ]', [({"a": 1}, 11)], id="padded"),
        pytest.param(b"[]", [], id="empty-array"),
        pytest.param(b'[{"a":1},{"b":', [({"a": 1}, 8)], id="truncated"),
        pytest.param(b'[{"a":1},oops,{"c":3}]', [({"a": 1}, 8)], id="malformed-element"),
        pytest.param(b'{"a":1}', [], id="not-an-array"),
        pytest.param(b"", [], id="empty"),
        pytest.param(b"\xef\xbb\xbf[1]", [(1, 5)], id="bom"),
    ],
)
def test_json_array_values(body: bytes, expected: list[tuple[object, int]]) -> None:
    assert list(json_array_values(body)) == expected


def test_json_array_offsets_count_bytes_not_characters() -> None:
    multibyte = '[{"t":"café ☕"},{"t":"x"}]'.encode()
    undecodable = b'[{"t":"\xff\xfe"},{"t":"y"}]'
    for body in (multibyte, undecodable):
        ends = [end for _, end in json_array_values(body)]
        assert ends == [body.index(b"},") + 1, len(body) - 1]
