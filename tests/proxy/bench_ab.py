"""Two source trees' engines side by side: does a change make the proxy faster?

``lookout bench`` compares one engine with a direct connection. Run once before
and once after a change, it can't tell: on a shared VM the machine's speed moves
more between two runs than most changes move the figures. This starts
``lookout serve`` from each tree (``PYTHONPATH=<tree>/app``) against one fake
provider, then alternates short slices between a direct connection and the two
engines, in both orders: c=1 latency, c=16 throughput, and each engine's CPU
per call (from schedstat, so in nanoseconds rather than clock ticks). It
prints a line per block and the medians, so that noise shows as spread.

Run: ``python -m tests.proxy.bench_ab BASE_TREE NEW_TREE [blocks]``, e.g.
``git worktree add /tmp/base HEAD~1 && python -m tests.proxy.bench_ab /tmp/base . 12``
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from lookout.proxy.bench import _chat, _fake_process, _recorder_started, _requests_for, _start

LATENCY_CALLS = 300
SLICE_S = 1.0
SERVE = "import sys; from lookout.cli import main; sys.exit(main())"


@dataclass
class Engine:
    name: str
    process: subprocess.Popen[bytes]
    url: str
    data_dir: Path
    added_p50_ms: list[float] = field(default_factory=list)
    ratio: list[float] = field(default_factory=list)
    cpu_c1_us: list[float] = field(default_factory=list)
    cpu_c16_us: list[float] = field(default_factory=list)


def cpu_s(pid: int) -> float:
    """CPU time of every thread of ``pid`` so far."""
    total = 0
    for thread in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):  # the thread ended
            total += int((thread / "schedstat").read_text().split()[0])
    return total / 1e9


def start_engine(name: str, tree: Path, upstream_url: str, data_dir: Path) -> Engine:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(os.environ, PYTHONPATH=str(tree.resolve() / "app"), LOOKOUT_DATA_DIR=str(data_dir))
    command = [sys.executable, "-c", SERVE, "serve", "--port", str(port)]
    command += ["--upstream", f"bench={upstream_url}"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return Engine(name, process, f"http://127.0.0.1:{port}/bench", data_dir)


async def ready(engine: Engine) -> None:
    for _ in range(300):
        try:
            async with aiohttp.ClientSession() as session, session.get(f"{engine.url}/"):
                break
        except aiohttp.ClientConnectionError:
            await asyncio.sleep(0.1)
    await _recorder_started(engine.url, engine.data_dir)


async def block(session: aiohttp.ClientSession, direct: str, engines: list[Engine]) -> None:
    """One round: latency then throughput, direct first, the engines in the given order."""
    direct_ms = statistics.median([(await _chat(session, direct))[0] for _ in range(LATENCY_CALLS)])
    for engine in engines:
        before = cpu_s(engine.process.pid)
        ms = statistics.median([(await _chat(session, engine.url))[0] for _ in range(LATENCY_CALLS)])
        engine.cpu_c1_us.append((cpu_s(engine.process.pid) - before) / LATENCY_CALLS * 1e6)
        engine.added_p50_ms.append(ms - direct_ms)
    direct_before = await _requests_for(session, direct, 16, SLICE_S)
    done = {}
    for engine in engines:
        before = cpu_s(engine.process.pid)
        done[engine.name] = await _requests_for(session, engine.url, 16, SLICE_S)
        engine.cpu_c16_us.append((cpu_s(engine.process.pid) - before) / done[engine.name] * 1e6)
    direct_calls = (direct_before + await _requests_for(session, direct, 16, SLICE_S)) / 2
    for engine in engines:
        engine.ratio.append(done[engine.name] / direct_calls)


async def compare(direct: str, engines: list[Engine], blocks: int) -> None:
    for engine in engines:
        await ready(engine)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        for url in [direct] + [engine.url for engine in engines]:
            for _ in range(100):  # warm connections and code paths
                await _chat(session, url)
        for number in range(blocks):
            await block(session, direct, engines if number % 2 == 0 else engines[::-1])
            print(number, "  ".join(_latest(engine) for engine in engines), flush=True)
    for engine in engines:
        print(
            f"{engine.name}: added p50 {statistics.median(engine.added_p50_ms):+.3f} ms, "
            f"c=16 ratio median {statistics.median(engine.ratio):.3f} "
            f"mean {statistics.mean(engine.ratio):.3f}, "
            f"CPU per call c=1 {statistics.median(engine.cpu_c1_us):.0f} µs, "
            f"c=16 {statistics.median(engine.cpu_c16_us):.0f} µs"
        )


def _latest(engine: Engine) -> str:
    return (
        f"{engine.name} {engine.added_p50_ms[-1]:+.3f} ms {engine.ratio[-1]:.2f}x "
        f"{engine.cpu_c1_us[-1]:.0f}/{engine.cpu_c16_us[-1]:.0f} µs"
    )


def main() -> None:
    base, new = Path(sys.argv[1]), Path(sys.argv[2])
    blocks = int(sys.argv[3]) if len(sys.argv) > 3 else 12
    upstream, upstream_url = _start(multiprocessing.get_context("spawn"), _fake_process, None)
    with tempfile.TemporaryDirectory() as scratch:
        engines = [
            start_engine("A", base, upstream_url, Path(scratch) / "a"),
            start_engine("B", new, upstream_url, Path(scratch) / "b"),
        ]
        print(f"A = {base}, B = {new}; per block: added p50, c=16 ratio, CPU per call at c=1/c=16")
        try:
            asyncio.run(compare(upstream_url, engines, blocks))
        finally:
            for engine in engines:
                engine.process.terminate()  # SIGTERM: each engine flushes its recorder and exits
            for engine in engines:
                engine.process.wait(60)
            upstream.terminate()
            upstream.join(10)


if __name__ == "__main__":
    main()
