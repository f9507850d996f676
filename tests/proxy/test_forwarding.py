"""The proxy is transparent: what goes in comes out, bytes and headers alike."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import time
import tracemalloc
from collections.abc import AsyncIterator

import aiohttp
import brotli

from lookout.demo.fake_server import FakeProvider
from lookout.demo.fake_utility import pattern_bytes
from tests.helpers import all_providers_at, in_process_proxy, raw_server, read_request

MB = 1024 * 1024


async def raw_http(host: str, port: int, request: bytes) -> bytes:
    """Speak HTTP/1.1 by hand: aiohttp's client would merge or add headers."""
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(request)
    await writer.drain()
    data = await reader.read()
    writer.close()
    return data


async def test_method_path_query_headers_and_body_arrive_unchanged(
    fake_provider: FakeProvider,
) -> None:
    async with in_process_proxy({"up": fake_provider.base_url}) as proxy:
        host, port = proxy.base_url.removeprefix("http://").split(":")
        body = b'{"x": "caf\xc3\xa9"}'
        request = (
            b"PATCH /up/echo/a%2Fb/c?z=1&a=%20two&a=3 HTTP/1.1\r\n"
            + f"Host: 127.0.0.1:{port}\r\n".encode()
            + b"X-Custom: one\r\nX-Custom: two\r\nAuthorization: Bearer sk-test\r\n"
            b"x-lookout-trace: t-1\r\nX-Lookout-Session: s-1\r\nConnection: close, X-Drop-Me\r\n"
            b"X-Drop-Me: 1\r\nKeep-Alive: timeout=5\r\nContent-Type: application/json\r\n"
            b"connection: X-Drop-Too\r\nX-Drop-Too: 2\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        raw = await raw_http(host, int(port), request)
        record = await proxy.next_record()
    head, _, payload = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    echo = json.loads(payload)
    assert echo["method"] == "PATCH"
    assert echo["raw_path"] == "/echo/a%2Fb/c?z=1&a=%20two&a=3"
    sent = [(k.lower(), v) for k, v in echo["headers"]]
    assert ("x-custom", "one") in sent and ("x-custom", "two") in sent
    assert ("authorization", "Bearer sk-test") in sent
    assert ("content-type", "application/json") in sent
    names = {k for k, _ in sent}
    assert not names & {
        "x-lookout-trace",
        "x-lookout-session",
        "x-drop-me",
        "x-drop-too",
        "keep-alive",
        "connection",
    }
    # aiohttp must not add headers the client did not send
    assert not names & {"user-agent", "accept", "accept-encoding"}
    assert echo["body_sha256"] == hashlib.sha256(body).hexdigest()
    assert (record.trace_id, record.session_id) == ("t-1", "s-1")
    assert record.request_body == body and record.outcome == "ok"


async def test_status_headers_and_body_come_back_unchanged(fake_provider: FakeProvider) -> None:
    async with (
        in_process_proxy(all_providers_at(fake_provider.base_url)) as proxy,
        aiohttp.ClientSession(auto_decompress=False) as session,
    ):
        url = "/v1/chat/completions"
        body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
        headers = {"x-fake-status": "429"}
        async with session.post(fake_provider.base_url + url, json=body, headers=headers) as direct:
            direct_body, direct_headers = await direct.read(), direct.headers
        async with session.post(f"{proxy.base_url}/openai{url}", json=body, headers=headers) as proxied:
            proxied_body, proxied_headers = await proxied.read(), proxied.headers
            assert proxied.status == direct.status == 429
    assert json.loads(proxied_body)["error"]["code"] == json.loads(direct_body)["error"]["code"]
    # The fake's rate-limit message quotes a varying token count, so lengths differ per request.
    ignore = {"date", "x-request-id", "openai-processing-ms", "content-length"}
    assert int(proxied_headers["content-length"]) == len(proxied_body)
    same = {k.lower() for k in direct_headers} - ignore
    assert same <= {k.lower() for k in proxied_headers}
    for name in same:
        assert proxied_headers.getall(name) == direct_headers.getall(name), name


async def test_response_header_lines_come_back_byte_for_byte_minus_hop_by_hop() -> None:
    kept = [b"x-CuStOm-Case: Keeps Its Case", b"X-Latin: caf\xe9", b"Content-Type: application/json",
            b"content-encoding: identity", b"X-Twice: 1", b"X-Twice: 2", b"Content-Length: 2"]  # fmt: skip
    dropped = [b"Connection: keep-alive, X-Drop-Me", b"X-Drop-Me: 1", b"Keep-Alive: timeout=5",
               b"connection: X-Drop-Too", b"X-Drop-Too: 2"]  # fmt: skip
    mixed = [line for pair in zip(kept, [*dropped, b"", b""], strict=True) for line in pair if line]

    async def upstream(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader, [])
        writer.write(b"HTTP/1.1 201 Made It\r\n" + b"".join(line + b"\r\n" for line in mixed) + b"\r\n{}")
        await writer.drain()

    async with (
        raw_server(upstream) as (url, _),
        in_process_proxy({"up": f"http://{url.host}:{url.port}"}) as proxy,
    ):
        host, port = proxy.base_url.removeprefix("http://").split(":")
        request = f"GET /up/x HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n"
        raw = await raw_http(host, int(port), request.encode())
        record = await proxy.next_record()
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.split(b"\r\n")
    assert status_line == b"HTTP/1.1 201 Made It" and body == b"{}"
    assert lines == [*kept, b"Connection: close"]  # as sent and in order, then the proxy's own framing
    assert record.response_content_type == "application/json" and record.response_encoding == "identity"


async def test_compressed_bodies_pass_byte_identical_and_are_captured_decoded(
    fake_provider: FakeProvider,
) -> None:
    async with (
        in_process_proxy(all_providers_at(fake_provider.base_url)) as proxy,
        aiohttp.ClientSession(auto_decompress=False) as session,
    ):
        for encoding, decode in (("gzip", gzip.decompress), ("br", brotli.decompress)):
            body = {
                "model": "gpt-4o-mini",
                "stream": True,
                "messages": [{"role": "user", "content": "x"}],
            }
            headers = {"x-fake-encoding": encoding, "Accept-Encoding": "gzip, br"}
            url = f"{proxy.base_url}/openai/v1/chat/completions"
            async with session.post(url, json=body, headers=headers) as response:
                raw = await response.read()
                assert response.headers["Content-Encoding"] == encoding
            record = await proxy.next_record()
            assert record.response_body == raw  # captured exactly as sent
            assert record.response_encoding == encoding
            assert b"data: [DONE]" in decode(raw)


async def test_24mb_upload_and_download_pass_intact_in_bounded_memory(
    fake_provider: FakeProvider,
) -> None:
    size = 24 * MB

    async def upload() -> AsyncIterator[bytes]:
        for start in range(0, size, MB):
            yield pattern_bytes(MB)[: min(MB, size - start)]

    expected_upload = hashlib.sha256(b"".join([pattern_bytes(MB)] * 24)).hexdigest()
    async with (
        in_process_proxy({"up": fake_provider.base_url}) as proxy,
        aiohttp.ClientSession() as session,
    ):
        tracemalloc.start()
        async with session.post(f"{proxy.base_url}/up/echo/big", data=upload()) as response:
            echo = await response.json()
        async with session.get(f"{proxy.base_url}/up/bytes/{size}") as response:
            digest, received = hashlib.sha256(), 0
            async for chunk in response.content.iter_chunked(MB):
                digest.update(chunk)
                received += len(chunk)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        up_record, down_record = await proxy.next_record(), await proxy.next_record()
    assert echo["body_length"] == size and echo["body_sha256"] == expected_upload
    assert received == size and digest.hexdigest() == hashlib.sha256(pattern_bytes(size)).hexdigest()
    assert peak < 12 * MB, f"peak traced memory {peak / MB:.1f} MB for a 24 MB transfer"
    for record in (up_record, down_record):
        assert record.outcome == "ok"
    assert up_record.request_bytes == size and up_record.request_truncated
    assert len(up_record.request_body) == MB
    assert down_record.response_bytes == size and down_record.response_truncated
    assert len(down_record.response_body) == MB


async def test_capture_cap_is_configurable(fake_provider: FakeProvider) -> None:
    async with (
        in_process_proxy({"up": fake_provider.base_url}, capture_limit_bytes=1000) as proxy,
        aiohttp.ClientSession() as session,
    ):
        async with session.get(f"{proxy.base_url}/up/bytes/5000") as response:
            assert len(await response.read()) == 5000
        record = await proxy.next_record()
    assert record.response_body == pattern_bytes(1000) and record.response_truncated


async def test_stream_chunks_are_relayed_as_they_arrive(fake_provider: FakeProvider) -> None:
    """Each event is stamped by the upstream; a buffering proxy would add ~interval per event."""
    async with (
        in_process_proxy({"up": fake_provider.base_url}) as proxy,
        aiohttp.ClientSession() as session,
    ):
        delays = []
        async with session.get(f"{proxy.base_url}/up/sse/8", params={"interval_ms": "150"}) as response:
            async for line in response.content:
                if line.startswith(b"data: "):
                    delays.append((time.perf_counter_ns() - json.loads(line[6:])["t_ns"]) / 1e6)
        record = await proxy.next_record()
    assert len(delays) == 8
    assert max(delays) < 100, delays  # far below the 150 ms between events
    assert len(record.chunk_marks) >= 8
    times = [t for _, t in record.chunk_marks]
    assert times[-1] - times[0] > 7 * 140  # marks follow the upstream's pacing


async def test_only_allow_listed_headers_are_kept_for_the_record(fake_provider: FakeProvider) -> None:
    async with (
        in_process_proxy(all_providers_at(fake_provider.base_url)) as proxy,
        aiohttp.ClientSession() as session,
    ):
        headers = {"Authorization": "Bearer sk-canary-123", "x-api-key": "canary", "Cookie": "s=canary",
                   "User-Agent": "my-app/1.0", "x-goog-api-key": "canary"}  # fmt: skip
        url = f"{proxy.base_url}/openai/v1/chat/completions"
        async with session.post(
            url, json={"model": "gpt-4o-mini", "messages": []}, headers=headers
        ) as response:
            await response.read()
        record = await proxy.next_record()
    assert ("User-Agent", "my-app/1.0") in record.request_headers
    assert "canary" not in repr(record.request_headers) + repr(record.response_headers)
    assert any(name.lower() == "x-request-id" for name, _ in record.response_headers)
    # Plain strings, so the packed record is cheap to pickle and carries no multidict types.
    kept = record.request_headers + record.response_headers
    assert {type(part) for header in kept for part in header} == {str}
    assert b"multidict" not in record.packed()
