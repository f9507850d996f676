"""Fake Gemini API (Google AI, ``generativelanguage``): generate, stream, embed, count.

Routes exist under both ``/v1beta/models/…`` and ``/v1/models/…`` because
google-genai picks the version from its options. ``:streamGenerateContent``
answers in SSE when the query has ``alt=sse`` (what google-genai sends) and
otherwise as the pretty-printed JSON array the REST API streams by default. Every
response carries ``usageMetadata``, ``modelVersion`` and ``responseId``; errors use
Google's ``{"error": {"code", "message", "status"}}`` shape.
"""

from __future__ import annotations

import json

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

_JSON_TYPE = "application/json; charset=UTF-8"
_HEADERS = {"server": "scaffolding on HTTPServer2", "server-timing": "gfet4t7; dur=612"}
_NOT_FOUND = (
    "models/{model} is not found for API version v1beta, or is not supported for "
    "generateContent. Call ListModels to see the list of available models and their "
    "supported methods."
)
_ERRORS: dict[int, tuple[str, str]] = {
    400: (
        "INVALID_ARGUMENT",
        "The input token count ({tokens}) exceeds the maximum number of tokens allowed (1048576).",
    ),
    401: (
        "UNAUTHENTICATED",
        "Request had invalid authentication credentials. Expected OAuth 2 access token, "
        "login cookie or other valid authentication credential.",
    ),
    403: ("PERMISSION_DENIED", "Permission denied: Consumer 'api_key:demo' has been suspended."),
    404: ("NOT_FOUND", _NOT_FOUND),
    429: (
        "RESOURCE_EXHAUSTED",
        "You exceeded your current quota, please check your plan and billing details. For "
        "more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.",
    ),
    500: (
        "INTERNAL",
        "An internal error has occurred. Please retry or report in "
        "https://developers.generativeai.google/guide/troubleshooting",
    ),
    503: ("UNAVAILABLE", "The model is overloaded. Please try again later."),
    504: ("DEADLINE_EXCEEDED", "Deadline expired before operation could complete."),
}
_RETRY_DETAILS = [
    {
        "@type": "type.googleapis.com/google.rpc.QuotaFailure",
        "violations": [
            {
                "quotaMetric": "generativelanguage.googleapis.com/"
                "generate_content_paid_tier_input_token_count",
                "quotaId": "GenerateContentPaidTierInputTokensPerModelPerMinute",
            }
        ],
    },
    {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "22s"},
]


def errors(status: int, model: str, message: str | None) -> tuple[JsonObject, dict[str, str]]:
    """Google's error envelope; the ``code`` field repeats the HTTP status."""
    fallback = _ERRORS[503] if status > 500 else ("INVALID_ARGUMENT", "Request contains an invalid argument.")
    name, template = _ERRORS.get(status, fallback)
    error: JsonObject = {
        "code": status,
        "message": message or template.format(model=model, tokens=text.random_count(1_048_577, 2_000_000)),
        "status": name,
    }
    if status == 429:
        error["details"] = _RETRY_DETAILS
    return {"error": error}, dict(_HEADERS)


def _prompt(payload: JsonObject) -> str:
    contents = payload.get("contents") or []
    return joined(text_of(payload.get("systemInstruction")), text_of(contents))


def _thoughts(call: Call, reply: text.Reply) -> int:
    """Gemini 2.5 models think by default; a zero thinking budget turns it off."""
    config = call.payload.get("generationConfig") or {}
    budget = (config.get("thinkingConfig") or {}).get("thinkingBudget")
    if not call.model.startswith("gemini-2.5") or budget == 0:
        return 0
    return 96 + 37 * (reply.output_tokens % 9)


def _usage(reply: text.Reply, output_tokens: int, thoughts: int) -> JsonObject:
    usage: JsonObject = {
        "promptTokenCount": reply.input_tokens,
        "candidatesTokenCount": output_tokens,
        "totalTokenCount": reply.input_tokens + output_tokens + thoughts,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": reply.input_tokens}],
    }
    cached = text.cached_tokens(reply.input_tokens)
    if cached:
        usage["cachedContentTokenCount"] = cached
    if thoughts:
        usage["thoughtsTokenCount"] = thoughts
    return usage


def _chunk(call: Call, piece: str, finish: str | None, usage: JsonObject, response_id: str) -> JsonObject:
    candidate: JsonObject = {"content": {"parts": [{"text": piece}], "role": "model"}, "index": 0}
    if finish:
        candidate["finishReason"] = finish
    return {
        "candidates": [candidate],
        "usageMetadata": usage,
        "modelVersion": call.model,
        "responseId": response_id,
    }


def _reply(call: Call) -> text.Reply:
    config = call.payload.get("generationConfig") or {}
    limit = int_field(config, "maxOutputTokens")
    return text.make_reply(call.body, _prompt(call.payload), chunks=call.knobs.chunks, max_tokens=limit)


async def generate_content(call: Call) -> web.StreamResponse:
    """POST …/models/{model}:generateContent."""
    reply = _reply(call)
    finish = "MAX_TOKENS" if reply.truncated else "STOP"
    usage = _usage(reply, reply.output_tokens, _thoughts(call, reply))
    body = _chunk(call, reply.text, finish, usage, text.random_id(23))
    return json_response(body, call.knobs, headers=_HEADERS, content_type=_JSON_TYPE)


async def stream_generate_content(call: Call) -> web.StreamResponse:
    """POST …/models/{model}:streamGenerateContent, SSE with ``alt=sse`` else a JSON array."""
    reply = _reply(call)
    thoughts = _thoughts(call, reply)
    response_id = text.random_id(23)
    chunks: list[JsonObject] = []
    produced = 0
    for index, piece in enumerate(reply.pieces):
        produced += len(piece.split())
        last = index == len(reply.pieces) - 1
        finish = ("MAX_TOKENS" if reply.truncated else "STOP") if last else None
        chunks.append(_chunk(call, piece, finish, _usage(reply, produced, thoughts), response_id))
    failure, _ = errors(500, call.model, None)
    if call.request.query.get("alt") == "sse":
        frames = [_sse(chunk) for chunk in chunks]
        return await send_frames(
            call,
            frames,
            content_type="text/event-stream",
            headers=_HEADERS,
            error_frame=_sse(failure),
        )
    return await _json_array(call, chunks, failure)


def _sse(payload: JsonObject) -> bytes:
    # Google's servers separate events with CRLF pairs; parsers must accept both.
    return b"data: " + json.dumps(payload, separators=(",", ":")).encode() + b"\r\n\r\n"


async def _json_array(call: Call, chunks: list[JsonObject], failure: JsonObject) -> web.StreamResponse:
    """The default stream framing: one JSON array written element by element."""
    pretty = [json.dumps(chunk, indent=2).encode() for chunk in chunks]
    frames = [b"[" + pretty[0]] + [b",\r\n" + item for item in pretty[1:]] + [b"]"]
    error_frame = b",\r\n" + json.dumps(failure, indent=2).encode() + b"]"
    return await send_frames(call, frames, content_type=_JSON_TYPE, headers=_HEADERS, error_frame=error_frame)


def _dims(call: Call, request: JsonObject) -> int:
    default = 3072 if call.model.startswith("gemini-embedding") else 768
    return int_field(request, "outputDimensionality") or default


async def embed_content(call: Call) -> web.StreamResponse:
    """POST …/models/{model}:embedContent."""
    values = text.embedding(text_of(call.payload.get("content")), _dims(call, call.payload))
    return json_response(
        {"embedding": {"values": values}}, call.knobs, headers=_HEADERS, content_type=_JSON_TYPE
    )


async def batch_embed_contents(call: Call) -> web.StreamResponse:
    """POST …/models/{model}:batchEmbedContents, what google-genai's embed_content uses."""
    requests = call.payload.get("requests") or []
    embeddings = [{"values": text.embedding(text_of(r.get("content")), _dims(call, r))} for r in requests]
    return json_response({"embeddings": embeddings}, call.knobs, headers=_HEADERS, content_type=_JSON_TYPE)


async def count_tokens(call: Call) -> web.StreamResponse:
    """POST …/models/{model}:countTokens (plain ``contents`` or a wrapped generate request)."""
    source = call.payload.get("generateContentRequest") or call.payload
    tokens = text.estimate_tokens(_prompt(source))
    body = {
        "totalTokens": tokens,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": tokens}],
    }
    return json_response(body, call.knobs, headers=_HEADERS, content_type=_JSON_TYPE)


def routes() -> list[tuple[str, str, Handler]]:
    """(method, path, handler) for every Gemini endpoint the fake serves, in both versions."""
    actions = {
        "generateContent": generate_content,
        "streamGenerateContent": stream_generate_content,
        "embedContent": embed_content,
        "batchEmbedContents": batch_embed_contents,
        "countTokens": count_tokens,
    }
    return [
        ("POST", f"/{{version:v1beta|v1}}/models/{{model}}:{action}", endpoint(errors, handler))
        for action, handler in actions.items()
    ]
