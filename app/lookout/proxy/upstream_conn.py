"""One upstream HTTP/1.1 connection: an asyncio protocol fed through llhttp (httptools).

It writes a request, then hands out the response head and body pieces as they
arrive, with a read timeout on every wait and back-pressure on the socket when
the consumer (the client side of the proxy) is slower than the upstream.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import cast

import httptools

from lookout.proxy.headers import HOP_BY_HOP, RawHeader

# Pause reading from the upstream when this much body is buffered unconsumed.
HIGH_WATER = 1024 * 1024
LOW_WATER = 256 * 1024


class UpstreamError(Exception):
    """The upstream could not be reached or broke the exchange."""


class UpstreamConnectError(UpstreamError):
    """No connection could be opened (refused, DNS, TLS)."""


class UpstreamTimeout(UpstreamError, TimeoutError):
    """Connecting took longer than the connect timeout, or a read than the read timeout."""


class Connection(asyncio.Protocol):
    """A keep-alive connection carrying one exchange at a time."""

    def __init__(self, read_timeout_s: float) -> None:
        self._read_timeout = read_timeout_s
        self._loop = asyncio.get_running_loop()
        self._transport: asyncio.Transport | None = None
        self._write_ready: asyncio.Future[None] | None = None
        self.open = False
        self.idle = False
        # One parser for the connection's life: llhttp is ready for the next response
        # once one ends, and a connection is reused only after a complete response.
        self._parser = httptools.HttpResponseParser(self)
        self.reset()

    def reset(self) -> None:
        """Prepare for the next exchange on this connection."""
        self.status = 0
        self._clear_head()
        self.got_any_byte = False
        self.idle = False
        self._expect_body = True
        self._head_done = False
        self._complete = False
        self._keep_alive = False
        self._pieces: deque[bytes] = deque()
        self._buffered = 0
        self._paused = False
        self._waiter: asyncio.Future[None] | None = None
        self._error: UpstreamError | None = None
        # Called from the parser when a response arrives in full before its reader has
        # woken for the head; the proxy sets it to answer a small call at once.
        self.on_whole_response: Callable[[Connection], None] | None = None

    @property
    def reusable(self) -> bool:
        return self.open and self._complete and self._keep_alive and self._error is None

    def close(self) -> None:
        self.open = False
        if self._transport is not None:
            self._transport.close()

    # -- sending --------------------------------------------------------------

    def send_whole(self, head: bytes, body: bytes | None, *, expect_body: bool) -> None:
        """Write a request whose body (if any) is all here, in one write."""
        if not self.open or self._transport is None:
            raise UpstreamError("the upstream closed the connection")
        self._expect_body = expect_body
        self._transport.write(head + body if body else head)

    async def send(
        self, head: bytes, body: bytes | AsyncIterator[bytes] | None, *, expect_body: bool
    ) -> None:
        if body is None or isinstance(body, bytes):
            self.send_whole(head, body, expect_body=expect_body)
            return
        if not self.open or self._transport is None:
            raise UpstreamError("the upstream closed the connection")
        self._expect_body = expect_body
        chunked = b"\r\nTransfer-Encoding: chunked\r\n" in head
        self._transport.write(head)
        async for piece in body:
            if piece:
                self._transport.write(b"%x\r\n%b\r\n" % (len(piece), piece) if chunked else piece)
                await self._drain()
        if chunked:
            self._transport.write(b"0\r\n\r\n")

    async def _drain(self) -> None:
        if self._error is not None:
            raise self._error
        if self._write_ready is not None:
            await self._write_ready

    def pause_writing(self) -> None:
        self._write_ready = self._loop.create_future()

    def resume_writing(self) -> None:
        if self._write_ready is not None and not self._write_ready.done():
            self._write_ready.set_result(None)
        self._write_ready = None

    # -- receiving ------------------------------------------------------------

    async def wait_head(self) -> None:
        while not self._head_done:
            await self._wait()

    async def next_piece(self) -> bytes | None:
        """The next body piece, or None at the end of the body."""
        while True:
            if self._pieces:
                piece = self._pieces.popleft()
                self._buffered -= len(piece)
                if self._paused and self._buffered < LOW_WATER and self._transport is not None:
                    self._paused = False
                    self._transport.resume_reading()
                return piece
            if self._complete:
                return None
            await self._wait()

    def take_all(self) -> bytes | None:
        """The whole body if it has all arrived (and nothing broke), else None."""
        if not self._complete or self._error is not None:
            return None
        body = b"".join(self._pieces)
        self._pieces.clear()
        self._buffered = 0
        return body

    async def body_started(self, within_s: float) -> bool:
        """Wait up to ``within_s`` for a body piece, the end of the body or an error; True if one came.

        Unlike the other waits this one never fails: a break shows up at the next read.
        """
        if not (self._pieces or self._complete or self._error):
            self._waiter = self._loop.create_future()
            timer = self._loop.call_later(within_s, self._wake)
            try:
                await self._waiter
            finally:
                self._waiter = None
                timer.cancel()
        return bool(self._pieces or self._complete or self._error)

    async def _wait(self) -> None:
        if self._error is not None:
            raise self._error
        self._waiter = self._loop.create_future()
        timer = self._loop.call_later(self._read_timeout, self._timed_out)
        try:
            await self._waiter
        finally:
            self._waiter = None
            timer.cancel()
        error = self._failure()
        if error is not None and not self._pieces:
            raise error

    def _failure(self) -> UpstreamError | None:
        return self._error

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def _fail(self, error: UpstreamError) -> None:
        if self._error is None:
            self._error = error
        self.close()
        if self._write_ready is not None and not self._write_ready.done():
            self._write_ready.set_result(None)
        self._wake()

    def _timed_out(self) -> None:
        self._fail(UpstreamTimeout(f"no data from the upstream for {self._read_timeout:g} s"))

    # -- asyncio.Protocol -----------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self._transport = cast(asyncio.Transport, transport)
        self.open = True

    def data_received(self, data: bytes) -> None:
        if self.idle:  # e.g. a 408 before closing: this connection is done for
            self.close()
            return
        self.got_any_byte = True
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(UpstreamError(f"the upstream sent an invalid HTTP response ({exc})"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.open = False
        if self._head_done and not self._complete and not self._framed:
            self._complete = True  # a body delimited by closing the connection
            self._wake()
        elif not self._complete:
            where = "mid-response" if self._head_done else "before responding"
            self._fail(UpstreamError(f"the upstream closed the connection {where}"))

    # -- httptools callbacks --------------------------------------------------

    def on_status(self, status: bytes) -> None:
        self.reason += status.decode("latin-1")

    def _clear_head(self) -> None:
        """Forget the head: before an exchange, and after an informational (1xx) one."""
        self.reason = ""
        # End-to-end headers as received, hop-by-hop ones left out: they go to the client byte for byte.
        self.headers: list[RawHeader] = []
        self.content_length: int | None = None
        self.content_type = ""
        self.connection_header = b""  # the Connection header: more hop-by-hop names may be listed there
        self._framed = False  # Content-Length or chunked, i.e. not ended by closing

    def on_header(self, name: bytes, value: bytes) -> None:
        # The few headers the proxy acts on are noted here, in the one pass it makes.
        lower = name.lower()
        if lower in HOP_BY_HOP:  # about this connection: acted on, never passed on
            if lower == b"transfer-encoding":
                self._framed = self._framed or b"chunked" in value.lower()
            elif lower == b"connection":  # repeated, its lists add up
                self.connection_header = (
                    self.connection_header + b"," + value if self.connection_header else value
                )
            return
        self.headers.append((name, value))
        if lower == b"content-length":
            self._framed = True
            self.content_length = int(value) if value.isdigit() else None
        elif lower == b"content-type":
            self.content_type = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        status = self._parser.get_status_code()
        if 100 <= status < 200 and status != 101:  # informational: the real head follows
            self._clear_head()
            return
        self.status = status
        self._head_done = True
        self._keep_alive = self._parser.should_keep_alive()
        if not self._expect_body or status in (204, 304):
            # A HEAD response announces a length it never sends: end here and
            # don't reuse the connection, rather than teach the parser about HEAD.
            self._complete = True
            self._framed = True
            self._keep_alive = self._keep_alive and status in (204, 304)
        self._wake()

    def on_body(self, body: bytes) -> None:
        self._pieces.append(bytes(body))
        self._buffered += len(body)
        if self._buffered > HIGH_WATER and not self._paused and self._transport is not None:
            self._paused = True
            self._transport.pause_reading()
        self._wake()

    def on_message_complete(self) -> None:
        if self._head_done:
            self._complete = True
            if self.on_whole_response is not None:
                self.on_whole_response(self)
            self._wake()
