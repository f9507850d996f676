"""The demo traffic driver: realistic mixed LLM calls sent through a Lookout proxy.

``lookout demo`` points every upstream preset at the fake provider, starts the
proxy, and calls :func:`drive_traffic` so a newcomer without an API key sees
believable data. The driver sends Poisson-timed requests (see
:mod:`lookout.demo.traffic_plan` for the mix) with bounded concurrency, stops by
itself at the deadline, and never raises on an HTTP failure: it counts it.

Example::

    summary = await drive_traffic("http://127.0.0.1:8787", duration_s=60)
    print(summary.sent, summary.ok, summary.errors)
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass, field

import aiohttp

from lookout.demo.traffic_plan import PlannedCall, plan_call

# In-flight calls get this long past the deadline to finish before being cut off.
_GRACE_S = 2.0
_REQUEST_TIMEOUT_S = 30.0
_STATUS_KINDS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
    529: "overloaded",
}
# Byte sequences that only appear in a stream that failed after a 200 status:
# OpenAI/Gemini/Ollama error objects, Anthropic's error event, Responses' failure.
_STREAM_FAILURES = (b'{"error":', b"event: error", b"event: response.failed")


@dataclass
class TrafficSummary:
    """What a run sent and how it went; ``sent == ok + sum(errors.values())``."""

    sent: int = 0
    ok: int = 0
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def failed(self) -> int:
        """Calls that ended in any kind of error."""
        return sum(self.errors.values())

    def record(self, error: str | None) -> None:
        """Count one finished call: ``None`` for success, else its error kind."""
        if error is None:
            self.ok += 1
        else:
            self.errors[error] = self.errors.get(error, 0) + 1


async def drive_traffic(
    proxy_base: str,
    *,
    duration_s: float,
    rate_per_s: float = 5.0,
    seed: int = 0,
    on_progress: Callable[[int], None] | None = None,
    concurrency: int = 8,
) -> TrafficSummary:
    """Send the demo mix to ``proxy_base`` for ``duration_s`` seconds.

    ``on_progress`` is called with the number of finished calls after each one.
    """
    if duration_s < 0 or rate_per_s <= 0 or concurrency < 1:
        raise ValueError("duration_s must be >= 0, rate_per_s > 0 and concurrency >= 1")
    driver = _Driver(proxy_base, random.Random(seed), concurrency, on_progress)
    timeout = aiohttp.ClientTimeout(total=_REQUEST_TIMEOUT_S)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        try:
            await driver.issue(session, duration_s, rate_per_s)
        finally:
            await driver.cancel_all()
    return driver.summary


class _Driver:
    """The state of one run: the plan's random stream, the slots, the calls in flight."""

    def __init__(
        self,
        proxy_base: str,
        rng: random.Random,
        concurrency: int,
        on_progress: Callable[[int], None] | None,
    ) -> None:
        self.summary = TrafficSummary()
        self._base = proxy_base
        self._rng = rng
        self._slots = asyncio.Semaphore(concurrency)
        self._on_progress = on_progress
        self._tasks: set[asyncio.Task[None]] = set()

    async def issue(self, session: aiohttp.ClientSession, duration_s: float, rate_per_s: float) -> None:
        """Start calls at Poisson-distributed times until the deadline, then wind down."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        deadline = start + duration_s
        next_at = start
        while (next_at := next_at + self._rng.expovariate(rate_per_s)) < deadline:
            await asyncio.sleep(max(0.0, next_at - loop.time()))
            if not await self._acquire(deadline - loop.time()):
                break
            self._start(session, plan_call(self._rng, (loop.time() - start) / duration_s))
        # In-flight calls may finish until shortly after the deadline.
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=max(0.0, deadline - loop.time()) + _GRACE_S)

    async def _acquire(self, within_s: float) -> bool:
        """Take a concurrency slot, or give up if none frees before the deadline."""
        try:
            await asyncio.wait_for(self._slots.acquire(), timeout=max(0.0, within_s))
        except TimeoutError:
            return False
        return True

    def _start(self, session: aiohttp.ClientSession, planned: PlannedCall) -> None:
        self.summary.sent += 1
        task = asyncio.create_task(self._run(session, planned))
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._slots.release()

    async def _run(self, session: aiohttp.ClientSession, planned: PlannedCall) -> None:
        try:
            error = await send_call(session, self._base, planned)
        except asyncio.CancelledError:
            self.summary.record("client_aborted")
            raise
        self.summary.record(error)
        if self._on_progress is not None:
            self._on_progress(self.summary.ok + self.summary.failed)

    async def cancel_all(self) -> None:
        """Cut off whatever is still in flight (counted as ``client_aborted``)."""
        pending = list(self._tasks)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)


async def send_call(session: aiohttp.ClientSession, proxy_base: str, planned: PlannedCall) -> str | None:
    """Send one planned call and read it to the end; the error kind, or None if it worked."""
    url = proxy_base.rstrip("/") + planned.path
    try:
        async with session.post(url, json=planned.body, headers=planned.headers) as response:
            body = await response.read()
            if response.status >= 400:
                return _STATUS_KINDS.get(response.status, f"http_{response.status}")
    except aiohttp.ClientPayloadError:
        return "broken_stream"
    except aiohttp.ClientError:
        return "connection_error"
    except TimeoutError:
        return "timeout"
    return "stream_error" if any(m in body for m in _STREAM_FAILURES) else None
