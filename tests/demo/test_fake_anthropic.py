"""The official anthropic SDK, talking straight to the fake, parses every answer as real."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import anthropic
import pytest
from anthropic import AsyncAnthropic

from lookout.demo.fake_server import FakeProvider

USER = [{"role": "user", "content": "Say something about caching."}]


@pytest.fixture
async def client(fake_provider: FakeProvider) -> AsyncIterator[AsyncAnthropic]:
    async with AsyncAnthropic(base_url=fake_provider.base_url, api_key="test", max_retries=0) as sdk:
        yield sdk


async def test_message_plain(client: AsyncAnthropic) -> None:
    message = await client.messages.create(
        model="claude-haiku-4-5",
        max_tokens=1024,
        messages=USER,
    )
    assert message.id.startswith("msg_01")
    assert message.model == "claude-haiku-4-5-20251001"
    assert message.stop_reason == "end_turn"
    block = message.content[0]
    assert block.type == "text"
    assert message.usage.output_tokens == len(block.text.split())
    assert message.usage.cache_read_input_tokens == 0
    assert message.usage.cache_creation_input_tokens == 0


async def test_message_stream_full_event_set(client: AsyncAnthropic) -> None:
    stream = await client.messages.create(
        model="claude-haiku-4-5",
        max_tokens=1024,
        messages=USER,
        stream=True,
        extra_headers={"x-fake-chunks": "4"},
    )
    events = [event async for event in stream]
    kinds = [event.type for event in events]
    assert kinds == [
        "message_start",
        "content_block_start",
        *["content_block_delta"] * 4,
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    delta = events[-2]
    assert delta.type == "message_delta"
    assert delta.delta.stop_reason == "end_turn"
    text = "".join(
        e.delta.text for e in events if e.type == "content_block_delta" and e.delta.type == "text_delta"
    )
    assert delta.usage.output_tokens == len(text.split())


async def test_stream_helper_accumulates_usage(client: AsyncAnthropic) -> None:
    system = [{"type": "text", "text": "x" * 8000, "cache_control": {"type": "ephemeral"}}]
    async with client.messages.stream(
        model="claude-haiku-4-5",
        max_tokens=1024,
        system=system,
        messages=USER,
    ) as stream:
        message = await stream.get_final_message()
    usage = message.usage
    cached = (usage.cache_read_input_tokens or 0) + (usage.cache_creation_input_tokens or 0)
    assert cached > 0
    assert usage.output_tokens == len(message.content[0].text.split())


async def test_overloaded_error_class_and_request_id(
    client: AsyncAnthropic, fake_provider: FakeProvider
) -> None:
    with pytest.raises(anthropic.OverloadedError) as caught:
        await client.messages.create(
            model="claude-haiku-4-5",
            max_tokens=10,
            messages=USER,
            extra_headers={"x-fake-status": "529"},
        )
    body = caught.value.body
    assert isinstance(body, dict)
    assert body["error"] == {"type": "overloaded_error", "message": "Overloaded"}
    assert body["request_id"] == caught.value.request_id
    assert caught.value.response.headers["retry-after"]


async def test_rate_limit_error(client: AsyncAnthropic) -> None:
    with pytest.raises(anthropic.RateLimitError):
        await client.messages.create(
            model="claude-haiku-4-5",
            max_tokens=10,
            messages=USER,
            extra_headers={"x-fake-status": "429"},
        )


async def test_in_stream_overload_raises(client: AsyncAnthropic) -> None:
    stream = await client.messages.create(
        model="claude-haiku-4-5",
        max_tokens=1024,
        messages=USER,
        stream=True,
        extra_headers={"x-fake-stream-error": "1"},
    )
    seen = []
    with pytest.raises(anthropic.APIStatusError, match="overloaded_error"):
        async for event in stream:
            seen.append(event.type)
    assert "content_block_delta" in seen


async def test_missing_max_tokens_is_invalid_request(fake_provider: FakeProvider) -> None:
    # The SDK refuses to send this itself, so go around it.
    body = {"model": "claude-haiku-4-5", "messages": USER}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{fake_provider.base_url}/v1/messages", json=body) as response,
    ):
        assert response.status == 400
        error = await response.json()
    assert error["type"] == "error"
    assert error["error"]["type"] == "invalid_request_error"
    assert error["request_id"] == response.headers["request-id"]


async def test_count_tokens(client: AsyncAnthropic) -> None:
    counted = await client.messages.count_tokens(model="claude-haiku-4-5", messages=USER)
    assert counted.input_tokens > 0
