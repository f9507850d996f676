"""The engine's own Python cost per proxied call, with the sockets taken out.

``lookout bench`` measures what a user sees, system calls and machine noise
included; on a shared VM its figures move by ±20 % from one run to the next.
This drives the real server, handler and upstream connection code with
in-memory transports instead: a ~2 KB chat request in, a ~2 KB JSON answer
with a realistic set of provider headers back, every byte through llhttp. It
reports the CPU time per call, repeatable to about 2 %, so a change to the hot
path can be judged by it before it is judged by the bench.

Run: ``python -m tests.proxy.bench_hotpath [calls]``
"""

from __future__ import annotations

import asyncio
import gc
import sys
import time
from collections import deque
from collections.abc import Callable

import uvloop

from lookout.core.config import ProxySettings
from lookout.core.models import Exchange
from lookout.proxy.bench import CHAT_BODY
from lookout.proxy.http_server import HttpConnection, HttpServer
from lookout.proxy.routing import Origin, Router
from lookout.proxy.server import ProxyServer
from lookout.proxy.upstream_conn import Connection

UPSTREAM = Origin("http", "127.0.0.1", 9, "127.0.0.1:9")
REQUEST = (
    b"POST /bench/v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:8787\r\n"
    b"User-Agent: OpenAI/Python 1.99.0\r\nAccept: application/json\r\nAccept-Encoding: gzip, deflate\r\n"
    b"Content-Type: application/json\r\nAuthorization: Bearer sk-bench\r\nContent-Length: %d\r\n\r\n%b"
) % (len(CHAT_BODY), CHAT_BODY)
ANSWER = (
    b'{"id":"chatcmpl-1","object":"chat.completion","model":"gpt-4o-mini","choices":[{"index":0,'
    b'"message":{"role":"assistant","content":"' + b"x" * 1800 + b'"},"finish_reason":"stop"}],'
    b'"usage":{"prompt_tokens":500,"completion_tokens":150,"total_tokens":650}}'
)
RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
    b"Date: Sun, 29 Nov 2026 04:00:00 GMT\r\nServer: bench\r\nx-request-id: req_123\r\n"
    b"openai-processing-ms: 12\r\nopenai-version: 2020-10-01\r\nx-ratelimit-limit-requests: 10000\r\n"
    b"x-ratelimit-remaining-requests: 9999\r\nx-ratelimit-limit-tokens: 1000000\r\n"
    b"x-ratelimit-remaining-tokens: 999000\r\nx-ratelimit-reset-requests: 6ms\r\n\r\n%b"
) % (len(ANSWER), ANSWER)


class MemoryTransport:
    """Just enough of an asyncio transport; ``on_write`` gets what the code under test sends."""

    def __init__(self, on_write: object) -> None:
        self.on_write = on_write

    def write(self, data: bytes) -> None:
        self.on_write(data)  # type: ignore[operator]

    def is_closing(self) -> bool:
        return False

    def close(self) -> None:
        raise RuntimeError("the bench's connections never close")

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


def wire_engine(
    upstream_wrote: Callable[[bytes], object],
    client_got: Callable[[bytes], object],
    sink: Callable[[Exchange], None] | None = None,
    client_transport: MemoryTransport | None = None,
) -> tuple[HttpConnection, Connection]:
    """The real server, handler and a pooled upstream connection, on in-memory transports.

    Returns the client side, to feed requests to, and the upstream connection, to feed
    the answer to; the two callbacks are told when the engine writes to either. By
    default each record is packed as the engine's sink does for the recorder.
    """
    queued: deque[bytes] = deque(maxlen=100)
    proxy = ProxyServer(
        ProxySettings(port=0),
        Router({"bench": "http://127.0.0.1:9"}),
        sink or (lambda exchange: queued.append(exchange.packed())),
    )
    upstream = Connection(read_timeout_s=60.0)
    upstream.connection_made(MemoryTransport(upstream_wrote))  # type: ignore[arg-type]
    proxy._pool._idle[UPSTREAM] = deque([upstream])  # a pooled keep-alive connection
    client = HttpConnection(HttpServer(proxy.handle, whole_body_max=proxy.whole_body_max))
    client.connection_made(client_transport or MemoryTransport(client_got))  # type: ignore[arg-type]
    return client, upstream


async def cpu_us_per_call(calls: int) -> float:
    loop = asyncio.get_running_loop()
    answered: asyncio.Future[bytes] = loop.create_future()
    # The upstream answers on the next loop turn, as a socket would.
    client, upstream = wire_engine(
        lambda _: loop.call_soon(upstream.data_received, RESPONSE), lambda data: answered.set_result(data)
    )

    async def one_call() -> None:
        nonlocal answered
        answered = loop.create_future()
        client.data_received(REQUEST)
        await answered
        await asyncio.sleep(0)  # the handler finishes its record after the answer

    for _ in range(200):
        await one_call()
    gc.collect()
    gc.freeze()
    start = time.process_time()
    for _ in range(calls):
        await one_call()
    return (time.process_time() - start) / calls * 1e6


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    runs = [uvloop.run(cpu_us_per_call(calls)) for _ in range(5)]
    print(f"engine CPU per call, sockets excluded: {min(runs):.1f} µs (min of 5 runs of {calls}:"
          f" {', '.join(f'{run:.1f}' for run in runs)})")  # fmt: skip


if __name__ == "__main__":
    main()
