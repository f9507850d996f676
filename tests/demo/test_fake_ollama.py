"""Ollama's native API as the fake speaks it: NDJSON streams, single objects, errors."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from lookout.demo.fake_server import FakeProvider

CHAT = {"model": "llama3.2", "messages": [{"role": "user", "content": "Hello there"}]}


async def post(url: str, body: dict[str, Any], **headers: str) -> tuple[int, str, bytes]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json=body, headers=headers) as r,
    ):
        return r.status, r.headers["Content-Type"], await r.read()


def ndjson(body: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in body.splitlines()]


async def test_chat_streams_ndjson_by_default(fake_provider: FakeProvider) -> None:
    status, content_type, body = await post(
        f"{fake_provider.base_url}/api/chat", CHAT, **{"x-fake-chunks": "3"}
    )
    assert status == 200 and content_type == "application/x-ndjson"
    lines = ndjson(body)
    assert [line["done"] for line in lines] == [False, False, False, True]
    final = lines[-1]
    assert final["done_reason"] == "stop"
    text = "".join(line["message"]["content"] for line in lines)
    assert final["eval_count"] == len(text.split())
    assert final["prompt_eval_count"] == 3
    assert final["total_duration"] > final["eval_duration"] > 0


async def test_chat_without_stream_is_one_object(fake_provider: FakeProvider) -> None:
    status, _, body = await post(f"{fake_provider.base_url}/api/chat", {**CHAT, "stream": False})
    answer = json.loads(body)
    assert status == 200 and answer["done"] is True
    assert answer["eval_count"] == len(answer["message"]["content"].split())


async def test_generate_honours_num_predict(fake_provider: FakeProvider) -> None:
    body = {"model": "llama3.2", "prompt": "Once", "stream": False, "options": {"num_predict": 4}}
    _, _, raw = await post(f"{fake_provider.base_url}/api/generate", body)
    answer = json.loads(raw)
    assert answer["done_reason"] == "length" and answer["eval_count"] == 4
    assert answer["context"]


async def test_embed(fake_provider: FakeProvider) -> None:
    body = {"model": "nomic-embed-text", "input": ["a", "b"]}
    _, _, raw = await post(f"{fake_provider.base_url}/api/embed", body)
    answer = json.loads(raw)
    assert len(answer["embeddings"]) == 2 and len(answer["embeddings"][0]) == 768


async def test_errors_as_body_and_as_stream_line(fake_provider: FakeProvider) -> None:
    url = f"{fake_provider.base_url}/api/chat"
    status, _, raw = await post(url, CHAT, **{"x-fake-status": "404"})
    assert status == 404
    assert json.loads(raw) == {"error": 'model "llama3.2" not found, try pulling it first'}
    status, _, raw = await post(url, CHAT, **{"x-fake-stream-error": "1"})
    lines = ndjson(raw)
    assert status == 200 and "error" in lines[-1] and not lines[0].get("error")
