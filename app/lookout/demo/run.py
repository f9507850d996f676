"""``lookout demo``: a real engine whose upstreams are the fake provider, fed demo traffic.

Everything a newcomer sees afterwards went through the real proxy, recorder and
store; only the provider at the far end is fake, so no API key is needed and no
byte leaves the machine.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import replace

from lookout.core.config import Config
from lookout.demo.fake_server import run_fake_provider
from lookout.demo.traffic import TrafficSummary, drive_traffic
from lookout.proxy.engine import running_engine

# The presets the traffic mix uses; each is re-pointed at the fake for the run.
DEMO_UPSTREAMS = ("openai", "anthropic", "gemini", "ollama")


def print_progress(finished: int) -> None:
    """Keep one updating status line on the terminal (and stay quiet in pipes and logs)."""
    if not sys.stdout.isatty():
        return
    sys.stdout.write(f"\rdemo: {finished} calls finished")
    sys.stdout.flush()


async def run_demo(
    config: Config,
    duration_s: float,
    rate_per_s: float = 5.0,
    *,
    on_progress: Callable[[int], None] | None = print_progress,
) -> TrafficSummary:
    """Run the engine against a fake provider and drive ``duration_s`` of traffic through it."""
    async with run_fake_provider() as fake:
        fakes = dict.fromkeys(DEMO_UPSTREAMS, fake.base_url)
        demo_config = replace(config, upstreams={**config.upstreams, **fakes})
        async with running_engine(demo_config) as engine:
            return await drive_traffic(
                engine.base_url,
                duration_s=duration_s,
                rate_per_s=rate_per_s,
                on_progress=on_progress,
            )
