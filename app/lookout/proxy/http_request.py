"""One client request as the proxy's HTTP server hands it to a handler: the head, then the body.

The connection parses; a :class:`Request` holds what was parsed and buffers body
pieces until the handler reads them, whole or one by one. While more than
``BODY_HIGH_WATER`` bytes wait unread it pauses reading from the client, so a
slow upstream holds a large upload back instead of piling it up in memory.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import AsyncIterator
from typing import Any, Protocol

from lookout.proxy.headers import ClientHeaders
from lookout.proxy.http_response import ClientGone

BODY_HIGH_WATER = 1024 * 1024  # pause reading the client while this much body waits unread
BODY_LOW_WATER = 256 * 1024


class Client(Protocol):
    """The connection a request arrived on."""

    lost: bool

    def send(self, data: bytes) -> None: ...
    def pause_client(self) -> None: ...
    def resume_client(self) -> None: ...


class Request:
    """One request's head, and its body as it arrives (read whole or piece by piece)."""

    __slots__ = (
        "_buffered",
        "_conn",
        "_pieces",
        "_waiter",
        "body_exists",
        "complete",
        "content_length",
        "discard",
        "expect_continue",
        "headers",
        "keep_alive",
        "method",
        "raw_path",
        "raw_query",
        "read_started",
        "version",
    )

    def __init__(
        self, conn: Client, method: str, raw_path: str, raw_query: str, version: str, headers: ClientHeaders
    ) -> None:
        self._conn = conn
        self.method = method
        self.version = version
        self.headers = headers
        self.raw_path = raw_path
        self.raw_query = raw_query
        self.keep_alive = True
        self.content_length: int | None = None
        self.body_exists = False
        self.complete = False  # the whole body has been received
        self.expect_continue = False
        self.read_started = False
        self.discard = False  # the handler is done: body bytes still arriving are dropped
        self._pieces: deque[bytes] = deque()
        self._buffered = 0
        self._waiter: asyncio.Future[None] | None = None

    async def read(self) -> bytes:
        if self.complete and not self._conn.lost:  # the usual case: it came with the head
            return self.take()
        return b"".join([piece async for piece in self.body()])

    def take(self) -> bytes:
        """The whole body, once it has all arrived (``complete``)."""
        self.read_started = True
        body = b"".join(self._pieces)
        self._pieces.clear()
        self._buffered = 0
        return body

    async def json(self) -> Any:
        return json.loads(await self.read())

    async def body(self) -> AsyncIterator[bytes]:
        """Body pieces as they arrive. Raises ClientGone if the client leaves first."""
        self._start_reading()
        while True:
            if self._pieces:
                piece = self._pieces.popleft()
                self._buffered -= len(piece)
                if self._buffered < BODY_LOW_WATER:
                    self._conn.resume_client()
                yield piece
            elif self.complete:
                return
            elif self._conn.lost:
                raise ClientGone
            else:
                self._waiter = asyncio.get_running_loop().create_future()
                try:
                    await self._waiter
                finally:
                    self._waiter = None

    def _start_reading(self) -> None:
        if not self.read_started:
            self.read_started = True
            if self.expect_continue and not self.complete:
                self._conn.send(b"HTTP/1.1 100 Continue\r\n\r\n")

    def add(self, piece: bytes) -> None:
        """A piece of body from the parser."""
        if self.discard:
            return
        self._pieces.append(piece)
        self._buffered += len(piece)
        if self._buffered > BODY_HIGH_WATER:
            self._conn.pause_client()
        self.wake()

    def wake(self) -> None:
        """Let a waiting reader look again: more body, its end, or the client gone."""
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)
