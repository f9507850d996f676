"""``lookout bench``: the proxy's cost measured against a direct connection, in one run.

Three processes on this machine: the fake provider (the upstream), a real
engine (proxy + recorder, on a throwaway data dir), and this process as the
client. Direct and proxied requests are interleaved one for one, so machine
noise hits both series alike; the figures reported are differences and ratios.

* latency, c=1: a ~2 KB chat completion each way; added p50 and p99;
* throughput, c=16: requests per second, proxied over direct, in alternating
  half-second slices, 20 s each way by default (on a noisy 2-core VM, 5 s runs
  of the same build scattered by ±0.08 in the ratio);
* streaming: per-chunk delay (server write to client read, same monotonic
  clock) and time to first chunk, proxied minus direct.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import platform
import signal
import sqlite3
import tempfile
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np

from lookout.core.config import CaptureSettings, Config, ProxySettings
from lookout.proxy.engine import install_event_loop_policy, running_engine
from lookout.store.db import DatabaseMissingError, open_reader
from lookout.store.queries import count_calls

PROMPT = "Summarise the following meeting notes in three bullet points. " * 30
THROUGHPUT_SLICE_S = 0.5
# Five choices (``n``) of the fake's short replies make a ~2 KB answer: design §5
# measures the added latency with about 2 KB each way.
CHAT_BODY = json.dumps(
    {"model": "gpt-4o-mini", "n": 5, "messages": [{"role": "user", "content": PROMPT}]}
).encode()


@dataclass(frozen=True, slots=True)
class BenchOptions:
    requests: int = 1000
    seconds: float = 20.0
    concurrency: int = 16
    # 100 streams: with 30, the p50 time to first chunk moved by ±0.1 ms from run to run.
    streams: int = 100
    events_per_stream: int = 20
    store_bodies: bool = True  # off: compare the proxy with redaction idle


@dataclass(slots=True)
class BenchReport:
    loop: str
    redaction: bool
    cpus: int
    python: str
    request_bytes: int = 0
    response_bytes: int = 0
    direct_p50_ms: float = 0.0
    direct_p99_ms: float = 0.0
    proxy_p50_ms: float = 0.0
    proxy_p99_ms: float = 0.0
    added_p50_ms: float = 0.0
    added_p99_ms: float = 0.0
    direct_rps: float = 0.0
    proxy_rps: float = 0.0
    rps_ratio: float = 0.0
    chunk_delay_direct_p50_ms: float = 0.0
    chunk_delay_proxy_p50_ms: float = 0.0
    chunk_delay_added_p50_ms: float = 0.0
    chunk_delay_added_p99_ms: float = 0.0
    ttft_added_p50_ms: float = 0.0
    recorded_calls: int = 0
    forwarded_calls: int = 0  # as the engine counted them
    dropped_records: int = 0  # by the engine's full queue: forwarded, never recorded
    engine_rss_mb: float = 0.0
    notes: list[str] = field(default_factory=list)


def run_bench(options: BenchOptions, progress: Callable[[str], None] = lambda step: None) -> BenchReport:
    """Run every measurement; ``progress`` hears of each step as it starts."""
    loop_kind = install_event_loop_policy()
    report = BenchReport(
        loop=loop_kind,
        redaction=options.store_bodies,
        cpus=os.cpu_count() or 1,
        python=platform.python_version(),
    )
    ctx = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="lookout-bench-") as data_dir:
        progress("starting the fake provider, the engine and its recorder")
        upstream, upstream_url = _start(ctx, _fake_process, None)
        config = Config(
            data_dir=Path(data_dir),
            proxy=ProxySettings(port=0),
            capture=CaptureSettings(store_bodies=options.store_bodies),
            upstreams={"bench": upstream_url},
        )
        engine, proxy_url = _start(ctx, _engine_process, config)
        try:
            asyncio.run(_recorder_started(f"{proxy_url}/bench", Path(data_dir)))
            asyncio.run(_measure(options, report, upstream_url, f"{proxy_url}/bench", progress))
            report.engine_rss_mb = _rss_mb(engine.pid)
            asyncio.run(_engine_counts(proxy_url, report))
        finally:
            progress("stopping; the engine flushes its recorder's backlog first")
            for process in (engine, upstream):
                process.terminate()  # SIGTERM: the engine stops gracefully and flushes
                process.join(30)
        report.recorded_calls = _count_recorded(Path(data_dir))
    return report


def format_report(r: BenchReport) -> str:
    return "\n".join(
        [
            f"Lookout bench ({r.loop}, {r.cpus} CPUs, Python {r.python}, bodies stored and redacted:"
            f" {'yes' if r.redaction else 'no'}); direct vs through the proxy",
            f"  latency c=1, {r.request_bytes} B up / {r.response_bytes} B down:",
            f"    direct  p50 {r.direct_p50_ms:.3f} ms  p99 {r.direct_p99_ms:.3f} ms",
            f"    proxy   p50 {r.proxy_p50_ms:.3f} ms  p99 {r.proxy_p99_ms:.3f} ms",
            f"    added   p50 {r.added_p50_ms:+.3f} ms  p99 {r.added_p99_ms:+.3f} ms   (budget 0.5 / 2 ms)",
            f"  throughput c=16: direct {r.direct_rps:.0f} req/s, proxy {r.proxy_rps:.0f} req/s"
            f"  -> ratio {r.rps_ratio:.2f} (budget >= 0.5)",
            f"  streaming: chunk delay added p50 {r.chunk_delay_added_p50_ms:+.3f} ms"
            f"  p99 {r.chunk_delay_added_p99_ms:+.3f} ms (budget 1 ms); TTFT added p50"
            f" {r.ttft_added_p50_ms:+.3f} ms (budget 1 ms)",
            f"  streaming chunk delay p50: direct {r.chunk_delay_direct_p50_ms:.3f} ms,"
            f" proxy {r.chunk_delay_proxy_p50_ms:.3f} ms",
            f"  recorded calls: {r.recorded_calls} of {r.forwarded_calls} forwarded"
            f" ({r.dropped_records} dropped by a full queue)",
            f"  engine RSS at the end {r.engine_rss_mb:.0f} MB (budget 120 MB after 10k calls)",
            *[f"  note: {note}" for note in r.notes],
        ]
    )


async def _measure(
    options: BenchOptions, report: BenchReport, direct: str, proxied: str, progress: Callable[[str], None]
) -> None:
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        progress(f"latency at c=1: {options.requests} calls each way, interleaved")
        await _latency(session, options, report, direct, proxied)
        progress(f"throughput at c={options.concurrency}: {options.seconds:g} s each way, alternating")
        report.direct_rps, report.proxy_rps = await _throughput(session, options, direct, proxied)
        report.rps_ratio = report.proxy_rps / report.direct_rps if report.direct_rps else 0.0
        progress(f"streaming: {options.streams} streams of {options.events_per_stream} events each way")
        await _streaming(session, options, report, direct, proxied)


async def _chat(session: aiohttp.ClientSession, base: str) -> tuple[float, int]:
    start = time.perf_counter()
    async with session.post(
        f"{base}/v1/chat/completions", data=CHAT_BODY, headers={"Content-Type": "application/json"}
    ) as response:
        payload = await response.read()
        response.raise_for_status()
    return (time.perf_counter() - start) * 1000.0, len(payload)


async def _latency(
    session: aiohttp.ClientSession,
    options: BenchOptions,
    report: BenchReport,
    direct: str,
    proxied: str,
) -> None:
    for _ in range(50):  # warm up connections, caches and the recorder
        await _chat(session, direct)
        await _chat(session, proxied)
    direct_ms: list[float] = []
    proxy_ms: list[float] = []
    for _ in range(options.requests):
        elapsed, size = await _chat(session, direct)
        direct_ms.append(elapsed)
        proxy_ms.append((await _chat(session, proxied))[0])
        report.response_bytes = size
    report.request_bytes = len(CHAT_BODY)
    report.direct_p50_ms, report.direct_p99_ms = _p(direct_ms, 50), _p(direct_ms, 99)
    report.proxy_p50_ms, report.proxy_p99_ms = _p(proxy_ms, 50), _p(proxy_ms, 99)
    report.added_p50_ms = report.proxy_p50_ms - report.direct_p50_ms
    report.added_p99_ms = report.proxy_p99_ms - report.direct_p99_ms


async def _throughput(
    session: aiohttp.ClientSession, options: BenchOptions, direct: str, proxied: str
) -> tuple[float, float]:
    """Requests per second at ``options.concurrency``, direct and proxied.

    The two alternate in short slices, so a slow spell of the machine (or the
    recorder catching up) weighs on both alike rather than on one whole run.
    """
    done = {direct: 0, proxied: 0}
    elapsed = {direct: 0.0, proxied: 0.0}
    for _ in range(max(1, round(options.seconds / THROUGHPUT_SLICE_S))):
        for base in (direct, proxied):
            start = time.perf_counter()
            done[base] += await _requests_for(session, base, options.concurrency, THROUGHPUT_SLICE_S)
            elapsed[base] += time.perf_counter() - start
    return done[direct] / elapsed[direct], done[proxied] / elapsed[proxied]


async def _requests_for(session: aiohttp.ClientSession, base: str, concurrency: int, seconds: float) -> int:
    """How many requests ``concurrency`` workers complete in about ``seconds``."""
    deadline = time.perf_counter() + seconds
    done = 0

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await _chat(session, base)
            done += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done


async def _streaming(
    session: aiohttp.ClientSession,
    options: BenchOptions,
    report: BenchReport,
    direct: str,
    proxied: str,
) -> None:
    delays: dict[str, list[float]] = {direct: [], proxied: []}
    ttfts: dict[str, list[float]] = {direct: [], proxied: []}
    for _ in range(options.streams):
        for base in (direct, proxied):
            ttft, chunk_delays = await _one_stream(session, base, options.events_per_stream)
            ttfts[base].append(ttft)
            delays[base].extend(chunk_delays)
    report.chunk_delay_direct_p50_ms = _p(delays[direct], 50)
    report.chunk_delay_proxy_p50_ms = _p(delays[proxied], 50)
    report.chunk_delay_added_p50_ms = report.chunk_delay_proxy_p50_ms - report.chunk_delay_direct_p50_ms
    report.chunk_delay_added_p99_ms = _p(delays[proxied], 99) - _p(delays[direct], 99)
    report.ttft_added_p50_ms = _p(ttfts[proxied], 50) - _p(ttfts[direct], 50)


async def _one_stream(session: aiohttp.ClientSession, base: str, events: int) -> tuple[float, list[float]]:
    start = time.perf_counter_ns()
    first: float | None = None
    chunk_delays: list[float] = []
    async with session.get(f"{base}/sse/{events}", params={"interval_ms": "2"}) as response:
        async for line in response.content:
            if not line.startswith(b"data: "):
                continue
            now_ns = time.perf_counter_ns()
            first = first if first is not None else (now_ns - start) / 1e6
            chunk_delays.append((now_ns - json.loads(line[6:])["t_ns"]) / 1e6)
    return first or 0.0, chunk_delays


def _p(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else 0.0


def _start(
    ctx: Any, target: Callable[[Connection, Any], None], arg: Any
) -> tuple[multiprocessing.process.BaseProcess, str]:
    parent, child = ctx.Pipe()
    process = ctx.Process(target=target, args=(child, arg), daemon=False)
    process.start()
    if not parent.poll(60):
        process.terminate()
        raise RuntimeError(f"{target.__name__} did not start within 60 s")
    return process, str(parent.recv())


def _fake_process(conn: Connection, _: Any) -> None:
    from lookout.demo.fake_server import run_fake_provider

    async def main() -> None:
        async with run_fake_provider() as fake:
            await _serve_until_terminated(conn, fake.base_url)

    _run_child(main)


def _engine_process(conn: Connection, config: Config) -> None:
    async def main() -> None:
        async with running_engine(config) as engine:
            await _serve_until_terminated(conn, engine.base_url)

    _run_child(main)


def _run_child(main: Callable[[], Coroutine[Any, Any, None]]) -> None:
    install_event_loop_policy()
    asyncio.run(main())


async def _serve_until_terminated(conn: Connection, url: str) -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    conn.send(url)
    await stop.wait()


async def _engine_counts(proxy_url: str, report: BenchReport) -> None:
    """What the engine forwarded and what its queue dropped, from its status endpoint."""
    async with aiohttp.ClientSession() as session, session.get(f"{proxy_url}/_lookout") as response:
        status = await response.json()
    report.forwarded_calls = status["forwarded"]
    report.dropped_records = status.get("dropped_records", 0)


def _rss_mb(pid: int | None) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0  # not Linux: no cheap way to ask
    kib = next((line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")), "0")
    return int(kib) / 1024


def _count_recorded(data_dir: Path) -> int:
    return count_calls(open_reader(data_dir))


async def _recorder_started(proxied: str, data_dir: Path, within_s: float = 60.0) -> None:
    """Wait until a first call is in the database: the recorder is up and past its start-up.

    Its start-up (imports, the redaction engine, retention and drift jobs) takes a
    few seconds of CPU; measuring during it would measure that, direct calls too.
    """
    async with aiohttp.ClientSession() as session:
        await _chat(session, proxied)
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            if _count_recorded(data_dir) > 0:
                return
        except (DatabaseMissingError, sqlite3.Error):
            pass  # the recorder has not created the database yet
        await asyncio.sleep(0.2)
    raise RuntimeError(f"the recorder stored nothing within {within_s:g} s; see its messages above")
