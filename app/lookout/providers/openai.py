"""The OpenAI wire format and the many servers that speak it (Groq, Mistral, DeepSeek, vLLM...).

One reader covers every OpenAI endpoint Lookout recognises, streamed or not,
because their messages share a vocabulary:

* chat completions and legacy completions: objects with ``model``, ``choices``
  (``delta`` / ``message`` / ``text`` and ``finish_reason``) and ``usage``. Streams
  only carry usage when ``stream_options.include_usage`` was set, in a final chunk
  with empty ``choices``;
* the Responses API: a response object with ``status``, ``incomplete_details``,
  ``error`` and ``usage``; streams are typed events (``response.created``,
  ``response.output_text.delta``, ``response.completed``, ``response.failed``,
  ``error``...) that embed that object in their ``response`` field;
* embeddings, images, audio and moderations: a ``usage`` object at the top level,
  and for image and transcription streams typed events too.

Errors reported inside a stream (``data: {"error": {...}}``) are recorded even
though the HTTP status was 200.
"""

from __future__ import annotations

from lookout.core.models import ParsedCall, ProviderError, Usage
from lookout.providers.errors import error_from, http_error
from lookout.providers.exchange import Capture
from lookout.providers.fields import JsonObj, as_count, as_list, as_obj, as_str, dig, loads
from lookout.providers.sse import sse_events

PROVIDER = "openai"

# Deltas that carry generated output; a delta with only "role" does not.
_DELTA_CONTENT_KEYS = (
    "content",
    "refusal",
    "tool_calls",
    "function_call",
    "audio",
    "reasoning_content",  # DeepSeek, vLLM
    "reasoning",  # OpenRouter, Groq
    "images",  # OpenRouter image output
)

# Typed stream events that carry generated output as soon as they arrive.
_CONTENT_EVENTS = frozenset(
    {
        "response.output_text.delta",
        "response.refusal.delta",
        "response.function_call_arguments.delta",
        "response.custom_tool_call_input.delta",
        "response.mcp_call_arguments.delta",
        "response.code_interpreter_call_code.delta",
        "response.reasoning_text.delta",
        "response.reasoning_summary_text.delta",
        "response.audio.delta",
        "response.audio.transcript.delta",
        "response.image_generation_call.partial_image",
        "image_generation.partial_image",
        "image_generation.completed",
        "image_edit.partial_image",
        "image_edit.completed",
        "transcript.text.delta",
    }
)

# Output items whose mere appearance is generated content: a tool call's name is
# decided by the model, just like the first tool-call delta of a chat stream.
_TOOL_CALL_ITEMS = frozenset({"function_call", "custom_tool_call"})

# Responses statuses that end a response; "queued" and "in_progress" are not outcomes.
_FINAL_STATUSES = frozenset({"completed", "incomplete", "failed", "cancelled"})


def parse(capture: Capture, operation: str | None) -> ParsedCall:
    """Everything the OpenAI-format exchange tells about the call."""
    result = ParsedCall(
        provider=PROVIDER,
        operation=operation,
        model=capture.request_model,
        streamed=capture.event_stream or capture.asks_stream,
    )
    if capture.failed:
        result.error = http_error(capture.body)
    elif capture.event_stream:
        for event in sse_events(capture.body):
            has_content = _read_message(result, loads(event.data))
            if has_content and result.first_content_offset is None:
                result.first_content_offset = event.end
    else:
        _read_message(result, loads(capture.body))
    return result


def _read_message(result: ParsedCall, value: object) -> bool:
    """Record what one response body or stream message says; whether it carries content."""
    message = as_obj(value)
    if message is None:  # "[DONE]", keep-alives, or a message cut by truncation
        return False
    result.error = result.error or error_from(message)
    result.response_model = as_str(message.get("model")) or result.response_model
    # Groq reports stream usage in its own "x_groq" extension.
    usage = as_obj(message.get("usage")) or as_obj(dig(message, "x_groq", "usage"))
    if usage is not None:
        result.usage = usage_from(usage)
    # A Responses API body is the response object itself; stream events embed it.
    response = message if message.get("object") == "response" else as_obj(message.get("response"))
    if response is not None:
        _read_response(result, response)
    choices = [choice for choice in as_list(message.get("choices")) if isinstance(choice, dict)]
    for choice in choices:
        result.finish_reason = as_str(choice.get("finish_reason")) or result.finish_reason
    return any(_choice_has_content(choice) for choice in choices) or _event_has_content(message)


def usage_from(usage: JsonObj) -> Usage:
    """Normalised token counts from a ``usage`` object, in either of OpenAI's two namings."""
    prompt = usage.get("prompt_tokens_details") or usage.get("input_tokens_details")
    completion = usage.get("completion_tokens_details") or usage.get("output_tokens_details")
    # DeepSeek reports cache hits outside the details object.
    cached = as_count(dig(prompt, "cached_tokens"))
    if cached is None:
        cached = as_count(usage.get("prompt_cache_hit_tokens"))
    return Usage(
        input_tokens=_first_count(usage, "prompt_tokens", "input_tokens"),
        output_tokens=_first_count(usage, "completion_tokens", "output_tokens"),
        cached_tokens=cached,
        cache_write_tokens=as_count(dig(prompt, "cache_write_tokens")),
        reasoning_tokens=as_count(dig(completion, "reasoning_tokens")),
    )


def _first_count(fields: JsonObj, *keys: str) -> int | None:
    for key in keys:
        count = as_count(fields.get(key))
        if count is not None:
            return count
    return None


def _read_response(result: ParsedCall, response: JsonObj) -> None:
    """Record a Responses API response object (a whole body, or embedded in an event)."""
    result.response_model = as_str(response.get("model")) or result.response_model
    usage = as_obj(response.get("usage"))
    if usage is not None:
        result.usage = usage_from(usage)
    status = as_str(response.get("status"))
    if status in _FINAL_STATUSES:
        reason = as_str(dig(response, "incomplete_details", "reason"))
        result.finish_reason = reason or status
    if status == "failed":
        result.error = result.error or error_from(response) or ProviderError()


def _choice_has_content(choice: JsonObj) -> bool:
    if as_str(choice.get("text")):  # legacy completions stream text, not deltas
        return True
    delta = as_obj(choice.get("delta"))
    return delta is not None and any(delta.get(key) for key in _DELTA_CONTENT_KEYS)


def _event_has_content(message: JsonObj) -> bool:
    kind = as_str(message.get("type"))
    if kind in _CONTENT_EVENTS:
        return not kind.endswith(".delta") or bool(message.get("delta"))
    if kind == "response.output_item.added":
        return as_str(dig(message, "item", "type")) in _TOOL_CALL_ITEMS
    return False
