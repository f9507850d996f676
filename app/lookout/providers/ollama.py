"""Ollama's native wire format: ``/api/chat``, ``/api/generate``, ``/api/embed(dings)``.

Chat and generate stream by default: unless the request says ``"stream": false``
the answer is NDJSON (``application/x-ndjson``), one JSON object per line, each
with a fragment of ``message`` (chat: ``content``, ``thinking``, ``tool_calls``)
or of ``response`` / ``thinking`` (generate). The last object has ``done: true``,
``done_reason``, ``prompt_eval_count`` and ``eval_count``. An error after the
stream started arrives as a line of its own, ``{"error": "..."}``.

Ollama's OpenAI-compatible endpoints (``/v1/...``) are read by the OpenAI parser.
"""

from __future__ import annotations

from collections.abc import Iterator

from lookout.core.models import ParsedCall
from lookout.providers.errors import error_from, http_error
from lookout.providers.exchange import Capture
from lookout.providers.fields import as_count, as_obj, as_str, dig, loads
from lookout.providers.sse import ndjson_values

PROVIDER = "ollama"

_STREAMING_OPERATIONS = frozenset({"chat", "completion"})
_MESSAGE_CONTENT_KEYS = ("content", "thinking", "tool_calls")
_GENERATE_CONTENT_KEYS = ("response", "thinking")


def parse(capture: Capture, operation: str | None) -> ParsedCall:
    """Everything the Ollama-format exchange tells about the call."""
    result = ParsedCall(
        provider=PROVIDER,
        operation=operation,
        model=capture.request_model,
        streamed=_streams(capture, operation),
    )
    if capture.failed:
        result.error = http_error(capture.body)
        return result
    for value, end in _messages(capture, result.streamed):
        has_content = _read_message(result, value)
        if has_content and result.streamed and result.first_content_offset is None:
            result.first_content_offset = end
    return result


def _streams(capture: Capture, operation: str | None) -> bool:
    """Whether the response is NDJSON: chat and generate stream unless asked not to."""
    if capture.content_type == "application/x-ndjson":
        return True
    return operation in _STREAMING_OPERATIONS and dig(capture.request, "stream") is not False


def _messages(capture: Capture, streamed: bool) -> Iterator[tuple[object, int]]:
    """Each JSON object of the body with the offset just past it."""
    if streamed:
        return ndjson_values(capture.body)
    return iter([(loads(capture.body), len(capture.body))])


def _read_message(result: ParsedCall, value: object) -> bool:
    """Record one response object or stream line; whether it carries generated content."""
    message = as_obj(value)
    if message is None:
        return False
    result.error = result.error or error_from(message)
    result.response_model = as_str(message.get("model")) or result.response_model
    result.finish_reason = as_str(message.get("done_reason")) or result.finish_reason
    prompt_tokens = as_count(message.get("prompt_eval_count"))
    if prompt_tokens is not None:
        result.usage.input_tokens = prompt_tokens
    output_tokens = as_count(message.get("eval_count"))
    if output_tokens is not None:
        result.usage.output_tokens = output_tokens
    chat = as_obj(message.get("message")) or {}
    return any(chat.get(key) for key in _MESSAGE_CONTENT_KEYS) or any(
        message.get(key) for key in _GENERATE_CONTENT_KEYS
    )
