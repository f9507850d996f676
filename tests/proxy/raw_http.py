"""Raw-socket HTTP/1.1 for the proxy server's tests: hand-written requests, strictly framed responses.

Any HTTP client library would tidy up exactly the bytes these tests are about.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, NamedTuple

from lookout.demo.fake_server import FakeProvider
from tests.helpers import InProcessProxy, Script, in_process_proxy, raw_server

HOST = b"Host: 127.0.0.1\r\n"


class RawResponse(NamedTuple):
    status: int
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


Streams = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def connect(base_url: str) -> Streams:
    host, port = base_url.removeprefix("http://").split(":")
    return await asyncio.open_connection(host, int(port))


async def read_response(reader: asyncio.StreamReader, method: str = "GET") -> RawResponse:
    """One response, framed as a strict client would: by length, by chunks, or to the end."""
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    status_line, *lines = head.decode("latin-1").split("\r\n")[:-2]
    status = int(status_line.split(" ")[1])
    headers = {name.lower(): value.strip() for name, value in (line.split(":", 1) for line in lines)}
    if method == "HEAD" or status in (204, 304) or status < 200:
        return RawResponse(status, headers, b"")
    if "content-length" in headers:
        body = await asyncio.wait_for(reader.readexactly(int(headers["content-length"])), 5)
    elif headers.get("transfer-encoding") == "chunked":
        body = await asyncio.wait_for(read_chunks(reader), 5)
    else:
        body = await asyncio.wait_for(reader.read(), 5)
    return RawResponse(status, headers, body)


async def read_chunks(reader: asyncio.StreamReader) -> bytes:
    pieces = []
    while size := int((await reader.readuntil(b"\r\n"))[:-2], 16):
        pieces.append(await reader.readexactly(size))
        assert await reader.readexactly(2) == b"\r\n"
    assert await reader.readexactly(2) == b"\r\n"  # no trailers
    return b"".join(pieces)


async def closed_by_peer(reader: asyncio.StreamReader) -> bool:
    return await asyncio.wait_for(reader.read(), 2) == b""


def assert_lookout_error(response: RawResponse, status: int, code: str) -> None:
    assert response.status == status
    error = response.json()["error"]
    assert error["code"] == code and error["type"] == "lookout_error"
    assert isinstance(error["message"], str) and error["message"].startswith("[lookout] ")
    assert response.headers["connection"] == "close"


def post(path: str, body: bytes, *extra: bytes) -> bytes:
    length = b"Content-Length: %d\r\n" % len(body)
    return b"POST %b HTTP/1.1\r\n%b%b%b\r\n%b" % (path.encode(), HOST, length, b"".join(extra), body)


def get(path: str, version: bytes = b"1.1", *extra: bytes) -> bytes:
    return b"GET %b HTTP/%b\r\n%b%b\r\n" % (path.encode(), version, HOST, b"".join(extra))


@asynccontextmanager
async def proxy_to_fake(fake: FakeProvider) -> AsyncIterator[InProcessProxy]:
    async with in_process_proxy({"up": fake.base_url}) as proxy:
        yield proxy


@asynccontextmanager
async def proxy_to_script(script: Script) -> AsyncIterator[InProcessProxy]:
    """A proxy whose upstream ``up`` is a server scripted byte by byte."""
    async with (
        raw_server(script) as (url, _),
        in_process_proxy({"up": f"http://{url.host}:{url.port}"}) as proxy,
    ):
        yield proxy


async def refused_before_upstream(fake: FakeProvider, request: bytes) -> RawResponse:
    """Send ``request``; check the proxy closed the connection and forwarded and recorded nothing."""
    async with proxy_to_fake(fake) as proxy:
        reader, writer = await connect(proxy.base_url)
        writer.write(request)
        response = await read_response(reader)
        assert await closed_by_peer(reader)
        writer.close()
        await asyncio.sleep(0.05)  # a record or an upstream call, if any, would have started by now
        assert proxy.records == []
    assert fake.requests == []
    return response
