"""The shape of a captured exchange in the parser tests, and helpers to build and parse one.

Streams are kept as tuples of parts, one per event, line or array element, so a
test can compute where each part ends. ``first_content`` is the index of the part
that carries the first generated content (``None`` when there is none), which is
what time-to-first-token must point just past.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lookout.core.models import ParsedCall
from lookout.providers import Capture, parse_capture

SSE = "text/event-stream; charset=utf-8"
JSON = "application/json"
NDJSON = "application/x-ndjson"


@dataclass(frozen=True)
class Sample:
    """One captured exchange."""

    name: str
    path: str
    request: bytes
    parts: tuple[bytes, ...]
    content_type: str | None = JSON
    status: int = 200
    first_content: int | None = None

    @property
    def body(self) -> bytes:
        return b"".join(self.parts)

    @property
    def first_content_end(self) -> int | None:
        if self.first_content is None:
            return None
        return sum(len(part) for part in self.parts[: self.first_content + 1])


def parse(sample: Sample, body: bytes | None = None, *, status: int | None = None) -> ParsedCall:
    """The parse of ``sample``, optionally with another response body or status.

    It bypasses parse_exchange's safety net, so that a parser bug fails the test
    instead of quietly degrading the result.
    """
    return parse_unguarded(
        method="POST",
        path=sample.path,
        request_body=sample.request,
        status_code=sample.status if status is None else status,
        response_content_type=sample.content_type,
        response_body=sample.body if body is None else body,
    )


def parse_unguarded(
    *,
    method: str,
    path: str,
    request_body: bytes,
    status_code: int | None,
    response_content_type: str | None,
    response_body: bytes,
) -> ParsedCall:
    """What parse_exchange returns, minus the safety net that would hide a parser bug."""
    return parse_capture(
        Capture.of(
            method=method,
            path=path,
            request_body=request_body,
            status_code=status_code,
            response_content_type=response_content_type,
            response_body=response_body,
        )
    )


def expected(sample: Sample, **fields: Any) -> ParsedCall:
    """The ParsedCall a test expects, with time-to-first-token pointing past ``first_content``."""
    return ParsedCall(first_content_offset=sample.first_content_end, **fields)


def data(payload: bytes) -> bytes:
    """An unnamed SSE event."""
    return b"data: " + payload + b"\n\n"


def event(name: bytes, payload: bytes) -> bytes:
    """A named SSE event, framed the way Anthropic and the Responses API send them."""
    return b"event: " + name + b"\ndata: " + payload + b"\n\n"
