"""The proxy injects stored keys end to end, and the injected key never reaches a record or a log."""

from __future__ import annotations

import json
import logging
from dataclasses import replace

import aiohttp
import pytest

from lookout.demo.fake_server import FakeProvider
from lookout.keys import vault
from tests.helpers import in_process_proxy
from tests.keys.conftest import CANARY
from tests.proxy.bench_hotpath import REQUEST, wire_engine


async def echoed(
    session: aiohttp.ClientSession, base_url: str, path: str, headers: dict[str, str]
) -> tuple[list[tuple[str, str]], str]:
    async with session.get(f"{base_url}{path}", headers=headers) as response:
        assert response.status == 200
        echo = json.loads(await response.read())
    return [(k.lower(), v) for k, v in echo["headers"]], echo["raw_path"]


@pytest.mark.parametrize(
    ("upstream", "client_headers", "query", "expected"),
    [
        ("openai", {"Authorization": "Bearer lookout"}, "", ("authorization", f"Bearer {CANARY}")),
        ("openai", {}, "", ("authorization", f"Bearer {CANARY}")),
        ("anthropic", {"x-api-key": "lookout", "anthropic-version": "2023-06-01"}, "", ("x-api-key", CANARY)),
        ("gemini", {"x-goog-api-key": "lookout"}, "", ("x-goog-api-key", CANARY)),
        ("gemini", {}, "?alt=sse&key=lookout", ("x-goog-api-key", CANARY)),
    ],
)
async def test_the_stored_key_replaces_a_missing_or_placeholder_key(
    fake_provider: FakeProvider,
    caplog: pytest.LogCaptureFixture,
    upstream: str,
    client_headers: dict[str, str],
    query: str,
    expected: tuple[str, str],
) -> None:
    vault.set_key(upstream, CANARY)
    upstreams = {upstream: fake_provider.base_url}
    with caplog.at_level(logging.DEBUG):
        async with in_process_proxy(upstreams) as proxy, aiohttp.ClientSession() as session:
            # The second call goes on a pooled connection, sent from the parser callback
            # with the key from the cache; the first one is sent by its task.
            for _ in range(2):
                sent, raw_path = await echoed(
                    session, proxy.base_url, f"/{upstream}/echo/x{query}", client_headers
                )
                record = await proxy.next_record()
                assert expected in sent
                assert sum(name in {"authorization", "x-api-key", "x-goog-api-key"} for name, _ in sent) == 1
                assert "key=" not in raw_path and ("alt=sse" in raw_path) == bool(query)
                # The echo server quotes the headers in its body; the rest of the record must be key-free.
                assert CANARY not in repr(replace(record, response_body=None))
    assert CANARY not in caplog.text


async def test_a_real_client_key_goes_through_untouched(fake_provider: FakeProvider) -> None:
    vault.set_key("openai", CANARY)
    async with in_process_proxy({"openai": fake_provider.base_url}) as proxy, aiohttp.ClientSession() as s:
        sent, _ = await echoed(s, proxy.base_url, "/openai/echo/x", {"Authorization": "Bearer sk-client"})
    assert ("authorization", "Bearer sk-client") in sent
    assert CANARY not in json.dumps(sent)


async def test_a_call_needing_a_cached_stored_key_is_sent_from_the_parser_callback_with_it() -> None:
    vault.set_key("bench", CANARY)  # storing fills the cache, as a first read would
    wrote: list[bytes] = []
    client, _ = wire_engine(wrote.append, lambda _: None)
    client.data_received(REQUEST.replace(b"Authorization: Bearer sk-bench\r\n", b""))
    assert len(wrote) == 1, "the call was not sent from the parser callback"
    assert f"\r\nAuthorization: Bearer {CANARY}\r\n".encode() in wrote[0]
