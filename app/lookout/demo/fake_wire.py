"""The transport side of the fake providers: behaviour knobs, JSON replies and streams.

Provider modules only decide *what* to say (bodies, SSE frames, error JSON). This
module decides *how* it goes on the wire, driven by ``x-fake-*`` request headers so
that tests and the demo can script failures through the proxy and through SDKs'
extra headers:

* ``x-fake-status: 429`` answers with that status and the provider's error JSON;
* ``x-fake-latency-ms`` waits before the response headers;
* ``x-fake-chunk-delay-ms`` waits between stream chunks;
* ``x-fake-chunks: N`` sets the number of content deltas;
* ``x-fake-stream-error: 1`` sends part of a stream, then the provider's in-stream error;
* ``x-fake-drop: 1`` sends part of a stream, then closes the connection (broken body);
* ``x-fake-hang: 1`` never answers, until the client goes away;
* ``x-fake-encoding: gzip|br`` compresses the body, flushing after every stream chunk.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import zlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import brotli
from aiohttp import web

JsonObject = dict[str, Any]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# (status, model, message override) -> (error JSON, extra headers)
ErrorMaker = Callable[[int, str, str | None], tuple[JsonObject, dict[str, str]]]

_HANG_POLL_S = 0.05


class KnobError(ValueError):
    """An ``x-fake-*`` header with a value the fake cannot act on."""


@dataclass(frozen=True, slots=True)
class Knobs:
    """How one request should misbehave; the defaults mean "behave like the real API"."""

    status: int | None = None
    latency_s: float = 0.0
    chunk_delay_s: float = 0.0
    chunks: int | None = None
    stream_error: bool = False
    drop: bool = False
    hang: bool = False
    encoding: str | None = None


def read_knobs(headers: Mapping[str, str]) -> Knobs:
    """Parse the ``x-fake-*`` headers; raise KnobError on a value that makes no sense."""
    encoding = headers.get("x-fake-encoding")
    if encoding not in (None, "gzip", "br"):
        raise KnobError(f"x-fake-encoding must be gzip or br, not {encoding!r}")
    return Knobs(
        status=_int(headers, "x-fake-status"),
        latency_s=(_int(headers, "x-fake-latency-ms") or 0) / 1000,
        chunk_delay_s=(_int(headers, "x-fake-chunk-delay-ms") or 0) / 1000,
        chunks=_int(headers, "x-fake-chunks"),
        stream_error=headers.get("x-fake-stream-error") == "1",
        drop=headers.get("x-fake-drop") == "1",
        hang=headers.get("x-fake-hang") == "1",
        encoding=encoding,
    )


def _int(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        raise KnobError(f"{name} must be an integer, not {value!r}") from None
    if number < 0:
        raise KnobError(f"{name} must not be negative")
    return number


@dataclass(frozen=True, slots=True)
class Call:
    """One provider request after the common preamble: knobs read, body parsed."""

    request: web.Request
    knobs: Knobs
    body: bytes
    payload: JsonObject
    model: str


def endpoint(errors: ErrorMaker, handler: Callable[[Call], Awaitable[web.StreamResponse]]) -> Handler:
    """Wrap a provider handler with the knobs every provider endpoint honours."""

    async def handle(request: web.Request) -> web.StreamResponse:
        try:
            knobs = read_knobs(request.headers)
        except KnobError as exc:
            return web.Response(status=400, text=str(exc))
        if knobs.hang:
            await hang_until_disconnect(request)
            # Nobody will read this: the client is gone. 499 is nginx's "client closed".
            return web.Response(status=499)
        body = await request.read()
        payload = _json_object(body)
        model = str(request.match_info.get("model") or (payload or {}).get("model") or "")
        if knobs.latency_s:
            await asyncio.sleep(knobs.latency_s)
        if payload is None:
            return error_response(errors, knobs, 400, model, "invalid JSON body")
        if knobs.status is not None and knobs.status >= 400:
            return error_response(errors, knobs, knobs.status, model, None)
        return await handler(Call(request, knobs, body, payload, model))

    return handle


def _json_object(body: bytes) -> JsonObject | None:
    try:
        value = json.loads(body or b"{}")
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


async def hang_until_disconnect(request: web.Request) -> None:
    """Return once the client has closed the connection."""
    # Polling the transport works whether or not the runner cancels handlers on
    # disconnect, so the knob behaves the same in any embedding.
    while request.transport is not None and not request.transport.is_closing():  # noqa: ASYNC110
        await asyncio.sleep(_HANG_POLL_S)


def error_response(
    errors: ErrorMaker, knobs: Knobs, status: int, model: str, message: str | None
) -> web.Response:
    """The provider's own error JSON for ``status``."""
    payload, headers = errors(status, model, message)
    return json_response(payload, knobs, status=status, headers=headers)


def json_response(
    payload: object,
    knobs: Knobs,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    content_type: str = "application/json",
) -> web.Response:
    """A complete JSON body, compressed when the knob asks for it."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    all_headers = dict(headers or {})
    if knobs.encoding is not None:
        body = gzip.compress(body) if knobs.encoding == "gzip" else bytes(brotli.compress(body))
        all_headers["Content-Encoding"] = knobs.encoding
    all_headers["Content-Type"] = content_type
    return web.Response(body=body, status=status, headers=all_headers)


def sse(data: object, event: str | None = None) -> bytes:
    """One server-sent event frame, optionally with an ``event:`` line."""
    line = b"data: " + json.dumps(data, separators=(",", ":")).encode() + b"\n\n"
    return b"event: " + event.encode() + b"\n" + line if event else line


class _Encoder(Protocol):
    def chunk(self, data: bytes) -> bytes: ...
    def finish(self) -> bytes: ...


class _Gzip:
    def __init__(self) -> None:
        self._zlib = zlib.compressobj(wbits=31)

    def chunk(self, data: bytes) -> bytes:
        # A sync flush per chunk, so a streaming client can decode each event on arrival.
        return self._zlib.compress(data) + self._zlib.flush(zlib.Z_SYNC_FLUSH)

    def finish(self) -> bytes:
        return self._zlib.flush()


class _Brotli:
    def __init__(self) -> None:
        self._brotli = brotli.Compressor()

    def chunk(self, data: bytes) -> bytes:
        return bytes(self._brotli.process(data)) + bytes(self._brotli.flush())

    def finish(self) -> bytes:
        return bytes(self._brotli.finish())


class StreamSink:
    """A streamed body that applies the chunk-delay, encoding and drop knobs."""

    def __init__(self, request: web.Request, knobs: Knobs) -> None:
        self._request = request
        self._knobs = knobs
        self._response = web.StreamResponse()
        self._encoder: _Encoder | None = None
        if knobs.encoding == "gzip":
            self._encoder = _Gzip()
        elif knobs.encoding == "br":
            self._encoder = _Brotli()
        self._sent = 0

    async def open(self, content_type: str, headers: Mapping[str, str] | None = None) -> None:
        """Send the status line and headers."""
        self._response.headers.update(headers or {})
        self._response.headers["Content-Type"] = content_type
        self._response.headers["Cache-Control"] = "no-cache"
        if self._knobs.encoding is not None:
            self._response.headers["Content-Encoding"] = self._knobs.encoding
        await self._response.prepare(self._request)

    async def send(self, data: bytes) -> None:
        """Write one chunk, after the configured pause if it is not the first."""
        if self._sent and self._knobs.chunk_delay_s:
            await asyncio.sleep(self._knobs.chunk_delay_s)
        self._sent += 1
        await self._response.write(self._encoder.chunk(data) if self._encoder else data)

    async def finish(self) -> web.StreamResponse:
        """End the body cleanly."""
        if self._encoder is not None:
            await self._response.write(self._encoder.finish())
        await self._response.write_eof()
        return self._response

    def drop(self) -> web.StreamResponse:
        """Close the connection without ending the chunked body: the client sees a break."""
        if self._request.transport is not None:
            self._request.transport.close()
        return self._response


def failure_point(frame_count: int) -> int:
    """How many frames a failing stream sends before it errors or drops: half."""
    return frame_count // 2


async def send_frames(
    call: Call,
    frames: Sequence[bytes],
    *,
    content_type: str,
    headers: Mapping[str, str] | None = None,
    error_frame: bytes = b"",
) -> web.StreamResponse:
    """Stream ``frames``; with the error or drop knob, stop halfway and fail as asked."""
    sink = StreamSink(call.request, call.knobs)
    await sink.open(content_type, headers)
    failing = call.knobs.stream_error or call.knobs.drop
    for frame in frames[: failure_point(len(frames))] if failing else frames:
        await sink.send(frame)
    if call.knobs.drop:
        return sink.drop()
    if call.knobs.stream_error:
        await sink.send(error_frame)
    return await sink.finish()


def int_field(payload: Mapping[str, Any], *names: str) -> int | None:
    """The first of ``names`` holding an integer, for optional request parameters."""
    for name in names:
        value = payload.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def joined(*texts: str) -> str:
    """Non-empty ``texts`` separated by single spaces."""
    return " ".join(text for text in texts if text)


def text_of(value: object) -> str:
    """All text inside a message ``content``: a string, or a list of text parts."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return joined(*(text_of(part) for part in value))
    if isinstance(value, dict):
        for key in ("text", "content", "parts"):
            if key in value:
                return text_of(value[key])
    return ""
