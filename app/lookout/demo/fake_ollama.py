"""Fake Ollama native API: /api/chat, /api/generate, /api/embed, /api/embeddings, /api/tags.

Ollama streams by default: one JSON object per line (``application/x-ndjson``),
the last with ``done: true``, ``done_reason`` and the counters and nanosecond
durations (``prompt_eval_count``, ``eval_count``, ``total_duration``…). A request
with ``"stream": false`` gets that final object alone, holding the whole answer.
Errors are ``{"error": "..."}``, both as a response body and as a stream line.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from aiohttp import web

from lookout.demo import fake_text as text
from lookout.demo.fake_wire import (
    Call,
    Handler,
    JsonObject,
    endpoint,
    int_field,
    joined,
    json_response,
    send_frames,
    text_of,
)

_NDJSON = "application/x-ndjson"
_ERRORS = {
    400: "invalid input: prompt is too long for the model's context window",
    404: 'model "{model}" not found, try pulling it first',
    429: "server busy, please try again.  maximum pending requests exceeded",
    500: "llama runner process has terminated: exit status 2",
    503: "server busy, please try again.  maximum pending requests exceeded",
}
_STREAM_ERROR = b'{"error":"an error was encountered while running the model: unexpected EOF"}\n'
# Per-token timings of a small model on a laptop GPU, in nanoseconds.
_LOAD_NS = 21_000_000
_PROMPT_NS_PER_TOKEN = 400_000
_EVAL_NS_PER_TOKEN = 14_000_000


def errors(status: int, model: str, message: str | None) -> tuple[JsonObject, dict[str, str]]:
    """Ollama's bare ``{"error": "..."}``."""
    template = _ERRORS.get(status, _ERRORS[500] if status >= 500 else "invalid request")
    return {"error": message or template.format(model=model)}, {}


def _final_stats(reply: text.Reply) -> JsonObject:
    prompt_ns = reply.input_tokens * _PROMPT_NS_PER_TOKEN
    eval_ns = reply.output_tokens * _EVAL_NS_PER_TOKEN
    return {
        "done_reason": "length" if reply.truncated else "stop",
        "done": True,
        "total_duration": _LOAD_NS + prompt_ns + eval_ns + 1_200_000,
        "load_duration": _LOAD_NS,
        "prompt_eval_count": reply.input_tokens,
        "prompt_eval_duration": prompt_ns,
        "eval_count": reply.output_tokens,
        "eval_duration": eval_ns,
    }


def _reply(call: Call, prompt: str) -> text.Reply:
    limit = int_field(call.payload.get("options") or {}, "num_predict")
    return text.make_reply(call.body, prompt, chunks=call.knobs.chunks, max_tokens=limit)


def _line(payload: JsonObject) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode() + b"\n"


async def _answer(
    call: Call, reply: text.Reply, partial: Callable[[str], JsonObject], final: JsonObject
) -> web.StreamResponse:
    """Stream ``partial(piece)`` lines then ``final``, or send one object when not streaming."""
    if call.payload.get("stream") is False:
        whole = {**partial(reply.text), **final}
        return json_response(whole, call.knobs, content_type="application/json; charset=utf-8")
    frames = [_line({**partial(piece), "done": False}) for piece in reply.pieces]
    frames.append(_line({**partial(""), **final}))
    return await send_frames(call, frames, content_type=_NDJSON, error_frame=_STREAM_ERROR)


async def chat(call: Call) -> web.StreamResponse:
    """POST /api/chat."""
    messages = call.payload.get("messages") or []
    reply = _reply(call, text_of(messages))

    def partial(piece: str) -> JsonObject:
        message = {"role": "assistant", "content": piece}
        return {"model": call.model, "created_at": text.iso_now(), "message": message}

    return await _answer(call, reply, partial, _final_stats(reply))


async def generate(call: Call) -> web.StreamResponse:
    """POST /api/generate."""
    reply = _reply(call, joined(text_of(call.payload.get("system")), text_of(call.payload.get("prompt"))))

    def partial(piece: str) -> JsonObject:
        return {"model": call.model, "created_at": text.iso_now(), "response": piece}

    # The final object hands back the context tokens for the next turn.
    context = list(range(128000, 128000 + reply.input_tokens + reply.output_tokens))
    return await _answer(call, reply, partial, {**_final_stats(reply), "context": context})


async def embed(call: Call) -> web.StreamResponse:
    """POST /api/embed (current API: ``input`` is a string or a list)."""
    raw = call.payload.get("input")
    inputs = [str(item) for item in raw] if isinstance(raw, list) else [str(raw or "")]
    tokens = sum(text.estimate_tokens(item) for item in inputs)
    body = {
        "model": call.model,
        "embeddings": [text.embedding(item, 768) for item in inputs],
        "total_duration": _LOAD_NS + tokens * _PROMPT_NS_PER_TOKEN,
        "load_duration": _LOAD_NS,
        "prompt_eval_count": tokens,
    }
    return json_response(body, call.knobs, content_type="application/json; charset=utf-8")


async def embeddings_legacy(call: Call) -> web.StreamResponse:
    """POST /api/embeddings (the older single-prompt API)."""
    vector = text.embedding(str(call.payload.get("prompt") or ""), 768)
    return json_response({"embedding": vector}, call.knobs, content_type="application/json; charset=utf-8")


async def tags(request: web.Request) -> web.StreamResponse:
    """GET /api/tags: the locally pulled models."""
    details = {
        "format": "gguf",
        "family": "llama",
        "parameter_size": "3.2B",
        "quantization_level": "Q4_K_M",
    }
    model = {
        "name": "llama3.2:latest",
        "model": "llama3.2:latest",
        "modified_at": "2025-01-15T10:00:00.000000Z",
        "size": 2019393189,
        "digest": "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72",
        "details": details,
    }
    return web.json_response({"models": [model]})


def routes() -> list[tuple[str, str, Handler]]:
    """(method, path, handler) for every Ollama endpoint the fake serves."""
    return [
        ("POST", "/api/chat", endpoint(errors, chat)),
        ("POST", "/api/generate", endpoint(errors, generate)),
        ("POST", "/api/embed", endpoint(errors, embed)),
        ("POST", "/api/embeddings", endpoint(errors, embeddings_legacy)),
        ("GET", "/api/tags", tags),
    ]
