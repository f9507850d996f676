"""The x-fake-* knobs, the utility endpoints, prefix routing and the request log."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import itertools
import json
import time
import zlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import brotli
import pytest

from lookout.demo.fake_server import FakeProvider, ReceivedRequest
from lookout.demo.fake_utility import pattern_bytes

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
STREAM = {**CHAT, "stream": True}


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(auto_decompress=False) as client:
        yield client


def chat_url(fake: FakeProvider) -> str:
    return f"{fake.base_url}/v1/chat/completions"


async def test_gzip_plain_body(fake_provider: FakeProvider, session: aiohttp.ClientSession) -> None:
    headers = {"x-fake-encoding": "gzip"}
    async with session.post(chat_url(fake_provider), json=CHAT, headers=headers) as response:
        assert response.headers["Content-Encoding"] == "gzip"
        payload = json.loads(gzip.decompress(await response.read()))
    assert payload["object"] == "chat.completion"


@pytest.mark.parametrize("encoding", ["gzip", "br"])
async def test_compressed_stream_flushes_every_chunk(
    fake_provider: FakeProvider, session: aiohttp.ClientSession, encoding: str
) -> None:
    decoder: Any = zlib.decompressobj(wbits=31) if encoding == "gzip" else brotli.Decompressor()
    decode = decoder.decompress if encoding == "gzip" else decoder.process
    headers = {"x-fake-encoding": encoding, "x-fake-chunk-delay-ms": "60", "x-fake-chunks": "2"}
    async with session.post(chat_url(fake_provider), json=STREAM, headers=headers) as response:
        assert response.headers["Content-Encoding"] == encoding
        # The first read returns before the next chunk is even written, so it can only
        # decode if the server flushed the compressor after the first event.
        first = decode(await response.content.readany())
        rest = decode(await response.read())
    assert first.startswith(b"data: {") and first.endswith(b"\n\n")
    assert (first + rest).endswith(b"data: [DONE]\n\n")


async def test_latency_delays_the_headers(fake_provider: FakeProvider) -> None:
    async with aiohttp.ClientSession() as client:
        started = time.perf_counter()
        async with client.post(
            chat_url(fake_provider), json=CHAT, headers={"x-fake-latency-ms": "200"}
        ) as response:
            assert response.status == 200
        assert time.perf_counter() - started >= 0.2


async def test_drop_breaks_the_stream(fake_provider: FakeProvider) -> None:
    async with (
        aiohttp.ClientSession() as client,
        client.post(chat_url(fake_provider), json=STREAM, headers={"x-fake-drop": "1"}) as response,
    ):
        assert response.status == 200
        with pytest.raises(aiohttp.ClientPayloadError):
            await response.read()


async def test_hang_never_answers_and_the_server_carries_on(fake_provider: FakeProvider) -> None:
    timeout = aiohttp.ClientTimeout(total=0.3)
    async with aiohttp.ClientSession(timeout=timeout) as client:
        with pytest.raises(asyncio.TimeoutError):
            await client.post(chat_url(fake_provider), json=CHAT, headers={"x-fake-hang": "1"})
        async with client.post(chat_url(fake_provider), json=CHAT) as response:
            assert response.status == 200
    assert fake_provider.count("/v1/chat/completions") == 2


async def test_bad_knob_value_is_refused(fake_provider: FakeProvider) -> None:
    async with aiohttp.ClientSession() as client:
        headers = {"x-fake-encoding": "zstd"}
        async with client.post(chat_url(fake_provider), json=CHAT, headers=headers) as response:
            assert response.status == 400
            assert "x-fake-encoding" in await response.text()


async def test_invalid_json_gets_the_provider_error(fake_provider: FakeProvider) -> None:
    async with (
        aiohttp.ClientSession() as client,
        client.post(chat_url(fake_provider), data=b"{not json") as response,
    ):
        assert response.status == 400
        assert (await response.json())["error"]["type"] == "invalid_request_error"


async def test_echo_describes_a_large_upload(fake_provider: FakeProvider) -> None:
    body = pattern_bytes(24 * 1024 * 1024)
    url = f"{fake_provider.base_url}/echo/some/path?b=2&a=1&key=x%20y"
    async with (
        aiohttp.ClientSession() as client,
        client.put(url, data=body, headers={"X-Custom": "One"}) as response,
    ):
        echo = await response.json()
    assert echo["method"] == "PUT"
    assert echo["path"] == "/echo/some/path"
    assert echo["query_string"] == "b=2&a=1&key=x y"
    assert echo["raw_path"] == "/echo/some/path?b=2&a=1&key=x%20y"
    assert ["X-Custom", "One"] in echo["headers"]
    assert echo["body_length"] == len(body)
    assert echo["body_sha256"] == hashlib.sha256(body).hexdigest()


async def test_echo_keeps_repeated_headers_in_order(fake_provider: FakeProvider) -> None:
    # aiohttp's client merges repeated headers, so speak HTTP/1.1 by hand.
    reader, writer = await asyncio.open_connection(fake_provider.host, fake_provider.port)
    writer.write(b"GET /echo/x HTTP/1.1\r\nHost: h\r\nX-Dup: one\r\nx-dup: two\r\nConnection: close\r\n\r\n")
    response = await reader.read()
    writer.close()
    echo = json.loads(response.split(b"\r\n\r\n", 1)[1])
    assert echo["headers"] == [
        ["Host", "h"],
        ["X-Dup", "one"],
        ["x-dup", "two"],
        ["Connection", "close"],
    ]


async def test_bytes_streams_the_pattern(fake_provider: FakeProvider) -> None:
    n = 200_000
    async with (
        aiohttp.ClientSession() as client,
        client.get(f"{fake_provider.base_url}/bytes/{n}") as response,
    ):
        assert response.content_length == n
        assert await response.read() == pattern_bytes(n)


async def test_sse_events_carry_the_write_time(fake_provider: FakeProvider) -> None:
    url = f"{fake_provider.base_url}/sse/5?interval_ms=20"
    stamps: list[tuple[int, int]] = []
    async with aiohttp.ClientSession() as client, client.get(url) as response:
        async for line in response.content:
            if line.startswith(b"data: "):
                event = json.loads(line[6:])
                stamps.append((event["t_ns"], time.perf_counter_ns()))
    assert len(stamps) == 5
    assert all(sent <= received for sent, received in stamps)
    gaps = [later[0] - earlier[0] for earlier, later in itertools.pairwise(stamps)]
    assert min(gaps) >= 15_000_000


async def test_provider_prefixes_and_request_log(fake_provider: FakeProvider) -> None:
    async with aiohttp.ClientSession() as client:
        for prefix in ("", "/openai"):
            async with client.post(f"{fake_provider.base_url}{prefix}/v1/chat/completions", json=CHAT):
                pass
        async with client.get(f"{fake_provider.base_url}/nowhere") as response:
            assert response.status == 404
    assert fake_provider.requests == [
        ReceivedRequest("POST", "/v1/chat/completions"),
        ReceivedRequest("POST", "/openai/v1/chat/completions"),
        ReceivedRequest("GET", "/nowhere"),
    ]
    assert ("POST", "/v1/chat/completions") in fake_provider.requests
