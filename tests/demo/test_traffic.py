"""The demo traffic driver, run against the fake directly (it also answers under prefixes)."""

from __future__ import annotations

import random
import time
from collections import Counter

from lookout.demo.fake_server import FakeProvider
from lookout.demo.traffic import drive_traffic
from lookout.demo.traffic_plan import SLOW_MODEL, plan_call


async def test_short_run_sends_a_mix_and_accounts_for_every_call(
    fake_provider: FakeProvider,
) -> None:
    progress: list[int] = []
    started = time.perf_counter()
    summary = await drive_traffic(
        fake_provider.base_url,
        duration_s=2.0,
        rate_per_s=30.0,
        seed=3,
        on_progress=progress.append,
        concurrency=16,
    )
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0 + 2.5
    assert summary.sent > 20
    assert summary.sent == summary.ok + summary.failed
    assert summary.ok > summary.failed
    assert progress == list(range(1, len(progress) + 1))
    upstreams = Counter(request.path.split("/")[1] for request in fake_provider.requests)
    assert set(upstreams) == {"openai", "anthropic", "gemini", "ollama"}


def test_plan_mix_over_many_calls() -> None:
    rng = random.Random(7)
    calls = [plan_call(rng, progress=i / 2000) for i in range(2000)]
    models = {call.model for call in calls}
    assert {"gpt-4o-mini", "gpt-4.1", "o4-mini", "claude-sonnet-4-5", "claude-haiku-4-5"} <= models
    assert {"gemini-2.5-flash", "gemini-2.5-pro", "llama3.2"} <= models
    chats = [call for call in calls if "embed" not in call.path]
    streamed_share = sum(call.streamed for call in chats) / len(chats)
    assert 0.5 < streamed_share < 0.7
    fault_share = sum(call.fault is not None for call in calls) / len(calls)
    assert 0.05 <= fault_share <= 0.10
    faults = {call.fault for call in calls} - {None}
    assert {
        "rate_limited",
        "server_error",
        "overloaded",
        "stream_error",
        "context_length",
    } <= faults
    assert any("x-lookout-session" in call.headers for call in calls)
    assert any("x-lookout-trace" in call.headers for call in calls)


def test_plan_is_reproducible_from_the_seed() -> None:
    first = [plan_call(random.Random(1), progress=0.1) for _ in range(3)]
    again = [plan_call(random.Random(1), progress=0.1) for _ in range(3)]
    assert first == again


def test_slow_model_latency_rises_in_the_second_half() -> None:
    def mean_latency(progress: float) -> float:
        rng = random.Random(11)
        calls = [plan_call(rng, progress) for _ in range(3000)]
        slow = [int(c.headers["x-fake-latency-ms"]) for c in calls if c.model == SLOW_MODEL]
        return sum(slow) / len(slow)

    assert mean_latency(0.95) > 3 * mean_latency(0.2)
