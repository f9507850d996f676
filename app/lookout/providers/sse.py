"""Stream framing: split captured SSE, NDJSON and JSON-array bodies into messages.

Each message comes with ``end``, the byte offset in the body just past it, which
is how parsers report where the first generated content arrived. Offsets are
always counted on the raw bytes, never on decoded text, because the recorder maps
them to the byte counts of the chunks it received.

The splitters accept whatever prefix of a stream was captured: a missing final
blank line or newline still yields the last message, and a body cut inside a
message yields everything before it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

from lookout.providers.fields import loads

_LINE_END = re.compile(rb"\r\n|\r|\n")
_BOM = b"\xef\xbb\xbf"
# Matched in place rather than after lstrip(), which would copy a body of megabytes.
_SSE_START = re.compile(rb"(?:\xef\xbb\xbf)?\s*(?:data|event|id|retry)?:")
_ARRAY_START = re.compile(rb"(?:\xef\xbb\xbf)?\s*\[")
_BLANKS = " \t\r\n"
_ARRAY_GAP = _BLANKS + ","
_DECODER = json.JSONDecoder()


@dataclass(frozen=True, slots=True)
class SseEvent:
    """One dispatched server-sent event: its ``event:`` name, its data and where it ends."""

    name: str | None
    data: str
    end: int


def lines(body: bytes, start: int = 0) -> Iterator[tuple[bytes, int]]:
    """Each line of ``body`` from ``start``, without its terminator, with the offset past it."""
    for match in _LINE_END.finditer(body, start):
        yield body[start : match.start()], match.end()
        start = match.end()
    if start < len(body):
        yield body[start:], len(body)


def looks_like_sse(body: bytes) -> bool:
    """Whether ``body`` starts the way an event stream does, whatever its content type says."""
    return _SSE_START.match(body) is not None


def is_event_stream(content_type: str, body: bytes) -> bool:
    """Whether the body is server-sent events, by its media type or its first bytes."""
    return content_type == "text/event-stream" or looks_like_sse(body)


def looks_like_json_array(body: bytes) -> bool:
    """Whether ``body`` starts a JSON array."""
    return _ARRAY_START.match(body) is not None


def sse_events(body: bytes) -> Iterator[SseEvent]:
    """The events of an event stream, following the WHATWG parsing rules.

    Comments (``:`` lines) and unknown fields are skipped, several ``data:`` lines
    are joined with newlines, and an event that only has an ``event:`` line is
    dropped, as browsers do.
    """
    name: bytes | None = None
    data: list[bytes] = []
    for line, end in lines(body, len(_BOM) if body.startswith(_BOM) else 0):
        if not line:
            if data:
                yield _event(name, data, end)
            name, data = None, []
            continue
        field, _, value = line.partition(b":")
        value = value.removeprefix(b" ")
        if field == b"data":
            data.append(value)
        elif field == b"event":
            name = value
    if data:
        yield _event(name, data, len(body))


def _event(name: bytes | None, data: list[bytes], end: int) -> SseEvent:
    decoded_name = name.decode("utf-8", "replace") if name else None
    return SseEvent(decoded_name, b"\n".join(data).decode("utf-8", "replace"), end)


def ndjson_values(body: bytes) -> Iterator[tuple[object, int]]:
    """The decoded value of each non-blank line (``None`` if it is not JSON) and its end."""
    for line, end in lines(body):
        if line.strip():
            yield loads(line), end


def json_array_values(body: bytes) -> Iterator[tuple[object, int]]:
    """The elements of a top-level JSON array, each with the offset just past its last byte.

    Stops quietly at the first element that does not decode, which is where a
    truncated capture ends.
    """
    # surrogateescape maps every undecodable byte to exactly one character, so the
    # text can be encoded back to count how many bytes each element spans.
    text = body.decode("utf-8", "surrogateescape")
    start = _skip(text, 1 if text.startswith("\ufeff") else 0, _BLANKS)
    if not text.startswith("[", start):
        return
    position = start + 1
    offset = len(text[:position].encode("utf-8", "surrogateescape"))
    while True:
        begin = _skip(text, position, _ARRAY_GAP)
        if begin >= len(text) or text[begin] == "]":
            return
        try:
            value, after = _DECODER.raw_decode(text, begin)
        except (ValueError, RecursionError):
            return
        offset += len(text[position:after].encode("utf-8", "surrogateescape"))
        position = after
        yield value, offset


def _skip(text: str, position: int, characters: str) -> int:
    """The first position at or after ``position`` whose character is not in ``characters``."""
    while position < len(text) and text[position] in characters:
        position += 1
    return position
