"""Fake OpenAI API: chat completions, legacy completions, embeddings, images, models.

Shapes follow the public API reference and the openai-python types: ``chatcmpl-``
ids, ``created`` epoch seconds, a dated snapshot as the response ``model``,
``system_fingerprint``, ``data: [DONE]`` ending streams, and a final usage chunk
with empty ``choices`` when ``stream_options.include_usage`` is set. The Responses
API lives in :mod:`lookout.demo.fake_openai_responses`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from lookout.demo import fake_text as text
from lookout.demo.fake_wire import (
    Call,
    Handler,
    JsonObject,
    endpoint,
    error_response,
    int_field,
    json_response,
    send_frames,
    sse,
    text_of,
)

SSE_TYPE = "text/event-stream; charset=utf-8"
_DONE = b"data: [DONE]\n\n"

# Request aliases resolve to dated snapshots, which is what the API reports back.
_SNAPSHOTS = {
    "gpt-4o-mini": "gpt-4o-mini-2024-07-18",
    "gpt-4o": "gpt-4o-2024-08-06",
    "gpt-4.1": "gpt-4.1-2025-04-14",
    "gpt-4.1-mini": "gpt-4.1-mini-2025-04-14",
    "gpt-4.1-nano": "gpt-4.1-nano-2025-04-14",
    "o3": "o3-2025-04-16",
    "o3-mini": "o3-mini-2025-01-31",
    "o4-mini": "o4-mini-2025-04-16",
    "gpt-5": "gpt-5-2025-08-07",
    "gpt-5-mini": "gpt-5-mini-2025-08-07",
}
MAX_CHOICES = 128  # the API's limit on ``n``
_EMBEDDING_DIMS = {"text-embedding-3-large": 3072}
_SERVER_ERROR = "The server had an error while processing your request. Sorry about that!"
_STREAM_ERROR = sse(
    {"error": {"message": _SERVER_ERROR, "type": "server_error", "param": None, "code": None}}
)
_ERRORS: dict[int, tuple[str, str | None, str]] = {
    400: (
        "invalid_request_error",
        "context_length_exceeded",
        "This model's maximum context length is 128000 tokens. However, your messages "
        "resulted in {tokens} tokens. Please reduce the length of the messages.",
    ),
    401: (
        "invalid_request_error",
        "invalid_api_key",
        "Incorrect API key provided: sk-demo. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
    ),
    404: (
        "invalid_request_error",
        "model_not_found",
        "The model `{model}` does not exist or you do not have access to it.",
    ),
    429: (
        "tokens",
        "rate_limit_exceeded",
        "Rate limit reached for {model} in organization org-demo on tokens per min (TPM): "
        "Limit 200000, Used {used}, Requested {requested}. Please try again in 222ms. Visit "
        "https://platform.openai.com/account/rate-limits to learn more.",
    ),
    500: ("server_error", None, _SERVER_ERROR),
    503: ("server_error", None, "The engine is currently overloaded, please try again later"),
}


def snapshot(model: str) -> str:
    """The dated model name the API reports for a request alias."""
    return _SNAPSHOTS.get(model, model)


def is_reasoning(model: str) -> bool:
    """o-series and gpt-5 models spend hidden reasoning tokens."""
    return model.startswith(("o1", "o3", "o4", "gpt-5"))


def reasoning_tokens(model: str, reply: text.Reply) -> int:
    """Hidden reasoning spent before the visible answer (zero for other models)."""
    return 64 * (1 + reply.output_tokens % 5) if is_reasoning(model) else 0


def errors(status: int, model: str, message: str | None) -> tuple[JsonObject, dict[str, str]]:
    """OpenAI's ``{"error": {message, type, param, code}}`` for ``status``."""
    kind, code, template = _error_entry(status)
    error = {
        "message": message
        or template.format(
            model=model or "gpt-4o-mini",
            tokens=text.random_count(128_001, 400_000),
            used=text.random_count(190_000, 199_999),
            requested=text.random_count(200, 20_000),
        ),
        "type": kind,
        "param": "messages" if code == "context_length_exceeded" else None,
        "code": code,
    }
    headers = response_headers()
    if status == 429:
        headers.update({"x-ratelimit-remaining-tokens": "0", "x-ratelimit-reset-tokens": "222ms"})
    return {"error": error}, headers


def _error_entry(status: int) -> tuple[str, str | None, str]:
    if status in _ERRORS:
        return _ERRORS[status]
    # 502, 504 and the like read as the overload message, as OpenAI's gateways do.
    return _ERRORS[503] if status > 500 else ("invalid_request_error", None, "Request failed.")


def response_headers() -> dict[str, str]:
    """The headers OpenAI puts on every API response."""
    return {
        "x-request-id": "req_" + text.random_id(32, text.HEX),
        "openai-organization": "user-demo",
        "openai-processing-ms": "180",
        "openai-version": "2020-10-01",
        "x-ratelimit-limit-requests": "10000",
        "x-ratelimit-remaining-requests": "9999",
        "x-ratelimit-limit-tokens": "200000",
        "x-ratelimit-remaining-tokens": "199500",
    }


def fingerprint(model: str) -> str:
    """A stable ``system_fingerprint`` per model, as one backend build would give."""
    return "fp_" + hashlib.sha1(model.encode()).hexdigest()[:10]


def _chat_usage(model: str, replies: list[text.Reply]) -> JsonObject:
    """Usage for all of a call's choices: the prompt counted once, every choice's output summed."""
    prompt = replies[0].input_tokens
    reasoning = sum(reasoning_tokens(model, reply) for reply in replies)
    completion = sum(reply.output_tokens for reply in replies) + reasoning
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {
            "cached_tokens": text.cached_tokens(prompt),
            "audio_tokens": 0,
        },
        "completion_tokens_details": {
            "reasoning_tokens": reasoning,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _chat_replies(call: Call, choices: int) -> list[text.Reply]:
    """One reply per choice, each from its own seed."""
    prompt = text_of(call.payload.get("messages"))
    limit = int_field(call.payload, "max_completion_tokens", "max_tokens")
    seeds = [call.body, *(call.body + b"#%d" % index for index in range(1, choices))]
    return [text.make_reply(seed, prompt, chunks=call.knobs.chunks, max_tokens=limit) for seed in seeds]


def _tool_call(call: Call) -> JsonObject | None:
    """A call to the first tool, when the request offers tools and awaits no tool result."""
    tools = call.payload.get("tools") or []
    messages = call.payload.get("messages") or [{}]
    if not tools or call.payload.get("tool_choice") == "none" or messages[-1].get("role") == "tool":
        return None
    function = tools[0].get("function") or {}
    properties = (function.get("parameters") or {}).get("properties") or {}
    arguments = {name: _sample(spec) for name, spec in properties.items()}
    return {
        "id": "call_" + text.random_id(24),
        "type": "function",
        "function": {"name": function.get("name", "tool"), "arguments": json.dumps(arguments)},
    }


def _sample(spec: Any) -> object:
    kind = spec.get("type") if isinstance(spec, dict) else None
    if isinstance(spec, dict) and spec.get("enum"):
        return spec["enum"][0]
    return {"integer": 3, "number": 1.5, "boolean": True, "array": [], "object": {}}.get(str(kind), "Paris")


async def chat_completions(call: Call) -> web.StreamResponse:
    """POST /v1/chat/completions, with ``n`` choices (1 to 128, as the API allows)."""
    choices = int_field(call.payload, "n")
    choices = 1 if choices is None else choices
    if not 1 <= choices <= MAX_CHOICES:
        message = f"Invalid 'n': expected a value from 1 to {MAX_CHOICES}, but got {choices} instead."
        return error_response(errors, call.knobs, 400, call.model, message)
    answers = [(reply, _tool_call(call)) for reply in _chat_replies(call, choices)]
    base = {
        "id": "chatcmpl-" + text.random_id(29),
        "created": int(time.time()),
        "model": snapshot(call.model),
        "service_tier": "default",
        "system_fingerprint": fingerprint(call.model),
    }
    if call.payload.get("stream"):
        return await _chat_stream(call, base, answers)
    body = {
        **base,
        "object": "chat.completion",
        "choices": [_choice(index, reply, tool) for index, (reply, tool) in enumerate(answers)],
        "usage": _chat_usage(call.model, [reply for reply, _ in answers]),
    }
    return json_response(body, call.knobs, headers=response_headers())


def _finish_reason(reply: text.Reply, tool: JsonObject | None) -> str:
    return "tool_calls" if tool else "length" if reply.truncated else "stop"


def _choice(index: int, reply: text.Reply, tool: JsonObject | None) -> JsonObject:
    message: JsonObject = {
        "role": "assistant",
        "content": None if tool else reply.text,
        "refusal": None,
        "annotations": [],
    }
    if tool:
        message["tool_calls"] = [tool]
    return {
        "index": index,
        "message": message,
        "logprobs": None,
        "finish_reason": _finish_reason(reply, tool),
    }


async def _chat_stream(
    call: Call, base: JsonObject, answers: list[tuple[text.Reply, JsonObject | None]]
) -> web.StreamResponse:
    include_usage = bool((call.payload.get("stream_options") or {}).get("include_usage"))
    extra = {"usage": None} if include_usage else {}
    frames: list[bytes] = []
    for index, (reply, tool) in enumerate(answers):  # one choice after another
        chunk = _chunk_maker(base, extra, index)
        frames.append(chunk({"role": "assistant", "content": None if tool else "", "refusal": None}))
        if tool:
            frames += _tool_deltas(tool, chunk)
        else:
            frames += [chunk({"content": piece}) for piece in reply.pieces]
        frames.append(chunk({}, _finish_reason(reply, tool)))
    if include_usage:
        usage_chunk = {**base, "object": "chat.completion.chunk", "choices": []}
        frames.append(sse({**usage_chunk, "usage": _chat_usage(call.model, [reply for reply, _ in answers])}))
    frames.append(_DONE)
    return await send_frames(
        call, frames, content_type=SSE_TYPE, headers=response_headers(), error_frame=_STREAM_ERROR
    )


def _chunk_maker(base: JsonObject, extra: JsonObject, index: int) -> Callable[..., bytes]:
    """Frames of one choice's stream: ``chunk(delta, finish_reason=None)``."""

    def chunk(delta: JsonObject, finish_reason: str | None = None) -> bytes:
        choice = {"index": index, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        return sse({**base, "object": "chat.completion.chunk", "choices": [choice], **extra})

    return chunk


def _tool_deltas(tool: JsonObject, chunk: Callable[[JsonObject], bytes]) -> list[bytes]:
    arguments: str = tool["function"]["arguments"]
    head = {**tool, "index": 0, "function": {"name": tool["function"]["name"], "arguments": ""}}
    frames: list[bytes] = [chunk({"tool_calls": [head]})]
    for start in range(0, len(arguments), 8):
        fragment = {"index": 0, "function": {"arguments": arguments[start : start + 8]}}
        frames.append(chunk({"tool_calls": [fragment]}))
    return frames


async def completions(call: Call) -> web.StreamResponse:
    """POST /v1/completions, the legacy text-completion endpoint."""
    prompt = text_of(call.payload.get("prompt"))
    limit = int_field(call.payload, "max_tokens") or 16
    reply = text.make_reply(call.body, prompt, chunks=call.knobs.chunks, max_tokens=limit)
    base = {
        "id": "cmpl-" + text.random_id(29),
        "object": "text_completion",
        "created": int(time.time()),
        "model": call.model,
    }
    finish = "length" if reply.truncated else "stop"
    usage = {
        "prompt_tokens": reply.input_tokens,
        "completion_tokens": reply.output_tokens,
        "total_tokens": reply.input_tokens + reply.output_tokens,
    }

    def choice(piece: str, finish_reason: str | None) -> JsonObject:
        return {"text": piece, "index": 0, "logprobs": None, "finish_reason": finish_reason}

    if not call.payload.get("stream"):
        body = {**base, "choices": [choice(reply.text, finish)], "usage": usage}
        return json_response(body, call.knobs, headers=response_headers())
    frames = [sse({**base, "choices": [choice(piece, None)]}) for piece in reply.pieces]
    frames += [sse({**base, "choices": [choice("", finish)]}), _DONE]
    return await send_frames(
        call, frames, content_type=SSE_TYPE, headers=response_headers(), error_frame=_STREAM_ERROR
    )


async def embeddings(call: Call) -> web.StreamResponse:
    """POST /v1/embeddings, honouring ``dimensions`` and ``encoding_format``."""
    raw = call.payload.get("input")
    inputs = raw if isinstance(raw, list) and raw and not isinstance(raw[0], int) else [raw]
    dims = int_field(call.payload, "dimensions") or _EMBEDDING_DIMS.get(call.model, 1536)
    as_base64 = call.payload.get("encoding_format") == "base64"
    data = []
    for index, item in enumerate(inputs):
        vector = text.embedding(json.dumps(item), dims)
        encoded: object = text.embedding_base64(vector) if as_base64 else vector
        data.append({"object": "embedding", "index": index, "embedding": encoded})
    tokens = sum(len(item) if isinstance(item, list) else text.estimate_tokens(str(item)) for item in inputs)
    body = {
        "object": "list",
        "data": data,
        "model": call.model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }
    return json_response(body, call.knobs, headers=response_headers())


async def images(call: Call) -> web.StreamResponse:
    """POST /v1/images/generations, always answering with small ``b64_json`` PNGs."""
    prompt = str(call.payload.get("prompt") or "")
    count = int_field(call.payload, "n") or 1
    seed = text.seed_of(call.body)
    picture = base64.b64encode(text.tiny_png(seed)).decode()
    data: list[JsonObject] = [{"b64_json": picture} for _ in range(count)]
    body: JsonObject = {"created": int(time.time()), "data": data}
    if call.model.startswith("dall-e-3"):
        data[0]["revised_prompt"] = prompt
    else:
        tokens = text.estimate_tokens(prompt)
        body["usage"] = {
            "total_tokens": tokens + 272 * count,
            "input_tokens": tokens,
            "output_tokens": 272 * count,
            "input_tokens_details": {"text_tokens": tokens, "image_tokens": 0},
        }
    return json_response(body, call.knobs, headers=response_headers())


async def list_models(request: web.Request) -> web.StreamResponse:
    """GET /v1/models."""
    names = [*_SNAPSHOTS, "text-embedding-3-small", "text-embedding-3-large", "gpt-image-1"]
    data = [{"id": n, "object": "model", "created": 1715367049, "owned_by": "system"} for n in names]
    return web.json_response({"object": "list", "data": data}, headers=response_headers())


def routes() -> list[tuple[str, str, Handler]]:
    """(method, path, handler) for every OpenAI endpoint the fake serves."""
    return [
        ("POST", "/v1/chat/completions", endpoint(errors, chat_completions)),
        ("POST", "/v1/completions", endpoint(errors, completions)),
        ("POST", "/v1/embeddings", endpoint(errors, embeddings)),
        ("POST", "/v1/images/generations", endpoint(errors, images)),
        ("GET", "/v1/models", list_models),
    ]
