"""The proxy's own HTTP/1.1 server as a client sees it: refusals, framing, keep-alive, pipelining.

Requests are written by hand on raw sockets, since any HTTP client library would
tidy up exactly the bytes these tests are about. Upstream is the demo fake's
``/echo``, ``/bytes/{n}`` and ``/sse/{n}``, or a server scripted byte by byte.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
import subprocess

import pytest

from lookout.demo.fake_server import FakeProvider
from lookout.demo.fake_utility import pattern_bytes
from tests.helpers import read_request
from tests.proxy.raw_http import (
    HOST,
    assert_lookout_error,
    closed_by_peer,
    connect,
    get,
    post,
    proxy_to_fake,
    proxy_to_script,
    read_response,
    refused_before_upstream,
)


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",  # a TLS ClientHello sent to http://
        b"POST /up/echo/x HTTP/1.1\r\n" + HOST + b"No colon in this line\r\nContent-Length: 2\r\n\r\nhi",
        b"POST /up/echo/x HTTP/1.1\r\n" + HOST + b"Content-Length: 2\r\nContent-Length: 3\r\n\r\nhi!",
        b"POST /up/echo/x HTTP/1.1\r\n" + HOST + b"Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"GET /up/echo/x HTTP/1.1\r\n" + HOST + b"Bad\x00Name: 1\r\n\r\n",
        # Header lines go upstream as received, so a break inside one must never get through.
        b"GET /up/echo/x HTTP/1.1\r\n" + HOST + b"X-Evil: a\rInjected: 1\r\n\r\n",
        b"GET /up/echo/x HTTP/1.1\r\n" + HOST + b"X-Evil: a\nInjected: 1\r\n\r\n",
        b"GET /up/echo/x HTTP/1.1\r\n" + HOST + b"X-Evil: a\r\n Injected: 1\r\n\r\n",
        b"GET /up/echo/x HTTP/1.1\r\n" + HOST + b"X-Evil: a\x00b\r\n\r\n",
    ],
    ids=[
        "tls",
        "no-colon",
        "two-lengths",
        "length-and-chunked",
        "nul-in-name",
        "cr-in-value",
        "lf-in-value",
        "folded-value",
        "nul-in-value",
    ],
)
async def test_malformed_requests_get_a_400_and_a_closed_connection(
    fake_provider: FakeProvider, request_bytes: bytes
) -> None:
    response = await refused_before_upstream(fake_provider, request_bytes)
    assert_lookout_error(response, 400, "bad_request")


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"CONNECT api.openai.com:443 HTTP/1.1\r\nHost: api.openai.com:443\r\n\r\n",
        get(
            "/up/echo/ws",
            b"1.1",
            b"Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n",
        ),
    ],
    ids=["connect", "websocket"],
)
async def test_tunnels_and_upgrades_get_a_501(fake_provider: FakeProvider, request_bytes: bytes) -> None:
    response = await refused_before_upstream(fake_provider, request_bytes)
    assert_lookout_error(response, 501, "not_supported")


H2C_OFFER = (
    b"Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n"
)


@pytest.mark.parametrize(
    "request_bytes",
    [
        get("/up/echo/offer", b"1.1", H2C_OFFER),
        post("/up/echo/offer", b"abc", H2C_OFFER),
        b"POST /up/echo/offer HTTP/1.1\r\n"
        + HOST
        + H2C_OFFER
        + b"Transfer-Encoding: chunked\r\n\r\n1\r\na\r\n2\r\nbc\r\n0\r\n\r\n",
    ],
    ids=["get", "post-length", "post-chunked"],
)
async def test_an_offer_of_http2_is_declined_and_the_request_served_over_http11(
    fake_provider: FakeProvider, request_bytes: bytes
) -> None:
    """``curl --http2`` and Java's HttpClient offer h2c on plain http://; a server may ignore that."""
    async with proxy_to_fake(fake_provider) as proxy:
        reader, writer = await connect(proxy.base_url)
        writer.write(request_bytes + get("/up/echo/next"))  # the connection stays HTTP/1.1
        offered, following = await read_response(reader), await read_response(reader)
        writer.close()
        record = await proxy.next_record()
    assert offered.status == 200 and following.status == 200
    seen = offered.json()
    sent_body = b"" if request_bytes.startswith(b"GET") else b"abc"
    assert (
        seen["body_length"] == len(sent_body) and seen["body_sha256"] == hashlib.sha256(sent_body).hexdigest()
    )
    names = {name.lower() for name, _ in seen["headers"]}
    assert not names & {"upgrade", "http2-settings", "connection"}
    assert following.json()["path"] == "/echo/next"
    assert record.outcome == "ok" and record.path == "/echo/offer"


def _curl_speaks_http2() -> bool:
    curl = shutil.which("curl")
    return curl is not None and "HTTP2" in subprocess.run([curl, "-V"], capture_output=True, text=True).stdout


@pytest.mark.skipif(not _curl_speaks_http2(), reason="needs a curl built with HTTP/2 (nghttp2)")
async def test_curl_http2_against_plain_http_gets_its_answer(fake_provider: FakeProvider) -> None:
    async with proxy_to_fake(fake_provider) as proxy:
        done = await asyncio.to_thread(
            subprocess.run,
            [
                "curl",
                "-sS",
                "--http2",
                "-d",
                "abc",
                "-w",
                "\n%{http_version} %{http_code}",
                f"{proxy.base_url}/up/echo/c",
            ],
            capture_output=True,
            timeout=20,
        )
        record = await proxy.next_record()
    body, status = done.stdout.rsplit(b"\n", 1)
    assert done.returncode == 0 and status == b"1.1 200", done.stderr
    assert json.loads(body)["body_length"] == 3
    assert record.outcome == "ok"


async def test_pipelined_requests_are_answered_in_order_and_all_recorded(fake_provider: FakeProvider) -> None:
    async with proxy_to_fake(fake_provider) as proxy:
        reader, writer = await connect(proxy.base_url)
        writer.write(post("/up/echo/first", b"one") + get("/up/bytes/70000") + post("/up/echo/third", b"3"))
        first, second, third = [await read_response(reader) for _ in range(3)]
        writer.close()
        records = [await proxy.next_record() for _ in range(3)]
    assert first.json()["path"] == "/echo/first" and first.json()["body_length"] == 3
    assert second.body == pattern_bytes(70000)
    assert third.json()["path"] == "/echo/third"
    assert [record.path for record in records] == ["/echo/first", "/bytes/70000", "/echo/third"]
    assert all(record.outcome == "ok" for record in records)
    assert [r.path for r in fake_provider.requests] == ["/echo/first", "/bytes/70000", "/echo/third"]


async def test_one_connection_serves_requests_of_every_framing_in_turn(fake_provider: FakeProvider) -> None:
    """Whole, chunked (SSE) and length-framed streamed responses, then a whole one again."""
    async with proxy_to_fake(fake_provider) as proxy:
        reader, writer = await connect(proxy.base_url)
        responses = []
        for request in (
            post("/up/echo/a", b"x"),
            get("/up/sse/3"),
            get("/up/bytes/100000"),
            get("/up/echo/b"),
        ):
            writer.write(request)
            responses.append(await read_response(reader))
        writer.close()
    assert [response.status for response in responses] == [200] * 4
    assert all("connection" not in response.headers for response in responses)
    assert responses[1].headers["transfer-encoding"] == "chunked"
    assert responses[1].body.count(b"data: ") == 3
    assert responses[2].body == pattern_bytes(100000)
    assert responses[3].json()["path"] == "/echo/b"


async def test_http10_client_gets_a_stream_delimited_by_close(fake_provider: FakeProvider) -> None:
    async with proxy_to_fake(fake_provider) as proxy:
        reader, writer = await connect(proxy.base_url)
        writer.write(get("/up/sse/3", b"1.0"))
        response = await read_response(reader)
        writer.close()
        record = await proxy.next_record()
    assert response.status == 200 and response.headers["connection"] == "close"
    assert "transfer-encoding" not in response.headers and "content-length" not in response.headers
    assert response.body.startswith(b"id: 0\ndata: ")  # no chunk-size line in front
    assert response.body.count(b"data: ") == 3 and response.body.endswith(b"\n\n")
    assert record.outcome == "ok"


async def test_http10_client_keeps_a_content_length_and_may_keep_alive(fake_provider: FakeProvider) -> None:
    async with proxy_to_fake(fake_provider) as proxy:
        reader, writer = await connect(proxy.base_url)
        writer.write(get("/up/bytes/100000", b"1.0", b"Connection: keep-alive\r\n"))
        kept = await read_response(reader)
        writer.write(get("/up/bytes/10", b"1.0"))  # no keep-alive asked: closed after it
        last = await read_response(reader)
        assert await closed_by_peer(reader)
        writer.close()
    assert kept.headers["content-length"] == "100000" and kept.body == pattern_bytes(100000)
    assert kept.headers["connection"] == "keep-alive"
    assert last.headers["content-length"] == "10" and last.headers["connection"] == "close"


@pytest.mark.parametrize("size", [1000, 3 * 1024 * 1024])
async def test_expect_100_continue_is_answered_before_the_body_is_sent(
    fake_provider: FakeProvider, size: int
) -> None:
    body = pattern_bytes(size)
    async with proxy_to_fake(fake_provider) as proxy:
        reader, writer = await connect(proxy.base_url)
        writer.write(post("/up/echo/e", b"", b"Expect: 100-continue\r\n").replace(b"0\r\n", b"%d\r\n" % size))
        interim = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        writer.write(body)
        response = await read_response(reader)
        writer.close()
        record = await proxy.next_record()
    assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
    assert response.status == 200
    assert response.json()["body_length"] == size
    assert response.json()["body_sha256"] == hashlib.sha256(body).hexdigest()
    assert record.outcome == "ok" and record.request_bytes == size


@pytest.mark.parametrize(
    "framing",
    [b"Content-Length: 10", b"Content-Length: 100000", b"Transfer-Encoding: chunked"],
    ids=["answered-whole", "relayed", "no-length"],
)
async def test_head_gets_a_head_only_and_the_connection_stays_usable(framing: bytes) -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while head := await reader.readuntil(b"\r\n\r\n"):
            if head.startswith(b"HEAD "):
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n%b\r\n\r\n" % framing)
            else:
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
            await writer.drain()

    async with proxy_to_script(script) as proxy:
        reader, writer = await connect(proxy.base_url)
        writer.write(b"HEAD /up/x HTTP/1.1\r\n" + HOST + b"\r\n")
        head = await read_response(reader, "HEAD")
        writer.write(get("/up/y"))
        after = await read_response(reader)  # bytes after the HEAD's head would garble this
        writer.close()
        records = [await proxy.next_record() for _ in range(2)]
    assert head.status == 200 and "connection" not in head.headers
    if framing.startswith(b"Content-Length"):
        assert head.headers["content-length"] == framing.split(b" ")[1].decode()
    assert after.status == 200 and after.body == b"hello"
    assert [record.method for record in records] == ["HEAD", "GET"]
    assert all(record.outcome == "ok" for record in records)


async def test_header_bytes_outside_ascii_and_escaped_paths_reach_the_upstream_unchanged() -> None:
    """Not every client sends ASCII headers; re-encoding them would alter what the provider sees."""
    received: list[bytes] = []

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader, received)
        writer.write(b"HTTP/1.1 204 No Content\r\nX-Reply: caf\xe9 \xc3\xa9\r\n\r\n")
        await writer.drain()

    async with proxy_to_script(script) as proxy:
        reader, writer = await connect(proxy.base_url)
        name = b"X-Name: caf\xe9 \xc3\xa9 \xff\r\n"
        writer.write(b"GET /up/v1/caf%C3%A9%2f?q=%E9 HTTP/1.1\r\n" + HOST + name + b"\r\n")
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        writer.close()
    assert received[0].startswith(b"GET /v1/caf%C3%A9%2f?q=%E9 HTTP/1.1\r\n")
    assert b"\r\nX-Name: caf\xe9 \xc3\xa9 \xff\r\n" in received[0]
    assert b"\r\nX-Reply: caf\xe9 \xc3\xa9\r\n" in head
