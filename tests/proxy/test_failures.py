"""Failures get clear OpenAI-shaped errors and honest outcomes; refusals never reach upstream."""

from __future__ import annotations

import asyncio
import json
import socket

import aiohttp
import pytest
from aiohttp import web

from lookout.demo.fake_server import FakeProvider
from tests.helpers import all_providers_at, in_process_proxy

CHAT = {"model": "gpt-4o-mini", "stream": True, "messages": [{"role": "user", "content": "hello"}]}


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def assert_openai_error(payload: bytes, code: str) -> str:
    error = json.loads(payload)["error"]
    assert error["code"] == code and error["type"] == "lookout_error"
    assert isinstance(error["message"], str) and error["message"].startswith("[lookout] ")
    return str(error["message"])


async def test_unknown_upstream_is_a_404_naming_the_configured_ones() -> None:
    async with (
        in_process_proxy({"mine": "http://127.0.0.1:9"}) as proxy,
        aiohttp.ClientSession() as session,
        session.post(f"{proxy.base_url}/nope/v1/chat/completions") as response,
    ):
        assert response.status == 404
        message = assert_openai_error(await response.read(), "unknown_upstream")
    assert "'nope'" in message and "mine" in message and "openai" in message
    assert proxy.records == []


async def test_unreachable_upstream_is_a_502() -> None:
    port = closed_port()
    async with (
        in_process_proxy({"down": f"http://127.0.0.1:{port}"}) as proxy,
        aiohttp.ClientSession() as session,
    ):
        async with session.post(f"{proxy.base_url}/down/v1/chat/completions", json=CHAT) as response:
            assert response.status == 502
            assert response.headers["x-lookout-error"] == "upstream_unreachable"
            message = assert_openai_error(await response.read(), "upstream_unreachable")
        record = await proxy.next_record()
    assert f"127.0.0.1:{port}" in message
    assert record.outcome == "upstream_unreachable" and record.status_code is None


async def test_upstream_that_hangs_times_out_with_a_504(fake_provider: FakeProvider) -> None:
    async with (
        in_process_proxy(all_providers_at(fake_provider.base_url), read_timeout_s=0.3) as proxy,
        aiohttp.ClientSession() as session,
    ):
        url = f"{proxy.base_url}/openai/v1/chat/completions"
        async with session.post(url, json=CHAT, headers={"x-fake-hang": "1"}) as response:
            assert response.status == 504
            assert_openai_error(await response.read(), "upstream_timeout")
        record = await proxy.next_record()
    assert record.outcome == "upstream_timeout"
    assert 250 < (record.latency_ms or 0) < 3000


async def test_upstream_dropping_mid_stream_breaks_the_client_stream(
    fake_provider: FakeProvider,
) -> None:
    async with (
        in_process_proxy(all_providers_at(fake_provider.base_url)) as proxy,
        aiohttp.ClientSession() as session,
    ):
        url = f"{proxy.base_url}/openai/v1/chat/completions"
        with pytest.raises(aiohttp.ClientPayloadError):
            async with session.post(url, json=CHAT, headers={"x-fake-drop": "1"}) as response:
                assert response.status == 200
                await response.read()
        record = await proxy.next_record()
    assert record.outcome == "error" and record.network_error is not None
    assert b"data: " in record.response_body  # what arrived before the drop was captured


async def test_client_leaving_mid_stream_cancels_the_upstream() -> None:
    upstream_done = asyncio.Event()
    upstream_outcome: list[str] = []

    async def slow_stream(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        try:
            for _ in range(100):
                await response.write(b'data: {"choices":[{"delta":{"content":"x"}}]}\n\n')
                await asyncio.sleep(0.05)
            upstream_outcome.append("finished")
        except (asyncio.CancelledError, ConnectionResetError):
            upstream_outcome.append("cancelled")
            raise
        finally:
            upstream_done.set()
        return response

    app = web.Application()
    app.router.add_post("/v1/chat/completions", slow_stream)
    runner = web.AppRunner(app, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    upstream = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        async with in_process_proxy({"openai": upstream}) as proxy:
            async with aiohttp.ClientSession() as session:
                response = await session.post(f"{proxy.base_url}/openai/v1/chat/completions", json=CHAT)
                await response.content.readline()
                response.close()  # the client goes away mid-stream
            record = await proxy.next_record()
            await asyncio.wait_for(upstream_done.wait(), 3)
    finally:
        await runner.cleanup()
    assert record.outcome == "client_aborted"
    assert upstream_outcome == ["cancelled"]


async def test_client_leaving_while_upstream_thinks_is_client_aborted(
    fake_provider: FakeProvider,
) -> None:
    async with in_process_proxy(all_providers_at(fake_provider.base_url)) as proxy:
        async with aiohttp.ClientSession() as session:
            url = f"{proxy.base_url}/openai/v1/chat/completions"
            with pytest.raises(asyncio.TimeoutError):
                await session.post(
                    url,
                    json=CHAT,
                    headers={"x-fake-hang": "1"},
                    timeout=aiohttp.ClientTimeout(total=0.3),
                )
        record = await proxy.next_record()
    assert record.outcome == "client_aborted"


async def test_a_client_that_sends_and_leaves_at_once_still_gets_its_call_recorded(
    fake_provider: FakeProvider,
) -> None:
    # With a pooled connection at hand the call goes upstream from the parser callback;
    # the client's close then comes in the same read, before the call's task has run.
    async with in_process_proxy(all_providers_at(fake_provider.base_url)) as proxy:
        url = f"{proxy.base_url}/openai/v1/chat/completions"
        async with aiohttp.ClientSession() as session, session.post(url, json=CHAT) as response:
            await response.read()
        assert (await proxy.next_record()).outcome == "ok"
        body = json.dumps(CHAT).encode()
        _, writer = await asyncio.open_connection(*proxy.base_url.removeprefix("http://").split(":"))
        writer.write(
            b"POST /openai/v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nx-fake-hang: 1\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%b" % (len(body), body)
        )
        writer.close()
        record = await asyncio.wait_for(proxy.next_record(), 5)
    assert record.outcome == "client_aborted" and len(fake_provider.requests) == 2


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Host": "evil.example:8787"},
        {"Host": "192.168.1.10:8787"},
    ],
)
async def test_browser_and_rebinding_requests_are_refused_before_upstream(
    fake_provider: FakeProvider, headers: dict[str, str]
) -> None:
    async with in_process_proxy(all_providers_at(fake_provider.base_url)) as proxy:
        async with aiohttp.ClientSession() as session:
            url = f"{proxy.base_url}/openai/v1/chat/completions"
            async with session.post(url, json=CHAT, headers=headers) as response:
                assert response.status == 403
                assert_openai_error(await response.read(), "request_refused")
        await asyncio.sleep(0.05)
    assert fake_provider.requests == []
    assert proxy.records == []


async def test_status_endpoint_lists_upstreams() -> None:
    async with (
        in_process_proxy({"mine": "http://127.0.0.1:9"}) as proxy,
        aiohttp.ClientSession() as session,
        session.get(f"{proxy.base_url}/_lookout/status") as response,
    ):
        status = await response.json()
    assert status["upstreams"]["mine"] == "http://127.0.0.1:9"
    assert "openai" in status["upstreams"] and "lookout" in status
