"""Writing one HTTP/1.1 response to the client: the head, body framing and back-pressure.

The framing follows the head: a ``Content-Length`` is kept as given (the bytes
pass through untouched, compressed or not), no length means chunked (or, for an
HTTP/1.0 client, a body ended by closing), and HEAD, 1xx, 204 and 304 carry no
body at all. A head may be *held* so that it leaves in the same socket write as
the first body piece: one write and one wake-up of the client instead of two.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Protocol

from lookout.proxy.headers import has_content_length


class ClientGone(Exception):
    """The client closed its connection while we were still answering it."""


@dataclass(frozen=True, slots=True)
class Reply:
    """A whole response known up front: Lookout's own answers (errors, status)."""

    status: int
    headers: Sequence[tuple[str, str]]
    body: bytes
    reason: str | None = None


def json_reply(payload: Any, status: int = 200, headers: Sequence[tuple[str, str]] = ()) -> Reply:
    return Reply(status, [("Content-Type", "application/json"), *headers], json.dumps(payload).encode())


class Sender(Protocol):
    """The connection a response is written to."""

    def send(self, data: bytes) -> None: ...
    async def drained(self) -> None: ...
    def close(self) -> None: ...


class Response:
    """One response on a connection; every socket write goes through :meth:`_send`."""

    def __init__(self, conn: Sender, method: str, *, keep_alive: bool, version: str = "1.1") -> None:
        self._conn = conn
        self._method = method
        self._version = version
        self.keep_alive = keep_alive
        self.started = False
        self.finished = False
        self._no_body = False
        self._chunked = False
        self._held = b""

    def start(self, status: int, reason: str | None, lines: bytes, *, hold: bool = False) -> None:
        """Compose the head around header ``lines`` (``b"Name: value\\r\\n"`` each, as the upstream
        sent them); send it now, or with the first :meth:`write` when ``hold``.
        """
        self.started = True
        self._chunked = False
        self._no_body = self._method == "HEAD" or status in (204, 304) or 100 <= status < 200
        framing = b""
        if not self._no_body and not has_content_length(lines):
            if self._version == "1.1":
                self._chunked = True
                framing = b"Transfer-Encoding: chunked\r\n"
            else:
                self.keep_alive = False  # an HTTP/1.0 client reads to the end of the connection
        if not self.keep_alive:
            framing += b"Connection: close\r\n"
        elif self._version == "1.0":
            framing += b"Connection: keep-alive\r\n"
        status_line = f"HTTP/1.1 {status} {reason or _phrase(status)}\r\n".encode("latin-1", "replace")
        head = status_line + lines + framing + b"\r\n"
        if hold:
            self._held = head
        else:
            self._send(head)

    @property
    def head_sent(self) -> bool:
        return self.started and not self._held

    async def write(self, data: bytes) -> None:
        """Send a body piece (``b""`` sends a held head alone), waiting if the client reads slowly."""
        if self.write_now(data):
            await self._conn.drained()

    def write_now(self, data: bytes) -> bool:
        """Send a body piece without waiting for the client to read it; False if nothing was sent."""
        if data and not self._no_body:
            self._send(b"%x\r\n%b\r\n" % (len(data), data) if self._chunked else data)
        elif self._held:
            self._send(b"")
        else:
            return False
        return True

    async def end(self) -> None:
        """Finish the body (the last chunk, if chunked), closing the connection if that ends it."""
        self.finished = True
        if self._chunked or self._held:
            self._send(b"0\r\n\r\n" if self._chunked else b"")
            await self._conn.drained()
        if not self.keep_alive:
            self._conn.close()

    def send_now(self, reply: Reply) -> None:
        """A whole response in one socket write."""
        lines = "".join([f"{name}: {value}\r\n" for name, value in reply.headers]).encode(
            "latin-1", "replace"
        )
        if not has_content_length(lines):
            lines += b"Content-Length: %d\r\n" % len(reply.body)
        self.start(reply.status, reply.reason, lines, hold=True)
        self.finished = True
        self._send(b"" if self._no_body else reply.body)
        if not self.keep_alive:
            self._conn.close()

    async def send(self, reply: Reply) -> None:
        self.send_now(reply)
        await self._conn.drained()

    def abort(self) -> None:
        """Break the connection: after a head has gone out, the only honest way to signal failure."""
        self.keep_alive = False
        self._conn.close()

    def _send(self, data: bytes) -> None:
        held, self._held = self._held, b""
        self._conn.send(held + data)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
