"""The proxy's HTTP/1.1 server at its edges: oversized heads, clients that leave, idle and closing time.

The server-level tests run :class:`HttpServer` with a small handler of their own;
the rest go through the in-process proxy. Raw sockets throughout, as in
``test_http_server``. A big upload arriving intact is covered by
``test_forwarding.test_24mb_upload_and_download_pass_intact_in_bounded_memory``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from lookout.demo.fake_server import FakeProvider
from lookout.proxy.http_request import Request
from lookout.proxy.http_response import Response, json_reply
from lookout.proxy.http_server import HEAD_LIMIT, HttpServer
from tests.helpers import in_process_proxy, raw_server, read_request
from tests.proxy.raw_http import (
    HOST,
    assert_lookout_error,
    closed_by_peer,
    connect,
    get,
    read_response,
    refused_before_upstream,
)

MB = 1024 * 1024


@pytest.mark.parametrize(
    "request_bytes",
    [
        get("/up/echo/x", b"1.1", b"X-Big: " + b"a" * (HEAD_LIMIT + 10) + b"\r\n"),
        get("/up/echo/x", b"1.1", b"".join(b"X-Many-%05d: %030d\r\n" % (i, i) for i in range(1600))),
        get("/up/echo/" + "a" * (HEAD_LIMIT + 10)),
    ],
    ids=["one-big-header", "many-headers", "long-target"],
)
async def test_a_head_over_the_limit_gets_a_431(fake_provider: FakeProvider, request_bytes: bytes) -> None:
    response = await refused_before_upstream(fake_provider, request_bytes)
    assert_lookout_error(response, 431, "request_header_fields_too_large")


async def test_a_head_growing_past_the_limit_is_refused_before_it_ends(fake_provider: FakeProvider) -> None:
    """An unfinished header line must not be buffered without bound while waiting for its end."""
    async with in_process_proxy({"up": fake_provider.base_url}) as proxy:
        reader, writer = await connect(proxy.base_url)
        writer.write(b"GET /up/echo/x HTTP/1.1\r\n" + HOST + b"X-Big: ")
        for _ in range(HEAD_LIMIT // (16 * 1024) + 1):  # a client sending its head slowly, as a stream
            await asyncio.sleep(0.01)  # the proxy, on this loop, reads each piece on its own
            writer.write(b"a" * 16 * 1024)
        response = await asyncio.wait_for(read_response(reader), 2)
        writer.close()
    assert_lookout_error(response, 431, "request_header_fields_too_large")


async def test_client_leaving_mid_upload_is_client_aborted_and_serving_goes_on(
    fake_provider: FakeProvider,
) -> None:
    async with in_process_proxy({"up": fake_provider.base_url}) as proxy:
        reader, writer = await connect(proxy.base_url)
        writer.write(b"POST /up/echo/big HTTP/1.1\r\n" + HOST + b"Content-Length: %d\r\n\r\n" % (8 * MB))
        writer.write(b"x" * MB)
        await writer.drain()
        writer.close()
        record = await proxy.next_record()
        reader, writer = await connect(proxy.base_url)
        writer.write(get("/up/echo/after"))
        after = await read_response(reader)
        writer.close()
    assert record.outcome == "client_aborted" and record.path == "/echo/big"
    assert record.request_bytes <= MB  # what reached upstream before the cancel, if any
    assert after.status == 200 and after.json()["path"] == "/echo/after"


async def test_client_leaving_before_its_small_body_is_all_here_is_recorded_and_never_sent(
    fake_provider: FakeProvider,
) -> None:
    """A small body is awaited whole before the call starts; a client gone first is still recorded."""
    async with in_process_proxy({"up": fake_provider.base_url}) as proxy:
        _, writer = await connect(proxy.base_url)
        writer.write(
            b"POST /up/echo/small HTTP/1.1\r\n" + HOST + b"Content-Length: 1000\r\n\r\n" + b"x" * 100
        )
        await writer.drain()
        writer.close()
        record = await proxy.next_record()
    assert record.outcome == "client_aborted" and record.path == "/echo/small"
    assert record.status_code is None and fake_provider.requests == []


@pytest.mark.parametrize("gap_s", [0.02, 10.0], ids=["generating", "thinking"])
async def test_client_leaving_mid_stream_closes_the_upstream_connection(gap_s: float) -> None:
    """Whether the upstream keeps sending events or has gone quiet, the proxy hangs up on it."""
    upstream_closed = asyncio.Event()
    events_sent: list[int] = []

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader, heads)
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        watch = asyncio.create_task(reader.read())  # b"" once the proxy closes its side
        for index in range(500):
            event = b"data: %d\n\n" % index
            writer.write(b"%x\r\n%b\r\n" % (len(event), event))
            events_sent.append(index)
            await asyncio.wait([watch], timeout=gap_s if index >= 2 else 0)  # three at once, then paced
            if watch.done():
                upstream_closed.set()
                return

    async with (
        raw_server(script) as (url, heads),
        in_process_proxy({"up": f"http://{url.host}:{url.port}"}) as proxy,
    ):
        reader, writer = await connect(proxy.base_url)
        writer.write(get("/up/v1/stream"))
        await asyncio.wait_for(reader.readuntil(b"data: 2\n\n"), 5)
        writer.close()
        record = await proxy.next_record()
        await asyncio.wait_for(upstream_closed.wait(), 3)
    assert record.outcome == "client_aborted"
    assert 3 <= len(events_sent) < 500
    assert b"data: 2\n\n" in record.response_body


class Handler:
    """A handler for the server-level tests; ``/wait`` answers once ``release`` is set."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.cancelled: list[str] = []

    async def __call__(self, request: Request, response: Response) -> None:
        if request.raw_path == "/boom":
            raise RuntimeError("a bug in the handler")
        if request.raw_path == "/boom-midway":
            response.start(200, None, b"Content-Type: text/plain\r\n")
            await response.write(b"partial")
            raise RuntimeError("a bug after the head went out")
        if request.raw_path == "/wait":
            self.started.set()
            try:
                await self.release.wait()
            except asyncio.CancelledError:
                self.cancelled.append(request.raw_path)
                raise
        await response.send(json_reply({"path": request.raw_path}))


@asynccontextmanager
async def http_server(keep_alive_s: float = 75.0) -> AsyncIterator[tuple[HttpServer, str, Handler]]:
    handler = Handler()
    server = HttpServer(handler, keep_alive_s=keep_alive_s)
    port = await server.start("127.0.0.1", 0)
    try:
        yield server, f"http://127.0.0.1:{port}", handler
    finally:
        await server.close(0.1)


async def test_idle_keep_alive_connections_are_closed_after_keep_alive_s() -> None:
    async with http_server(keep_alive_s=0.2) as (_, base_url, _):
        reader, writer = await connect(base_url)
        writer.write(get("/one"))
        first = await read_response(reader)
        writer.write(get("/two"))  # right after a response the connection is still open
        second = await read_response(reader)
        assert await closed_by_peer(reader)
        silent_reader, silent_writer = await connect(base_url)  # never sends a byte
        assert await closed_by_peer(silent_reader)
        writer.close()
        silent_writer.close()
    assert [first.status, second.status] == [200, 200] and "connection" not in second.headers


async def test_a_request_running_longer_than_keep_alive_s_is_not_cut_off() -> None:
    async with http_server(keep_alive_s=0.05) as (_, base_url, handler):
        reader, writer = await connect(base_url)
        writer.write(get("/wait"))
        await handler.started.wait()
        await asyncio.sleep(0.2)  # four idle periods pass while the handler works
        handler.release.set()
        response = await read_response(reader)
        writer.close()
    assert response.status == 200 and response.json() == {"path": "/wait"}


async def test_closing_finishes_requests_in_flight_and_closes_idle_connections() -> None:
    async with http_server() as (server, base_url, handler):
        idle_reader, idle_writer = await connect(base_url)
        idle_writer.write(get("/idle"))
        await read_response(idle_reader)
        busy_reader, busy_writer = await connect(base_url)
        busy_writer.write(get("/wait"))
        await handler.started.wait()
        closing = asyncio.create_task(server.close(5.0))
        assert await closed_by_peer(idle_reader)
        with pytest.raises(OSError):
            await connect(base_url)  # no longer listening
        handler.release.set()
        response = await read_response(busy_reader)
        assert await closed_by_peer(busy_reader)
        await asyncio.wait_for(closing, 2)
        idle_writer.close()
        busy_writer.close()
    assert response.status == 200 and response.json() == {"path": "/wait"}
    assert handler.cancelled == []


async def test_closing_cancels_a_request_still_running_after_the_grace_period() -> None:
    async with http_server() as (server, base_url, handler):
        reader, writer = await connect(base_url)
        writer.write(get("/wait"))
        await handler.started.wait()
        await server.close(0.1)
        assert handler.cancelled == ["/wait"]  # the handler ran its cleanup before close() returned
        assert await closed_by_peer(reader)  # no response at all
        writer.close()


async def test_a_handler_that_raises_gets_a_500_and_the_server_keeps_serving() -> None:
    async with http_server() as (_, base_url, _):
        reader, writer = await connect(base_url)
        writer.write(get("/boom"))
        failed = await read_response(reader)
        assert await closed_by_peer(reader)
        writer.close()
        reader, writer = await connect(base_url)
        writer.write(get("/boom-midway"))
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        rest = await asyncio.wait_for(reader.read(), 5)  # cut off: no terminating chunk
        writer.close()
        reader, writer = await connect(base_url)
        writer.write(get("/fine"))
        fine = await read_response(reader)
        writer.close()
    assert failed.status == 500 and failed.json()["error"]["code"] == "internal"
    assert failed.json()["error"]["message"] == "[lookout] lookout internal error: RuntimeError"
    assert failed.headers["connection"] == "close"
    assert head.startswith(b"HTTP/1.1 200 OK") and rest == b"7\r\npartial\r\n"
    assert fine.status == 200 and fine.json() == {"path": "/fine"}
