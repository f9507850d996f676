"""The app's control of the engine: the status payload and pausing capture."""

from __future__ import annotations

import aiohttp

from lookout.demo.fake_server import FakeProvider
from tests.helpers import all_providers_at, in_process_proxy

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


async def test_pausing_capture_keeps_forwarding_but_records_nothing(fake_provider: FakeProvider) -> None:
    async with (
        in_process_proxy(all_providers_at(fake_provider.base_url)) as proxy,
        aiohttp.ClientSession() as session,
    ):
        control = f"{proxy.base_url}/_lookout/capture"
        chat = f"{proxy.base_url}/openai/v1/chat/completions"
        async with session.post(control, json={"paused": True}) as response:
            assert response.status == 200
            assert (await response.json())["paused"] is True
        async with session.post(chat, json=CHAT) as response:
            assert response.status == 200
            await response.read()
        async with session.get(f"{proxy.base_url}/_lookout/status") as response:
            paused_status = await response.json()
        async with session.post(control, json={"paused": False}) as response:
            assert (await response.json())["paused"] is False
        async with session.post(chat, json=CHAT) as response:
            await response.read()
        record = await proxy.next_record()
    assert paused_status["paused"] is True
    assert paused_status["forwarded"] == 1 and paused_status["not_recorded"] == 1
    assert record.upstream == "openai"
    assert proxy.records == []  # only the call made after resuming was recorded
    assert fake_provider.count("/v1/chat/completions") == 2


async def test_capture_control_rejects_bad_bodies_and_browsers() -> None:
    async with (
        in_process_proxy({"mine": "http://127.0.0.1:9"}) as proxy,
        aiohttp.ClientSession() as session,
    ):
        control = f"{proxy.base_url}/_lookout/capture"
        async with session.post(control, json={"paused": "yes"}) as response:
            assert response.status == 400
        async with session.post(control, data=b"not json") as response:
            assert response.status == 400
        headers = {"Origin": "https://evil.example"}
        async with session.post(control, json={"paused": True}, headers=headers) as response:
            assert response.status == 403
        assert proxy.server.paused is False


async def test_status_names_the_data_dir_it_records_to() -> None:
    async with (
        in_process_proxy({"mine": "http://127.0.0.1:9"}) as proxy,
        aiohttp.ClientSession() as session,
        session.get(f"{proxy.base_url}/_lookout/status") as response,
    ):
        status = await response.json()
    # The in-process proxy has no recorder, so no data dir; the engine passes its own.
    assert status["data_dir"] is None
    assert status["paused"] is False and status["forwarded"] == 0
