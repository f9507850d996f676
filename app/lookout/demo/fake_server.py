"""The fake LLM provider server: one aiohttp app speaking every supported wire format.

OpenAI, Anthropic, Gemini and Ollama endpoints all live at the root, so every
Lookout upstream preset can point at the same base URL. The same routes also
answer under a leading ``/openai``, ``/anthropic``, ``/gemini`` or ``/ollama``
segment: then a base URL of this server stands in for a Lookout proxy too, which
lets the demo traffic driver be tested without a proxy in between.

Example::

    async with run_fake_provider() as fake:
        client = AsyncOpenAI(base_url=f"{fake.base_url}/v1", api_key="test")
        ...
        assert ("POST", "/v1/chat/completions") in fake.requests

The server is also the "direct" baseline in benchmarks, so the request path adds
nothing avoidable: no access log, no sleeps unless a knob asks for one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType
from typing import NamedTuple

from aiohttp import web

from lookout.demo import (
    fake_anthropic,
    fake_gemini,
    fake_ollama,
    fake_openai,
    fake_openai_responses,
    fake_utility,
)
from lookout.demo.fake_wire import Handler

PROVIDER_PREFIXES = ("", "/openai", "/anthropic", "/gemini", "/ollama")
# aiohttp waits this long twice at shutdown (for the listener, then for handlers), so
# a test's teardown with a hung request still connected costs about one second.
_SHUTDOWN_TIMEOUT_S = 0.5


class ReceivedRequest(NamedTuple):
    """What the fake saw of one request: enough to assert it did (not) arrive."""

    method: str
    path: str


def build_app(received: list[ReceivedRequest] | None = None) -> web.Application:
    """The fake provider application; each request is appended to ``received``."""
    log = received if received is not None else []

    @web.middleware
    async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
        log.append(ReceivedRequest(request.method, request.path))
        return await handler(request)

    app = web.Application(middlewares=[record], client_max_size=64 * 1024 * 1024)
    provider_routes = [
        *fake_openai.routes(),
        *fake_openai_responses.routes(),
        *fake_anthropic.routes(),
        *fake_gemini.routes(),
        *fake_ollama.routes(),
    ]
    for prefix in PROVIDER_PREFIXES:
        for method, path, handler in provider_routes:
            app.router.add_route(method, prefix + path, handler)
    for method, path, handler in fake_utility.routes():
        app.router.add_route(method, path, handler)
    return app


class FakeProvider:
    """A running fake provider on a loopback port, with a log of what it received.

    Use it as an async context manager, or call :meth:`start` and :meth:`stop`.
    ``port=0`` picks a free port; :attr:`base_url` tells which one it got.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.requests: list[ReceivedRequest] = []
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        """``http://host:port`` without a trailing slash."""
        if self._runner is None:
            raise RuntimeError("the fake provider is not running")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def start(self) -> None:
        """Bind and start serving."""
        runner = web.AppRunner(
            build_app(self.requests),
            access_log=None,
            shutdown_timeout=_SHUTDOWN_TIMEOUT_S,
            # Stop generating a stream as soon as its client goes away.
            handler_cancellation=True,
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self.port = runner.addresses[0][1]
        self._runner = runner

    async def stop(self) -> None:
        """Stop serving; requests still in flight are cut off after about a second."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    def count(self, path: str) -> int:
        """How many requests arrived for ``path`` (any method)."""
        return sum(1 for request in self.requests if request.path == path)

    async def __aenter__(self) -> FakeProvider:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()


@asynccontextmanager
async def run_fake_provider(host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[FakeProvider]:
    """Run a :class:`FakeProvider` for the duration of the ``async with`` block."""
    provider = FakeProvider(host, port)
    await provider.start()
    try:
        yield provider
    finally:
        await provider.stop()


async def serve_forever(host: str = "127.0.0.1", port: int = 0) -> None:
    """Run a fake provider until cancelled, printing its base URL once it listens."""
    async with run_fake_provider(host, port) as provider:
        print(provider.base_url, flush=True)
        await asyncio.Event().wait()
