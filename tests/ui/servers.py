"""Real loopback servers for Qt tests, which are synchronous: each runs its own event loop on a thread.

``fake_provider_in_thread()`` serves the demo fake provider; ``proxy_in_thread(upstreams)``
serves a real Lookout proxy (records land in a list, as in ``tests.helpers``).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar

from lookout.demo.fake_server import FakeProvider, run_fake_provider
from tests.helpers import InProcessProxy, in_process_proxy

T = TypeVar("T")


@contextlib.contextmanager
def served(factory: Callable[[], AbstractAsyncContextManager[T]]) -> Iterator[T]:
    """Enter an async context manager on a background loop; yield what it gave until the block ends."""
    ready = threading.Event()
    stop: asyncio.Event | None = None
    box: list[Any] = []
    loop = asyncio.new_event_loop()

    async def main() -> None:
        nonlocal stop
        stop = asyncio.Event()
        try:
            async with factory() as value:
                box.append(value)
                ready.set()
                await stop.wait()
        except BaseException as exc:
            box.append(exc)
            ready.set()

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    assert ready.wait(10), "the server did not start"
    if isinstance(box[0], BaseException):
        raise box[0]
    try:
        yield box[0]
    finally:
        assert stop is not None
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
        loop.close()


def fake_provider_in_thread() -> contextlib.AbstractContextManager[FakeProvider]:
    return served(run_fake_provider)


def proxy_in_thread(upstreams: Mapping[str, str]) -> contextlib.AbstractContextManager[InProcessProxy]:
    def factory() -> AbstractAsyncContextManager[InProcessProxy]:
        return _proxy(upstreams)

    return served(factory)


@contextlib.asynccontextmanager
async def _proxy(upstreams: Mapping[str, str]) -> AsyncIterator[InProcessProxy]:
    async with in_process_proxy(upstreams) as proxy:
        yield proxy
