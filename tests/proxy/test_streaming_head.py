"""A relayed stream's head leaves with its first body piece when that follows at once, and alone otherwise.

One write instead of two saves the client a wake-up on the way to its first
token; a head followed by silence (a model still thinking) must not wait for it.
Both upstreams here are scripted byte by byte, so what the proxy received in
one piece is certain; the proxy's writes to the client are recorded.
"""

from __future__ import annotations

import asyncio

import pytest

from lookout.proxy.http_response import Response
from tests.helpers import in_process_proxy, raw_server, read_request

HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
FIRST = b'data: {"i": 0}\n\n'
END = b"0\r\n\r\n"


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%b\r\n" % (len(data), data)


async def first_read_through_proxy(upstream_url: str, release: asyncio.Event) -> tuple[bytes, bytes]:
    """GET through the proxy; returns (the client's first read, everything after release)."""
    async with in_process_proxy({"up": upstream_url}) as proxy:
        host, port = proxy.base_url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(b"GET /up/v1/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        await writer.drain()
        first = await asyncio.wait_for(reader.read(65536), 5)
        release.set()
        rest = await asyncio.wait_for(reader.read(), 5)
        writer.close()
        return first, rest


def record_writes(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """What the proxy writes to client sockets, one item per socket write.

    uvloop's transports can't be wrapped, so this records at the response's one
    write method, the last Python code before the socket.
    """
    writes: list[bytes] = []
    send = Response._send

    def recording_send(self: Response, data: bytes) -> None:
        writes.append(self._held + data)
        send(self, data)

    monkeypatch.setattr(Response, "_send", recording_send)
    return writes


async def test_head_and_first_piece_that_arrive_together_leave_in_one_write(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    release = asyncio.Event()
    writes = record_writes(monkeypatch)

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader, heads)
        writer.write(HEAD + chunk(FIRST))  # one segment: the piece is there with the head
        await writer.drain()
        await release.wait()
        writer.write(chunk(b"data: [DONE]\n\n") + END)
        await writer.drain()

    async with raw_server(script) as (url, heads):
        first, rest = await first_read_through_proxy(f"http://{url.host}:{url.port}", release)
    assert writes[0].startswith(b"HTTP/1.1 200 OK\r\n") and writes[0].endswith(chunk(FIRST)), writes
    assert first + rest == b"".join(writes)
    assert rest.endswith(chunk(b"data: [DONE]\n\n") + END)


async def test_a_head_followed_by_silence_is_not_held_for_the_body() -> None:
    release = asyncio.Event()

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader, heads)
        writer.write(HEAD)
        await writer.drain()
        await release.wait()  # the body starts only once the client has seen the head
        writer.write(chunk(FIRST) + END)
        await writer.drain()

    async with raw_server(script) as (url, heads):
        first, rest = await first_read_through_proxy(f"http://{url.host}:{url.port}", release)
    assert first.startswith(b"HTTP/1.1 200 OK\r\n") and first.endswith(b"\r\n\r\n")
    assert rest == chunk(FIRST) + END
