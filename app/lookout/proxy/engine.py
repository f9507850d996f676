"""The engine process: the proxy server plus its supervised recorder, with a graceful stop.

``lookout serve`` and the desktop app both run this. On SIGTERM or SIGINT it
stops accepting connections, gives in-flight calls ``shutdown_grace_s`` to
finish, flushes every queued record through the recorder, and returns 0.
No Qt here: the engine runs headless.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from lookout.core.config import Config
from lookout.core.memory import freeze_long_lived_objects
from lookout.keys.vault import load_backend
from lookout.proxy.http_server import HttpServer
from lookout.proxy.routing import Router
from lookout.proxy.server import ProxyServer
from lookout.recorder.link import RecorderLink

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RunningEngine:
    base_url: str  # e.g. http://127.0.0.1:8787


def install_event_loop_policy() -> str:
    """Use uvloop where available; ``LOOKOUT_EVENT_LOOP=asyncio`` opts out.

    ``lookout bench --loop`` compares the two on this machine.
    """
    if os.environ.get("LOOKOUT_EVENT_LOOP") == "asyncio":
        return "asyncio"
    try:
        import uvloop
    except ImportError:
        return "asyncio"
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return "uvloop"


@contextlib.asynccontextmanager
async def running_engine(config: Config) -> AsyncIterator[RunningEngine]:
    """Start the recorder and the proxy; on exit stop both gracefully and flush."""
    os.umask(0o077)
    load_backend()
    link = RecorderLink(config)
    link.start()
    try:
        proxy = ProxyServer(
            config.proxy,
            Router(config.upstreams),
            link.submit,
            stats=link.stats,
            data_dir=str(config.data_dir.resolve()),
        )
        async with serving(proxy) as base_url:
            freeze_long_lived_objects()
            yield RunningEngine(base_url=base_url)
    finally:
        flushed = await asyncio.to_thread(link.close, config.proxy.shutdown_grace_s)
        if not flushed:
            log.error("the recorder did not finish flushing in time; some records may be lost")


@contextlib.asynccontextmanager
async def serving(proxy: ProxyServer) -> AsyncIterator[str]:
    """Listen with ``proxy`` until the block exits, then stop gracefully (bounded).

    Yields the base URL, e.g. ``http://127.0.0.1:8787`` (port 0 picks a free one).
    """
    settings = proxy.settings
    server = HttpServer(proxy.handle, whole_body_max=proxy.whole_body_max)
    try:
        port = await server.start(settings.host, settings.port)
        shown = f"[{settings.host}]" if ":" in settings.host else settings.host
        yield f"http://{shown}:{port}"
    finally:
        await server.close(settings.shutdown_grace_s)  # stops listening, lets in-flight calls finish
        await proxy.close()


async def serve_until_signalled(config: Config, on_ready: Callable[[str], None]) -> int:
    """Run the engine until SIGTERM/SIGINT, then stop gracefully. Returns the exit code."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with running_engine(config) as engine:
        on_ready(engine.base_url)
        await stop.wait()
        log.info("stopping: finishing in-flight calls and flushing records")
    return 0
