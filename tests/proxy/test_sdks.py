"""The official SDKs, changed only in base URL, work through the engine and get recorded right."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import anthropic
import openai
import pytest
from google import genai
from google.genai import types

from lookout.core.config import Config, ProxySettings
from lookout.demo.fake_server import FakeProvider
from lookout.proxy.engine import RunningEngine, running_engine
from tests.helpers import all_providers_at, wait_for_calls

HI = [{"role": "user", "content": "Say hello"}]


@pytest.fixture
async def engine(fake_provider: FakeProvider, tmp_path: Path) -> AsyncIterator[RunningEngine]:
    config = Config(
        data_dir=tmp_path / "data",
        proxy=ProxySettings(port=0),
        upstreams=all_providers_at(fake_provider.base_url),
    )
    async with running_engine(config) as running:
        yield running


def by_operation(rows: list[dict[str, object]]) -> dict[tuple[object, object], dict[str, object]]:
    return {(row["operation"], row["streamed"]): row for row in rows}


async def test_openai_sdk(engine: RunningEngine, tmp_path: Path) -> None:
    client = openai.AsyncOpenAI(base_url=f"{engine.base_url}/openai/v1", api_key="sk-test", max_retries=0)
    plain = await client.chat.completions.create(model="gpt-4o-mini", messages=HI)  # type: ignore[arg-type]
    stream = await client.chat.completions.create(
        model="gpt-4o-mini",
        messages=HI,
        stream=True,
        stream_options={"include_usage": True},  # type: ignore[arg-type]
    )
    streamed_usage = None
    async for chunk in stream:
        streamed_usage = chunk.usage or streamed_usage
    response = await client.responses.create(model="gpt-4.1", input="Say hello")
    async with client.responses.stream(model="gpt-4.1", input="Say hello") as events:
        final = await events.get_final_response()
    embedding = await client.embeddings.create(model="text-embedding-3-small", input="hello")
    await client.images.generate(model="gpt-image-1", prompt="a cat")

    rows = by_operation(await wait_for_calls(tmp_path / "data", 6))
    chat = rows[("chat", 0)]
    assert plain.usage is not None and streamed_usage is not None
    assert chat["model"] == "gpt-4o-mini" and chat["response_model"] == plain.model
    assert chat["input_tokens"] == plain.usage.prompt_tokens
    assert chat["output_tokens"] == plain.usage.completion_tokens
    assert chat["cost_usd"] is not None and chat["cost_usd"] > 0 and chat["ttft_ms"] is None
    chat_stream = rows[("chat", 1)]
    assert chat_stream["output_tokens"] == streamed_usage.completion_tokens
    assert 0 < chat_stream["ttft_ms"] <= chat_stream["latency_ms"]  # type: ignore[operator]
    assert rows[("responses", 0)]["output_tokens"] == response.usage.output_tokens  # type: ignore[union-attr]
    assert rows[("responses", 1)]["output_tokens"] == final.usage.output_tokens  # type: ignore[union-attr]
    assert rows[("embeddings", 0)]["input_tokens"] == embedding.usage.prompt_tokens
    assert ("image", 0) in rows
    assert all(row["outcome"] == "ok" and row["upstream"] == "openai" for row in rows.values())


async def test_openai_sdk_sees_provider_errors_unchanged(engine: RunningEngine, tmp_path: Path) -> None:
    client = openai.AsyncOpenAI(base_url=f"{engine.base_url}/openai/v1", api_key="sk-test", max_retries=0)
    with pytest.raises(openai.RateLimitError) as caught:
        await client.chat.completions.create(
            model="gpt-4o-mini",
            messages=HI,
            extra_headers={"x-fake-status": "429"},  # type: ignore[arg-type]
        )
    assert "Rate limit reached" in caught.value.message
    with pytest.raises(openai.APIError):
        stream = await client.chat.completions.create(
            model="gpt-4o-mini",
            messages=HI,
            stream=True,
            extra_headers={"x-fake-stream-error": "1"},  # type: ignore[arg-type]
        )
        async for _ in stream:
            pass
    rows = await wait_for_calls(tmp_path / "data", 2)
    assert [(row["status_code"], row["outcome"]) for row in rows] == [
        (429, "error"),
        (200, "error"),
    ]
    assert rows[0]["error_code"] == "rate_limit_exceeded"


async def test_anthropic_sdk(engine: RunningEngine, tmp_path: Path) -> None:
    client = anthropic.AsyncAnthropic(
        base_url=f"{engine.base_url}/anthropic", api_key="sk-ant-test", max_retries=0
    )
    message = await client.messages.create(model="claude-haiku-4-5", max_tokens=200, messages=HI)  # type: ignore[arg-type]
    async with client.messages.stream(model="claude-haiku-4-5", max_tokens=200, messages=HI) as stream:  # type: ignore[arg-type]
        final = await stream.get_final_message()
    with pytest.raises(anthropic.APIStatusError) as caught:
        await client.messages.create(
            model="claude-haiku-4-5",
            max_tokens=10,
            messages=HI,
            extra_headers={"x-fake-status": "529"},  # type: ignore[arg-type]
        )
    assert caught.value.status_code == 529
    rows = await wait_for_calls(tmp_path / "data", 3)
    plain, streamed, failed = rows
    assert plain["provider"] == "anthropic" and plain["model"] == "claude-haiku-4-5"
    assert plain["output_tokens"] == message.usage.output_tokens
    assert plain["input_tokens"] == message.usage.input_tokens + (
        message.usage.cache_read_input_tokens or 0
    ) + (message.usage.cache_creation_input_tokens or 0)
    assert plain["cost_usd"] is not None
    assert streamed["streamed"] == 1 and streamed["output_tokens"] == final.usage.output_tokens
    assert streamed["ttft_ms"] is not None
    assert (failed["status_code"], failed["outcome"], failed["error_type"]) == (
        529,
        "error",
        "overloaded_error",
    )


async def test_gemini_sdk(engine: RunningEngine, tmp_path: Path) -> None:
    client = genai.Client(
        api_key="test-key", http_options=types.HttpOptions(base_url=f"{engine.base_url}/gemini")
    )
    reply = await client.aio.models.generate_content(model="gemini-2.5-flash", contents="Say hello")
    chunks = [
        c
        async for c in await client.aio.models.generate_content_stream(
            model="gemini-2.5-flash", contents="Hi"
        )
    ]
    rows = await wait_for_calls(tmp_path / "data", 2)
    plain, streamed = rows
    assert reply.usage_metadata is not None and chunks
    assert plain["provider"] == "gemini" and plain["model"] == "gemini-2.5-flash"
    assert plain["input_tokens"] == reply.usage_metadata.prompt_token_count
    assert plain["cost_usd"] is not None
    assert streamed["streamed"] == 1 and streamed["ttft_ms"] is not None
    assert streamed["output_tokens"] is not None
