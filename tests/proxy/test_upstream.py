"""The upstream HTTP/1.1 client against scripted raw servers: framing edge cases and failures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from yarl import URL

from lookout.proxy.routing import Origin, split_url
from lookout.proxy.upstream import UpstreamPool, encoded_lines, request_head
from lookout.proxy.upstream_conn import UpstreamConnectError, UpstreamError, UpstreamTimeout
from tests.helpers import raw_server, read_request


def pool(read_timeout: float = 2.0) -> UpstreamPool:
    return UpstreamPool(connect_timeout_s=1.0, read_timeout_s=read_timeout)


def at(url: URL) -> tuple[Origin, str]:
    return split_url(str(url))


def test_request_head_sets_host_and_framing() -> None:
    origin, target = split_url("https://api.example.com/v1/chat?x=%20y")
    head = request_head("POST", target, origin.host_header, b"Content-Type: application/json\r\n", b"{}")
    assert head == (
        b"POST /v1/chat?x=%20y HTTP/1.1\r\nHost: api.example.com\r\n"
        b"Content-Type: application/json\r\nContent-Length: 2\r\n\r\n"
    )
    assert request_head("GET", "/", "h:1", b"", None) == b"GET / HTTP/1.1\r\nHost: h:1\r\n\r\n"
    as_sent = request_head("POST", "/", "h", b"content-length: 2\r\n", b"{}")
    assert as_sent.count(b"ength:") == 1, "the client's Content-Length is not doubled"


async def _stream() -> AsyncIterator[bytes]:
    yield b"not read by request_head"


def test_request_head_frames_a_stream_without_length_as_chunked() -> None:
    assert request_head("POST", "/", "h", b"", _stream()).endswith(b"Transfer-Encoding: chunked\r\n\r\n")


@pytest.mark.parametrize(
    "header", [("X-Evil", "a\r\nInjected: 1"), ("X-Evil", "a\nb"), ("X-Evil", "a\rb"), ("X-Ev\nil", "a")]
)
def test_added_headers_with_line_breaks_are_refused(header: tuple[str, str]) -> None:
    with pytest.raises(UpstreamError, match=r"header 'X-Ev.*' contains a line break"):
        encoded_lines([("Accept", "*/*"), header])
    escaped = [("Accept", "*/*"), ("X-Ok", "caf\udcc3\udca9")]  # bytes a client sent, decoded unchanged
    assert encoded_lines(escaped) == b"Accept: */*\r\nX-Ok: caf\xc3\xa9\r\n"


async def test_keep_alive_reuses_one_connection() -> None:
    connections = 0

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        while True:
            await read_request(reader, heads)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()

    async with raw_server(script) as (url, heads):
        upstream = pool()
        for _ in range(3):
            response = await upstream.request("GET", *at(url), b"", None)
            assert await response.read() == b"ok"
        await upstream.close()
    assert connections == 1 and len(heads) == 3


async def test_informational_head_and_close_delimited_bodies() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).split(b" ")[0]
        if head == b"HEAD":
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
            await writer.drain()
            await asyncio.sleep(5)
        elif head == b"POST":
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\nnew")
        else:
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end")
            await writer.drain()
            writer.close()

    async with raw_server(script) as (url, _):
        upstream = pool()
        head = await upstream.request("HEAD", *at(url), b"", None)
        assert head.status == 200 and await asyncio.wait_for(head.read(), 1) == b""
        created = await upstream.request("POST", *at(url), b"", b"x")
        assert created.status == 201 and await created.read() == b"new"
        closing = await upstream.request("GET", *at(url), b"", None)
        assert await closing.read() == b"until the end"
        await upstream.close()


async def test_streamed_upload_without_length_is_sent_chunked() -> None:
    received: list[bytes] = []

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        assert b"Transfer-Encoding: chunked" in head
        received.append(await reader.readuntil(b"0\r\n\r\n"))
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")

    async def body() -> AsyncIterator[bytes]:
        yield b"hello "
        yield b"world"

    async with raw_server(script) as (url, _):
        upstream = pool()
        response = await upstream.request("POST", *at(url), b"", body())
        assert response.status == 200 and await response.read() == b""
        await upstream.close()
    assert received == [b"6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n"]


async def test_a_pooled_connection_the_server_closed_is_not_reused() -> None:
    served = 0

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal served
        await reader.readuntil(b"\r\n\r\n")
        served += 1
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()
        # then close: the client still believes the connection is alive

    async with raw_server(script) as (url, _):
        upstream = pool()
        assert await (await upstream.request("GET", *at(url), b"", None)).read() == b"ok"
        await asyncio.sleep(0.1)
        assert await (await upstream.request("GET", *at(url), b"", b"")).read() == b"ok"
        await upstream.close()
    assert served == 2


async def test_a_request_sent_at_once_goes_again_if_its_pooled_connection_was_closed() -> None:
    heads: list[bytes] = []
    connections = 0

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        first_connection = connections == 1
        for served in range(2):
            heads.append(await reader.readuntil(b"\r\n\r\n"))
            body = await reader.readexactly(2)
            if first_connection and served == 1:
                return  # closes, unanswered, as a server timing out an idle connection may
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n" + body)
            await writer.drain()

    async with raw_server(script) as (url, _):
        upstream = pool()
        origin, target = at(url)
        assert upstream.idle_connection(origin) is None  # nothing pooled yet
        assert await (await upstream.request("POST", origin, target, b"", b"hi")).read() == b"hi"
        conn = upstream.idle_connection(origin)
        assert conn is not None
        sent = upstream.send_now(conn, "POST", origin, target, b"X-Try: 2\r\n", b"ok")
        response = await upstream.response(sent)
        assert await response.read() == b"ok"
        await upstream.close()
    assert connections == 2 and len(heads) == 3
    assert heads[1] == heads[2] and b"X-Try: 2\r\nContent-Length: 2\r\n" in heads[2]


@pytest.mark.parametrize(
    ("reply", "error", "message"),
    [
        (b"this is not http\r\n\r\n", UpstreamError, "invalid HTTP response"),
        (b"", UpstreamError, "closed the connection before responding"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", UpstreamError, "mid-response"),
    ],
)
async def test_broken_upstreams_raise_clear_errors(
    reply: bytes, error: type[Exception], message: str
) -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(reply)
        await writer.drain()

    async with raw_server(script) as (url, _):
        upstream = pool()
        with pytest.raises(error, match=message):
            response = await upstream.request("GET", *at(url), b"", None)
            await response.read()
        await upstream.close()


async def test_read_timeout_and_refused_connections() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(5)

    async with raw_server(silent) as (url, _):
        with pytest.raises(UpstreamTimeout, match="no data"):
            await pool(read_timeout=0.2).request("GET", *at(url), b"", None)
    with pytest.raises(UpstreamConnectError):
        await pool().request("GET", *at(url), b"", None)  # the server is gone now
