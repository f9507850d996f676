"""Fake OpenAI Responses API: POST /v1/responses, plain and streamed.

A stream carries the documented event sequence, each frame with an ``event:`` line
and a ``sequence_number``: ``response.created``, ``response.in_progress``, then per
output item ``response.output_item.added``, ``response.content_part.added``,
``response.output_text.delta``…, ``response.output_text.done``,
``response.content_part.done``, ``response.output_item.done``, and finally
``response.completed`` with usage (``input_tokens_details.cached_tokens``,
``output_tokens_details.reasoning_tokens``). Reasoning models first emit a
``reasoning`` item, as the real API does. The stream-error knob ends the stream
with ``response.failed``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Protocol

from aiohttp import web

from lookout.demo import fake_openai as openai
from lookout.demo import fake_text as text
from lookout.demo.fake_wire import (
    Call,
    Handler,
    JsonObject,
    endpoint,
    failure_point,
    int_field,
    joined,
    json_response,
    send_frames,
    sse,
    text_of,
)

_FAILURE = {
    "code": "server_error",
    "message": "An error occurred while processing your request. You can retry your request, "
    "or contact us through our help center at help.openai.com if the error persists.",
}


def _reply(call: Call) -> text.Reply:
    prompt = joined(text_of(call.payload.get("instructions")), text_of(call.payload.get("input")))
    limit = int_field(call.payload, "max_output_tokens")
    return text.make_reply(call.body, prompt, chunks=call.knobs.chunks, max_tokens=limit)


def _usage(call: Call, reply: text.Reply) -> JsonObject:
    reasoning = openai.reasoning_tokens(call.model, reply)
    output = reply.output_tokens + reasoning
    return {
        "input_tokens": reply.input_tokens,
        "input_tokens_details": {"cached_tokens": text.cached_tokens(reply.input_tokens)},
        "output_tokens": output,
        "output_tokens_details": {"reasoning_tokens": reasoning},
        "total_tokens": reply.input_tokens + output,
    }


def _envelope(call: Call, response_id: str, created_at: int) -> JsonObject:
    """The response object minus status, output and usage, echoing request settings."""
    p = call.payload
    return {
        "id": response_id,
        "object": "response",
        "created_at": created_at,
        "background": False,
        "error": None,
        "incomplete_details": None,
        "instructions": p.get("instructions"),
        "max_output_tokens": p.get("max_output_tokens"),
        "metadata": p.get("metadata") or {},
        "model": openai.snapshot(call.model),
        "parallel_tool_calls": p.get("parallel_tool_calls", True),
        "previous_response_id": p.get("previous_response_id"),
        "reasoning": {
            "effort": "medium" if openai.is_reasoning(call.model) else None,
            "summary": None,
        },
        "service_tier": "default",
        "store": p.get("store", True),
        "temperature": p.get("temperature", 1.0),
        "text": {"format": {"type": "text"}},
        "tool_choice": p.get("tool_choice", "auto"),
        "tools": p.get("tools") or [],
        "top_p": p.get("top_p", 1.0),
        "truncation": "disabled",
        "user": p.get("user"),
    }


def _part(full_text: str) -> JsonObject:
    return {"type": "output_text", "annotations": [], "logprobs": [], "text": full_text}


def _message(item_id: str, status: str, content: list[JsonObject]) -> JsonObject:
    return {
        "id": item_id,
        "type": "message",
        "status": status,
        "content": content,
        "role": "assistant",
    }


def _output(call: Call, reply: text.Reply, message_id: str) -> list[JsonObject]:
    items: list[JsonObject] = []
    if openai.is_reasoning(call.model):
        items.append({"id": "rs_" + text.random_id(50, text.HEX), "type": "reasoning", "summary": []})
    items.append(_message(message_id, "completed", [_part(reply.text)]))
    return items


def _status(reply: text.Reply) -> tuple[str, JsonObject | None]:
    if reply.truncated:
        return "incomplete", {"reason": "max_output_tokens"}
    return "completed", None


async def create_response(call: Call) -> web.StreamResponse:
    """POST /v1/responses."""
    reply = _reply(call)
    envelope = _envelope(call, "resp_" + text.random_id(50, text.HEX), int(time.time()))
    output = _output(call, reply, "msg_" + text.random_id(50, text.HEX))
    if call.payload.get("stream"):
        return await _stream(call, reply, envelope, output)
    status, incomplete = _status(reply)
    body = {**envelope, "status": status, "incomplete_details": incomplete, "output": output}
    body["usage"] = _usage(call, reply)
    return json_response(body, call.knobs, headers=openai.response_headers())


async def _stream(
    call: Call, reply: text.Reply, envelope: JsonObject, output: list[JsonObject]
) -> web.StreamResponse:
    numbers = iter(range(1_000_000))

    def event(kind: str, /, **fields: object) -> bytes:
        return sse({"type": kind, "sequence_number": next(numbers), **fields}, event=kind)

    pending = {**envelope, "status": "in_progress", "output": [], "usage": None}
    frames = [
        event("response.created", response=pending),
        event("response.in_progress", response=pending),
    ]
    for index, item in enumerate(output):
        frames.extend(_item_events(event, index, item, reply))
    status, incomplete = _status(reply)
    final = {**envelope, "status": status, "incomplete_details": incomplete, "output": output}
    final["usage"] = _usage(call, reply)
    done = "response.completed" if status == "completed" else "response.incomplete"
    frames.append(event(done, response=final))
    failed = {**envelope, "status": "failed", "output": [], "usage": None, "error": _FAILURE}
    number = failure_point(len(frames))
    error_frame = sse(
        {"type": "response.failed", "sequence_number": number, "response": failed},
        event="response.failed",
    )
    return await send_frames(
        call,
        frames,
        content_type=openai.SSE_TYPE,
        headers=openai.response_headers(),
        error_frame=error_frame,
    )


class _EventMaker(Protocol):
    def __call__(self, kind: str, /, **fields: object) -> bytes: ...


def _item_events(event: _EventMaker, index: int, item: JsonObject, reply: text.Reply) -> Iterator[bytes]:
    if item["type"] != "message":
        yield event("response.output_item.added", output_index=index, item=item)
        yield event("response.output_item.done", output_index=index, item=item)
        return
    started = _message(item["id"], "in_progress", [])
    at = {"item_id": item["id"], "output_index": index, "content_index": 0}
    yield event("response.output_item.added", output_index=index, item=started)
    yield event("response.content_part.added", **at, part=_part(""))
    for piece in reply.pieces:
        yield event("response.output_text.delta", **at, delta=piece, logprobs=[])
    yield event("response.output_text.done", **at, text=reply.text, logprobs=[])
    yield event("response.content_part.done", **at, part=_part(reply.text))
    yield event("response.output_item.done", output_index=index, item=item)


def routes() -> list[tuple[str, str, Handler]]:
    """(method, path, handler) for the Responses API."""
    return [("POST", "/v1/responses", endpoint(openai.errors, create_response))]
