"""Utility endpoints for testing and benchmarking the proxy itself, not any provider.

* ``ANY /echo/{tail}`` describes exactly what arrived: method, path, raw query,
  headers in order and case, body length and SHA-256. The body is hashed as it
  streams in, so a 24 MB upload costs no more memory than a small one.
* ``GET /bytes/{n}`` streams ``n`` deterministic bytes in 64 KiB chunks with a
  ``Content-Length``, so a test can check every byte came through.
* ``GET /sse/{n}?interval_ms=..`` streams ``n`` SSE events, each stamped with
  ``time.perf_counter_ns()`` at the moment of writing; a client on the same machine
  shares that clock and can measure per-chunk delivery latency.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time

from aiohttp import web

from lookout.demo.fake_wire import Handler, Knobs, StreamSink

CHUNK = 64 * 1024
# 256 repetitions of bytes 0..255: a pattern whose offset is visible in any slice.
_PATTERN = bytes(range(256)) * (CHUNK // 256)


def pattern_bytes(n: int) -> bytes:
    """The first ``n`` bytes ``/bytes/{n}`` serves, for comparing in tests."""
    whole, rest = divmod(n, CHUNK)
    return _PATTERN * whole + _PATTERN[:rest]


async def echo(request: web.Request) -> web.StreamResponse:
    """Describe the request as received."""
    digest = hashlib.sha256()
    length = 0
    async for chunk in request.content.iter_chunked(CHUNK):
        digest.update(chunk)
        length += len(chunk)
    description = {
        "method": request.method,
        "path": request.path,
        "raw_path": request.raw_path,
        "query_string": request.query_string,
        "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in request.raw_headers],
        "body_length": length,
        "body_sha256": digest.hexdigest(),
    }
    return web.json_response(description)


async def stream_bytes(request: web.Request) -> web.StreamResponse:
    """Serve ``n`` pattern bytes in 64 KiB writes."""
    n = _count(request)
    response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
    response.content_length = n
    await response.prepare(request)
    for start in range(0, n, CHUNK):
        await response.write(_PATTERN[: min(CHUNK, n - start)])
    await response.write_eof()
    return response


async def stream_sse(request: web.Request) -> web.StreamResponse:
    """Serve ``n`` timestamped SSE events, ``interval_ms`` apart."""
    n = _count(request)
    try:
        interval_s = float(request.query.get("interval_ms", "0")) / 1000
    except ValueError:
        raise web.HTTPBadRequest(text="interval_ms must be a number") from None
    sink = StreamSink(request, Knobs())
    await sink.open("text/event-stream")
    for index in range(n):
        if index and interval_s:
            await asyncio.sleep(interval_s)
        # Stamp as late as possible so the measured latency is the proxy's, not ours.
        event = {"i": index, "t_ns": time.perf_counter_ns()}
        await sink.send(b"id: %d\ndata: %s\n\n" % (index, json.dumps(event).encode()))
    return await sink.finish()


def _count(request: web.Request) -> int:
    try:
        n = int(request.match_info["n"])
    except ValueError:
        raise web.HTTPBadRequest(text="n must be an integer") from None
    if n < 0:
        raise web.HTTPBadRequest(text="n must not be negative")
    return n


def routes() -> list[tuple[str, str, Handler]]:
    """(method, path, handler) for the utility endpoints."""
    return [
        ("*", "/echo/{tail:.*}", echo),
        ("GET", "/bytes/{n}", stream_bytes),
        ("GET", "/sse/{n}", stream_sse),
    ]
