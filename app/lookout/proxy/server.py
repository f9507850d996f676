"""The forwarding proxy: route, forward, stream back, time it, hand off a record.

This is the hot path. Per call it does routing, header filtering, a capped copy
of each body and a handful of timestamps; everything else (parsing, cost,
storage) happens in the recorder process. The finished :class:`Exchange` goes to
a ``sink`` that must never block.

A call that needs nothing waited for (its body all here, its stored key, if it
needs one, in the cache, an idle pooled connection) is written upstream straight
from the client's parser callback, and only then does its task start. If its answer is small and
arrives whole, it goes to the client straight from the upstream's parser
callback too (:class:`_Call`), and the task wakes only to record it. Everything
else takes the same path in the task. ``tests/proxy/bench_instructions.py``
counts what each way costs.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from time import perf_counter

from lookout import __version__
from lookout.core.config import ProxySettings
from lookout.core.models import Exchange
from lookout.keys.injection import (
    inject_key,
    needs_key,
    strip_placeholder_query,
    style_for,
)
from lookout.keys.vault import cached_key, key_for_proxy
from lookout.proxy.capture import BodyCapture, TimedCapture
from lookout.proxy.errors import error_response, unknown_upstream_response
from lookout.proxy.headers import decode, downstream_lines, header_lines, recorded_headers
from lookout.proxy.http_request import Request
from lookout.proxy.http_response import ClientGone, Reply, Response, json_reply
from lookout.proxy.routing import Route, Router
from lookout.proxy.security import refusal_reason
from lookout.proxy.tracing import TRACE_HEADERS, trace_ids
from lookout.proxy.upstream import SentRequest, UpstreamPool, UpstreamResponse, encoded_lines
from lookout.proxy.upstream_conn import Connection, UpstreamConnectError, UpstreamError

Sink = Callable[[Exchange], None]

STATUS_PATH = "_lookout"
# Small request bodies are read whole (one write upstream, no chunked encoding);
# larger ones stream. aiohttp's BaseRequest.read() refuses more than 1 MiB anyway.
WHOLE_BODY_MAX = 256 * 1024
# A response this small with a Content-Length is sent as one piece once read.
SMALL_RESPONSE_MAX = 64 * 1024
# How long a relayed head may wait for the body's first piece, to leave with it.
HEAD_HOLD_S = 0.002
NOTED = (b"content-type", *TRACE_HEADERS)  # request headers the record is given as fields


class ProxyServer:
    """Owns the upstream connection pool and the request handler."""

    def __init__(
        self,
        settings: ProxySettings,
        router: Router,
        sink: Sink,
        stats: Callable[[], dict[str, int]] = dict,
        data_dir: str | None = None,
    ) -> None:
        self.settings = settings
        self.router = router
        self._sink = sink
        self._stats = stats  # queue and drop counts, for the status endpoint
        self._data_dir = data_dir  # lets the app tell its own engine from another one
        self.paused = False  # capture paused: keep forwarding, record nothing
        self.forwarded = 0
        self.not_recorded = 0
        self._pool = UpstreamPool(settings.connect_timeout_s, settings.read_timeout_s)
        self.whole_body_max = min(settings.capture_limit_bytes, WHOLE_BODY_MAX)  # else it streams
        self.started_at = time.time()

    async def close(self) -> None:
        await self._pool.close()

    def handle(self, request: Request, response: Response) -> Awaitable[None]:
        """The work for one request. A call that can go upstream at once is sent before this returns."""
        reason = refusal_reason(request.headers.first)
        if reason is not None:
            return response.send(error_response(403, reason, "request_refused"))
        route = self.router.resolve(request.raw_path, request.raw_query)
        if route is None:
            return self._own(request, response)
        t0, wall = perf_counter(), time.time()
        early = self._send_now(request, route)
        call = _Call(request, response, route, t0, wall, self.settings.capture_limit_bytes)
        if early is not None:
            early.conn.on_whole_response = call.answer_whole
        return self._forward(call, early)

    async def _own(self, request: Request, response: Response) -> None:
        """Lookout's status and capture endpoints, or a 404 that names the upstreams."""
        parts = request.raw_path.strip("/").split("/")
        if parts[0] != STATUS_PATH:
            return await response.send(unknown_upstream_response(request.raw_path, self.router.names))
        if parts[1:] == ["capture"] and request.method == "POST":
            return await response.send(await self._set_capture(request))
        return await response.send(self._status_response())

    def _status_response(self) -> Reply:
        return json_reply(
            {
                "lookout": __version__,
                "uptime_s": round(time.time() - self.started_at, 1),
                "upstreams": {name: self.router.base_url(name) for name in self.router.names},
                "data_dir": self._data_dir,
                "paused": self.paused,
                "forwarded": self.forwarded,
                "not_recorded": self.not_recorded,
                **self._stats(),
            }
        )

    async def _set_capture(self, request: Request) -> Reply:
        """``POST /_lookout/capture {"paused": true}``: pause or resume recording.

        Reachable only as the proxy is: on loopback, and never from a browser page
        (the Origin and Host checks above ran first).
        """
        try:
            body = await request.json()
            paused = body["paused"]
        except (ValueError, KeyError, TypeError):
            paused = None
        if not isinstance(paused, bool):
            return error_response(400, 'send {"paused": true} or {"paused": false}', "bad_request")
        self.paused = paused
        return self._status_response()

    def _send_now(self, request: Request, route: Route) -> SentRequest | None:
        """Send the call upstream right away, if nothing needs waiting for.

        That is: its body is all here and small enough to read whole, a stored key
        (if one is needed) is in the cache, and an idle pooled connection is at hand.
        Such a call reaches the upstream before its handler task has even been made.
        """
        length = request.content_length
        whole = request.complete and length is not None and length <= self.whole_body_max
        if request.body_exists and not whole:
            return None
        key = None
        if _needs_key(request):
            known, key = cached_key(route.upstream)
            if not known:
                return None  # the task reads the keychain, off the event loop
        try:
            lines, target = self._upstream_head(request, route, key)
        except UpstreamError:
            return None  # the task gets the same error, and answers it
        conn = self._pool.idle_connection(route.origin)
        if conn is None:
            return None
        body = request.take() if request.body_exists else None
        return self._pool.send_now(conn, request.method, route.origin, target, lines, body)

    async def _forward(self, call: _Call, early: SentRequest | None) -> None:
        """Relay one call and hand off its record; ``early`` if it was already sent (:meth:`_send_now`)."""
        request, response, route = call.request, call.response, call.route
        exchange = Exchange(
            id="",  # set by _note_request
            started_at=call.wall,
            upstream=route.upstream,
            method=request.method,
            path=route.path,
            outcome="error",  # until the body has been relayed in full
        )
        sent, received = BodyCapture(self.settings.capture_limit_bytes), call.received
        try:
            if early is None:
                data = await self._request_body(request, sent)
                sent_lines, target = await self._with_stored_key(request, route)
                upstream = await self._pool.request(request.method, route.origin, target, sent_lines, data)
            else:
                if early.body is not None:
                    sent.add(early.body)
                upstream = await self._pool.response(early)
                early.conn.on_whole_response = None  # from here on, the task reads the body
            try:
                exchange.status_code = upstream.status
                if call.answered_at is not None:  # already answered, by call.answer_whole
                    if call.client_gone:
                        raise ClientGone
                    exchange.outcome = "ok"
                elif _small_and_whole(upstream):
                    # Already complete on arrival: head and body in one write, no relay loop.
                    body = await upstream.read()
                    received.add(body)
                    response.start(upstream.status, upstream.reason, _lines(upstream), hold=True)
                    await response.write(body)
                    exchange.outcome = "ok"
                else:
                    # Hold the head for the first body piece if it follows at once: one
                    # write and one wake-up of the client instead of two, which is most
                    # of what a proxy adds to the time to first token. A head that is
                    # followed by silence (a model thinking) goes out on its own.
                    started = await upstream.body_started(HEAD_HOLD_S)
                    response.start(upstream.status, upstream.reason, _lines(upstream), hold=True)
                    if not started:
                        await response.write(b"")  # sends the held head alone
                    await relay_body(upstream, response, received, exchange)
            finally:
                upstream.release()  # reused only if the body was read to its end
                _note_response(exchange, upstream)
            await response.end()
        except (asyncio.CancelledError, ClientGone):
            exchange.outcome = "client_aborted"
            raise
        except UpstreamError as exc:
            await self._upstream_failure(exchange, route, response, exc)
        except Exception as exc:  # a bug of ours must not take the user's call down silently
            exchange.network_error = f"lookout internal error: {type(exc).__name__}"
            await _fail(response, error_response(502, exchange.network_error, "lookout_internal_error"))
        finally:
            exchange.latency_ms = ((call.answered_at or perf_counter()) - call.t0) * 1000.0
            # What only the record needs is noted once the client has its answer: while
            # the upstream works, the work would delay a quick answer.
            _note_request(exchange, request)
            _finish_captures(exchange, sent, received)
            self.forwarded += 1
            if self.paused:
                self.not_recorded += 1
            else:
                self._sink(exchange)

    async def _with_stored_key(self, request: Request, route: Route) -> tuple[bytes, str]:
        """Upstream header lines and request target, with the stored key if the client sent no real one."""
        # A dict hit, bar one keychain read per 30 s.
        key = await key_for_proxy(route.upstream) if _needs_key(request) else None
        return self._upstream_head(request, route, key)

    def _upstream_head(self, request: Request, route: Route, key: str | None) -> tuple[bytes, str]:
        """Upstream header lines and request target, with ``key`` in the provider's style if given."""
        if key is None:
            return header_lines(request.headers.forwarded), route.target
        style = style_for(route.upstream, self.router.base_url(route.upstream))
        # A ?key=lookout placeholder goes; the key travels in a header, never in the URL.
        stripped = self.router.resolve(request.raw_path, strip_placeholder_query(request.raw_query))
        headers = inject_key(route.upstream, style, decode(request.headers.forwarded), key)
        return encoded_lines(headers), (stripped or route).target

    async def _request_body(
        self, request: Request, capture: BodyCapture
    ) -> bytes | AsyncIterator[bytes] | None:
        if not request.body_exists:
            return None
        length = request.content_length
        if length is not None and length <= self.whole_body_max:
            body = await request.read()
            capture.add(body)
            return body
        return _teed(request, capture)

    async def _upstream_failure(
        self, exchange: Exchange, route: Route, response: Response, exc: UpstreamError
    ) -> None:
        timed_out = isinstance(exc, TimeoutError)
        exchange.network_error = _describe(exc, route)
        if timed_out:
            exchange.outcome = "upstream_timeout"
            reply = error_response(504, exchange.network_error, "upstream_timeout")
        else:  # "error" if it broke off after its head, else it was never reached
            exchange.outcome = "error" if exchange.status_code is not None else "upstream_unreachable"
            reply = error_response(502, exchange.network_error, "upstream_unreachable")
        await _fail(response, reply)


class _Call:
    """What a forwarded call's task shares with the upstream's parser callback.

    A small answer that arrives whole, while the task still waits for its head, is
    written to the client right from that callback (:meth:`answer_whole`), saving
    the task's wake-up and its reads before the write. The task then only records it.
    """

    __slots__ = ("answered_at", "client_gone", "received", "request", "response", "route", "t0", "wall")

    def __init__(
        self, request: Request, response: Response, route: Route, t0: float, wall: float, limit: int
    ) -> None:
        self.request = request
        self.response = response
        self.route = route
        self.t0 = t0
        self.wall = wall
        self.received = TimedCapture(limit, t0)
        self.answered_at: float | None = None  # when answer_whole wrote the answer
        self.client_gone = False  # answer_whole found the client gone

    def answer_whole(self, conn: Connection) -> None:
        """Write a small answer that is all here to the client, head and body in one write."""
        if not _small_and_whole(conn):
            return  # too big, or a stream: the task relays it
        body = conn.take_all()
        if body is None:
            return
        try:
            self.response.start(conn.status, conn.reason, _lines(conn), hold=True)
            self.response.write_now(body)
        except ClientGone:
            self.client_gone = True
        self.answered_at = perf_counter()
        self.received.add(body)


async def relay_body(
    upstream: UpstreamResponse, response: Response, capture: TimedCapture, exchange: Exchange
) -> None:
    """Write each upstream chunk to the client the moment it arrives."""
    async for chunk in upstream.chunks():
        capture.add(chunk)
        await response.write(chunk)
    exchange.outcome = "ok"


async def _fail(response: Response, reply: Reply) -> None:
    """Answer with ``reply`` if the head has not gone out yet; otherwise break the connection.

    Once a head is out, a broken connection is the only honest signal left: the
    client sees a truncated body rather than a clean end.
    """
    if response.head_sent:
        response.abort()
    else:
        await response.send(reply)


def _small_and_whole(upstream: UpstreamResponse | Connection) -> bool:
    length = upstream.content_length
    return length is not None and length <= SMALL_RESPONSE_MAX and "stream" not in upstream.content_type


def _lines(upstream: UpstreamResponse | Connection) -> bytes:
    return downstream_lines(upstream.headers, upstream.connection_header)


async def _teed(request: Request, capture: BodyCapture) -> AsyncIterator[bytes]:
    async for chunk in request.body():
        capture.add(chunk)
        yield chunk


def call_id(started_at: float) -> str:
    """32 hex digits, a millisecond timestamp then 80 random bits (like UUIDv7).

    Ids that sort by time keep the store's primary-key index append-only.
    """
    return f"{int(started_at * 1000):012x}{random.getrandbits(80):020x}"


def _needs_key(request: Request) -> bool:
    """Whether the call carries no real API key, so a stored one would be injected."""
    return needs_key(decode(request.headers.credentials), request.raw_query)


def _note_request(exchange: Exchange, request: Request) -> None:
    """The request's details for the record."""
    exchange.id = call_id(exchange.started_at)
    named = request.headers.named(NOTED)
    exchange.trace_id, exchange.session_id = trace_ids(named)
    exchange.request_content_type = named.get("content-type")
    exchange.request_headers = recorded_headers(request.headers.raw)


def _note_response(exchange: Exchange, upstream: UpstreamResponse) -> None:
    exchange.response_headers = recorded_headers(upstream.headers)
    exchange.response_content_type = upstream.content_type or None
    encodings = [value for name, value in exchange.response_headers if name.lower() == "content-encoding"]
    exchange.response_encoding = encodings[0] if encodings else None


def _finish_captures(exchange: Exchange, sent: BodyCapture, received: TimedCapture) -> None:
    exchange.request_body = sent.body()
    exchange.request_bytes = sent.size
    exchange.request_truncated = sent.truncated
    exchange.response_body = received.body()
    exchange.response_bytes = received.size
    exchange.response_truncated = received.truncated
    exchange.chunk_marks = received.marks


def _describe(exc: UpstreamError, route: Route) -> str:
    scheme, host, port, _ = route.origin
    target = f"upstream {route.upstream!r} ({scheme}://{f'[{host}]' if ':' in host else host}:{port})"
    if isinstance(exc, UpstreamConnectError):
        return f"cannot connect to {target}: {exc}"
    return f"{target}: {exc}"
