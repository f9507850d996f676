"""End to end: demo-style failures through the real proxy and recorder give one group per distinct failure.

Every failure kind the demo scripts (``x-fake-*`` knobs, see ``demo.traffic_plan``) is
sent for each provider several times, with different models, streamed and not, so
the fake's messages vary (model names, token counts, request ids). Each distinct
failure must end up as exactly one group, never one per message variant.
"""

from __future__ import annotations

import json
import socket
import sqlite3
from pathlib import Path
from typing import Any

import aiohttp

from lookout.core.config import Config, ProxySettings
from lookout.demo.fake_server import FakeProvider
from lookout.proxy.engine import running_engine
from tests.helpers import all_providers_at, wait_for_calls

MODELS = {
    "openai": ("gpt-4o-mini", "gpt-4.1", "o4-mini"),
    "anthropic": ("claude-sonnet-4-5", "claude-haiku-4-5"),
    "gemini": ("gemini-2.5-flash", "gemini-2.5-pro"),
    "ollama": ("llama3.2", "qwen2.5:7b"),
}
STATUS_FAULTS = {
    "openai": ("429", "500", "400", "503"),
    "anthropic": ("429", "500", "400", "529"),
    "gemini": ("429", "500", "400", "503"),
    "ollama": ("429", "500", "400", "503"),
}
MESSAGES = [{"role": "user", "content": "Draft a reply to jane.doe@example.com about invoice 4411."}]


def request(provider: str, model: str, streamed: bool) -> tuple[str, dict[str, Any]]:
    if provider == "openai":
        return "/openai/v1/chat/completions", {"model": model, "messages": MESSAGES, "stream": streamed}
    if provider == "anthropic":
        body = {"model": model, "max_tokens": 256, "messages": MESSAGES, "stream": streamed}
        return "/anthropic/v1/messages", body
    if provider == "gemini":
        action = "streamGenerateContent?alt=sse" if streamed else "generateContent"
        body = {"contents": [{"role": "user", "parts": [{"text": MESSAGES[0]["content"]}]}]}
        return f"/gemini/v1beta/models/{model}:{action}", body
    return "/ollama/api/chat", {"model": model, "messages": MESSAGES, "stream": streamed}


def planned() -> list[tuple[str, str, bool, dict[str, str], str]]:
    """(provider, model, streamed, knob headers, expected failure label) for every call to send."""
    calls = []
    for provider, models in MODELS.items():
        for model in models:
            for streamed in (False, True):
                for status in STATUS_FAULTS[provider]:
                    calls.append(
                        (provider, model, streamed, {"x-fake-status": status}, f"{provider} {status}")
                    )
            calls.append((provider, model, True, {"x-fake-stream-error": "1"}, f"{provider} stream"))
            calls.append((provider, model, False, {}, "ok"))
    return calls


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_a_mixed_demo_run_gives_one_group_per_distinct_failure(
    fake_provider: FakeProvider, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    calls = planned()
    upstreams = {**all_providers_at(fake_provider.base_url), "vllm": f"http://127.0.0.1:{closed_port()}"}
    config = Config(data_dir=data, proxy=ProxySettings(port=0), upstreams=upstreams)
    async with running_engine(config) as engine, aiohttp.ClientSession() as session:
        for provider, model, streamed, headers, _ in calls:
            path, body = request(provider, model, streamed)
            async with session.post(engine.base_url + path, json=body, headers=headers) as response:
                await response.read()
        for model in ("meta-llama/Llama-3.1-8B-Instruct", "Qwen/Qwen2.5-7B-Instruct"):
            async with session.post(
                engine.base_url + "/vllm/v1/chat/completions", json={"model": model, "messages": MESSAGES}
            ) as response:
                assert response.status == 502
        await wait_for_calls(data, len(calls) + 2, within_s=30)

    with sqlite3.connect(data / "lookout.db") as db:
        groups = db.execute("SELECT id, provider, failure, title, count, models FROM error_groups").fetchall()
        assigned = dict(db.execute("SELECT id, error_group_id FROM calls").fetchall())
        call_labels = db.execute(
            "SELECT error_group_id, count(*) FROM calls GROUP BY error_group_id"
        ).fetchall()

    expected = {label for *_, label in calls if label != "ok"} | {"openai upstream_unreachable"}
    found = {f"{provider} {failure}" for _, provider, failure, _, _, _ in groups}
    assert found == expected, "one group per (provider, failure)"
    assert len(groups) == len(expected) == 21, [g[3] for g in groups]
    by_label = {f"{g[1]} {g[2]}": g for g in groups}
    for label in expected - {"openai upstream_unreachable"}:
        provider = label.split()[0]
        per_model = 1 if label.endswith("stream") else 2  # status faults went out streamed and not
        assert by_label[label][4] == per_model * len(MODELS[provider]), label
        assert sorted(json.loads(by_label[label][5])) == sorted(MODELS[provider]), "models are tags"
    assert by_label["openai upstream_unreachable"][4] == 2
    assert dict(call_labels)[None] == sum(label == "ok" for *_, label in calls)
    assert sum(count for group_id, count in call_labels if group_id) == sum(g[4] for g in groups)
    # vLLM speaks OpenAI's wire format: the provider is the format, the upstream name is in the message.
    titles = {label: g[3] for label, g in by_label.items()}
    assert titles["openai 429"].startswith("429 rate_limit_exceeded · Rate limit reached for <model>")
    assert (
        titles["anthropic 400"]
        == "400 invalid_request_error · prompt is too long: <tokens> tokens > <num> maximum"
    )
    assert titles["gemini 400"].startswith("400 INVALID_ARGUMENT · The input token count (<tokens>)")
    assert titles["openai upstream_unreachable"].startswith(
        "upstream_unreachable · cannot connect to upstream 'vllm'"
    )
    assert "jane.doe" not in json.dumps(groups) and len(assigned) == len(calls) + 2
