"""Fake Anthropic Messages API: POST /v1/messages (plain and streamed) and count_tokens.

Follows the Messages API reference and anthropic-sdk-python's types: ``msg_01…``
ids, a ``request-id`` header that the error JSON repeats as ``request_id``, usage
with ``cache_creation_input_tokens`` and ``cache_read_input_tokens``, and the full
stream event set (``message_start``, ``content_block_start``, ``ping``,
``content_block_delta`` with ``text_delta``, ``content_block_stop``,
``message_delta`` with ``stop_reason`` and ``usage.output_tokens``,
``message_stop``). The stream-error knob sends ``event: error`` with
``overloaded_error``, which is how overload shows up mid-stream in practice.
"""

from __future__ import annotations

from aiohttp import web

from lookout.demo import fake_text as text
from lookout.demo.fake_wire import (
    Call,
    Handler,
    JsonObject,
    endpoint,
    error_response,
    int_field,
    joined,
    json_response,
    send_frames,
    sse,
    text_of,
)

_SSE_TYPE = "text/event-stream; charset=utf-8"
_SNAPSHOTS = {
    "claude-sonnet-4-5": "claude-sonnet-4-5-20250929",
    "claude-haiku-4-5": "claude-haiku-4-5-20251001",
    "claude-opus-4-1": "claude-opus-4-1-20250805",
    "claude-sonnet-4-0": "claude-sonnet-4-20250514",
    "claude-3-5-haiku-latest": "claude-3-5-haiku-20241022",
}
_ERRORS: dict[int, tuple[str, str]] = {
    400: ("invalid_request_error", "prompt is too long: {tokens} tokens > 200000 maximum"),
    401: ("authentication_error", "invalid x-api-key"),
    403: (
        "permission_error",
        "Your API key does not have permission to use the specified resource.",
    ),
    404: ("not_found_error", "model: {model}"),
    413: ("request_too_large", "Request exceeds the maximum allowed number of bytes."),
    429: (
        "rate_limit_error",
        "This request would exceed the rate limit for your organization of 50,000 input "
        "tokens per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits.",
    ),
    500: ("api_error", "Internal server error"),
    529: ("overloaded_error", "Overloaded"),
}
_OVERLOADED = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}


def errors(status: int, model: str, message: str | None) -> tuple[JsonObject, dict[str, str]]:
    """Anthropic's ``{"type": "error", "error": {...}, "request_id": ...}`` for ``status``."""
    fallback = (
        ("api_error", "Internal server error") if status >= 500 else ("invalid_request_error", "Bad request")
    )
    kind, template = _ERRORS.get(status, fallback)
    headers = response_headers()
    if status in (429, 529):
        headers["retry-after"] = "7" if status == 429 else "2"
    body = {
        "type": "error",
        "error": {
            "type": kind,
            "message": message or template.format(model=model, tokens=text.random_count(200_001, 400_000)),
        },
        "request_id": headers["request-id"],
    }
    return body, headers


def response_headers() -> dict[str, str]:
    """The headers Anthropic puts on every API response."""
    return {
        "request-id": "req_011C" + text.random_id(20),
        "anthropic-organization-id": "00000000-0000-4000-8000-00000000demo",
        "anthropic-ratelimit-requests-limit": "4000",
        "anthropic-ratelimit-requests-remaining": "3999",
        "anthropic-ratelimit-input-tokens-limit": "2000000",
        "anthropic-ratelimit-output-tokens-limit": "400000",
    }


def _prompt(payload: JsonObject) -> str:
    messages = payload.get("messages") or []
    return joined(text_of(payload.get("system")), text_of(messages))


def _usage(call: Call, reply: text.Reply, output_tokens: int) -> JsonObject:
    """Usage in the message envelope; prompt caching moves input into the cache counters."""
    written = read = 0
    uncached = reply.input_tokens
    if b"cache_control" in call.body:
        cached = reply.input_tokens * 3 // 4
        # One call in four writes the cache; the rest read what an earlier call wrote.
        written, read = (cached, 0) if text.seed_of(call.body) % 4 == 0 else (0, cached)
        uncached -= cached
    return {
        "input_tokens": uncached,
        "cache_creation_input_tokens": written,
        "cache_read_input_tokens": read,
        "cache_creation": {"ephemeral_5m_input_tokens": written, "ephemeral_1h_input_tokens": 0},
        "output_tokens": output_tokens,
        "service_tier": "standard",
    }


async def messages(call: Call) -> web.StreamResponse:
    """POST /v1/messages."""
    max_tokens = int_field(call.payload, "max_tokens")
    if max_tokens is None:
        return error_response(errors, call.knobs, 400, call.model, "max_tokens: Field required")
    reply = text.make_reply(call.body, _prompt(call.payload), chunks=call.knobs.chunks, max_tokens=max_tokens)
    message = {
        "id": "msg_01" + text.random_id(22),
        "type": "message",
        "role": "assistant",
        "model": _SNAPSHOTS.get(call.model, call.model),
        "content": [{"type": "text", "text": reply.text}],
        "stop_reason": "max_tokens" if reply.truncated else "end_turn",
        "stop_sequence": None,
        "usage": _usage(call, reply, reply.output_tokens),
    }
    if call.payload.get("stream"):
        return await _stream(call, reply, message)
    return json_response(message, call.knobs, headers=response_headers())


async def _stream(call: Call, reply: text.Reply, message: JsonObject) -> web.StreamResponse:
    # message_start carries the input side of usage; output_tokens starts at 1 and the
    # final count arrives in message_delta, exactly as the live API reports it.
    start = {**message, "content": [], "stop_reason": None, "usage": _usage(call, reply, 1)}
    frames = [
        sse({"type": "message_start", "message": start}, "message_start"),
        sse(
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
            "content_block_start",
        ),
        sse({"type": "ping"}, "ping"),
    ]
    for piece in reply.pieces:
        delta = {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "text_delta", "text": piece},
        }
        frames.append(sse(delta, "content_block_delta"))
    final = {"stop_reason": message["stop_reason"], "stop_sequence": None}
    frames += [
        sse({"type": "content_block_stop", "index": 0}, "content_block_stop"),
        sse(
            {
                "type": "message_delta",
                "delta": final,
                "usage": {"output_tokens": reply.output_tokens},
            },
            "message_delta",
        ),
        sse({"type": "message_stop"}, "message_stop"),
    ]
    return await send_frames(
        call,
        frames,
        content_type=_SSE_TYPE,
        headers=response_headers(),
        error_frame=sse(_OVERLOADED, "error"),
    )


async def count_tokens(call: Call) -> web.StreamResponse:
    """POST /v1/messages/count_tokens."""
    tokens = text.estimate_tokens(_prompt(call.payload))
    return json_response({"input_tokens": tokens}, call.knobs, headers=response_headers())


def routes() -> list[tuple[str, str, Handler]]:
    """(method, path, handler) for every Anthropic endpoint the fake serves."""
    return [
        ("POST", "/v1/messages", endpoint(errors, messages)),
        ("POST", "/v1/messages/count_tokens", endpoint(errors, count_tokens)),
    ]
