"""The official google-genai SDK, talking straight to the fake, parses every answer as real."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import aiohttp
import pytest
from google import genai
from google.genai import errors, types

from lookout.demo.fake_server import FakeProvider

pytestmark = pytest.mark.filterwarnings("ignore:Inheritance class AiohttpClientSession:DeprecationWarning")


@pytest.fixture(params=["v1beta", "v1"])
async def client(fake_provider: FakeProvider, request: pytest.FixtureRequest) -> AsyncIterator[genai.Client]:
    options = types.HttpOptions(
        base_url=fake_provider.base_url,
        api_version=request.param,
        retry_options=types.HttpRetryOptions(attempts=1),
    )
    sdk = genai.Client(api_key="test", http_options=options)
    yield sdk
    await sdk.aio.aclose()


async def test_generate_content(client: genai.Client) -> None:
    response = await client.aio.models.generate_content(
        model="gemini-2.5-flash", contents="Say something about caching."
    )
    assert response.text
    assert response.model_version == "gemini-2.5-flash"
    assert response.response_id
    usage = response.usage_metadata
    assert usage is not None
    assert usage.candidates_token_count == len(response.text.split())
    assert (usage.thoughts_token_count or 0) > 0
    assert usage.total_token_count == (
        (usage.prompt_token_count or 0)
        + (usage.candidates_token_count or 0)
        + (usage.thoughts_token_count or 0)
    )
    assert response.candidates and response.candidates[0].finish_reason == types.FinishReason.STOP


async def test_generate_content_stream(client: genai.Client) -> None:
    chunks = [
        chunk
        async for chunk in await client.aio.models.generate_content_stream(
            model="gemini-2.5-pro",
            contents="Say something about caching.",
            config=types.GenerateContentConfig(
                http_options=types.HttpOptions(headers={"x-fake-chunks": "4"})
            ),
        )
    ]
    assert len(chunks) == 4
    text = "".join(chunk.text or "" for chunk in chunks)
    last = chunks[-1].usage_metadata
    assert last is not None and last.candidates_token_count == len(text.split())
    assert len({chunk.response_id for chunk in chunks}) == 1


async def test_rate_limit_is_resource_exhausted(client: genai.Client) -> None:
    config = types.GenerateContentConfig(http_options=types.HttpOptions(headers={"x-fake-status": "429"}))
    with pytest.raises(errors.ClientError) as caught:
        await client.aio.models.generate_content(model="gemini-2.5-flash", contents="hi", config=config)
    assert caught.value.code == 429
    assert caught.value.status == "RESOURCE_EXHAUSTED"


async def test_in_stream_error_raises(client: genai.Client) -> None:
    config = types.GenerateContentConfig(http_options=types.HttpOptions(headers={"x-fake-stream-error": "1"}))
    with pytest.raises(errors.ServerError):
        async for _ in await client.aio.models.generate_content_stream(
            model="gemini-2.5-flash", contents="hi", config=config
        ):
            pass


async def test_embed_and_count_tokens(client: genai.Client) -> None:
    embedded = await client.aio.models.embed_content(model="gemini-embedding-001", contents=["one", "two"])
    assert embedded.embeddings and len(embedded.embeddings) == 2
    assert len(embedded.embeddings[0].values or []) == 3072
    counted = await client.aio.models.count_tokens(model="gemini-2.5-flash", contents="abcdefgh")
    assert counted.total_tokens == 2


async def test_json_array_stream_without_alt_sse(fake_provider: FakeProvider) -> None:
    url = f"{fake_provider.base_url}/v1beta/models/gemini-2.5-flash:streamGenerateContent"
    body = {"contents": [{"parts": [{"text": "hi"}]}]}
    async with aiohttp.ClientSession() as session, session.post(url, json=body) as response:
        assert response.headers["Content-Type"].startswith("application/json")
        chunks = json.loads(await response.read())
    assert isinstance(chunks, list) and len(chunks) > 1
    assert chunks[-1]["candidates"][0]["finishReason"] == "STOP"


async def test_plain_error_shape(fake_provider: FakeProvider) -> None:
    url = f"{fake_provider.base_url}/v1beta/models/gemini-2.5-flash:generateContent"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json={}, headers={"x-fake-status": "503"}) as response,
    ):
        assert response.status == 503
        error = (await response.json())["error"]
    assert error["code"] == 503 and error["status"] == "UNAVAILABLE"
