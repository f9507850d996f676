"""The Anthropic Messages wire format: ``/v1/messages`` and ``/v1/messages/count_tokens``.

A plain response is one message object. A stream is a sequence of typed events:
``message_start`` (the message head, with the prompt's usage), then for each
content block ``content_block_start`` / ``content_block_delta`` (``text_delta``,
``input_json_delta``, ``thinking_delta``, ``citations_delta``, ``signature_delta``)
/ ``content_block_stop``, then ``message_delta`` (stop reason and final usage) and
``message_stop``; ``ping`` may come at any time and ``error`` reports a failure
after the 200 status was sent.

Usage counts in ``message_delta`` are cumulative totals that replace those of
``message_start`` (which is how the official SDK accumulates them), so the two
are merged field by field rather than added. Anthropic reports uncached, cache-read
and cache-write prompt tokens separately; Lookout's input count is their sum.
"""

from __future__ import annotations

from lookout.core.models import ParsedCall, Usage
from lookout.providers.errors import error_from, http_error, text_error
from lookout.providers.exchange import Capture
from lookout.providers.fields import JsonObj, as_obj, as_str, counts, dig, loads, total
from lookout.providers.sse import SseEvent, sse_events

PROVIDER = "anthropic"

_USAGE_KEYS = (
    "input_tokens",
    "cache_read_input_tokens",
    "cache_creation_input_tokens",
    "output_tokens",
)
_THINKING_KEYS = ("thinking_tokens",)

# Delta fields that carry generated output; a signature only seals a thinking
# block whose text has already arrived.
_DELTA_CONTENT_KEYS = ("text", "partial_json", "thinking", "citation")

# Blocks that open with their content still empty; every other kind (tool_use,
# server_tool_use, redacted_thinking...) is generated content from the start.
_STREAMED_BLOCKS = {"text": "text", "thinking": "thinking"}


def parse(capture: Capture, operation: str | None) -> ParsedCall:
    """Everything the Anthropic-format exchange tells about the call."""
    result = ParsedCall(
        provider=PROVIDER,
        operation=operation,
        model=capture.request_model,
        streamed=capture.event_stream or capture.asks_stream,
    )
    usage: dict[str, int] = {}
    if capture.failed:
        result.error = http_error(capture.body)
    elif capture.event_stream:
        for event in sse_events(capture.body):
            has_content = _read_event(result, usage, event)
            if has_content and result.first_content_offset is None:
                result.first_content_offset = event.end
    else:
        body = as_obj(loads(capture.body))
        result.error = error_from(body)
        _read_message(result, usage, body)
    result.usage = usage_from(usage)
    return result


def usage_from(reported: dict[str, int]) -> Usage:
    """Normalised usage from the raw counts Anthropic reported."""
    uncached = reported.get("input_tokens")
    cache_read = reported.get("cache_read_input_tokens")
    cache_write = reported.get("cache_creation_input_tokens")
    return Usage(
        input_tokens=total(uncached, cache_read, cache_write) if uncached is not None else None,
        output_tokens=reported.get("output_tokens"),
        cached_tokens=cache_read,
        cache_write_tokens=cache_write,
        reasoning_tokens=reported.get("thinking_tokens"),
    )


def _read_event(result: ParsedCall, usage: dict[str, int], event: SseEvent) -> bool:
    """Record what one stream event says; whether it carries generated content."""
    value = as_obj(loads(event.data))
    kind = as_str(dig(value, "type")) or event.name
    match kind:
        case "message_start":
            _read_message(result, usage, as_obj(dig(value, "message")))
        case "message_delta":
            reason = as_str(dig(value, "delta", "stop_reason"))
            result.finish_reason = reason or result.finish_reason
            _read_usage(usage, as_obj(dig(value, "usage")))
        case "content_block_start":
            return _block_has_content(as_obj(dig(value, "content_block")))
        case "content_block_delta":
            delta = as_obj(dig(value, "delta"))
            return delta is not None and any(delta.get(key) for key in _DELTA_CONTENT_KEYS)
        case "error":
            # Data that is not JSON still explains the failure better than nothing.
            result.error = result.error or error_from(value) or text_error(event.data.encode())
    return False


def _read_message(result: ParsedCall, usage: dict[str, int], message: JsonObj | None) -> None:
    """Record a message object: a whole response body, or the head of a stream."""
    if message is None:
        return
    result.response_model = as_str(message.get("model")) or result.response_model
    result.finish_reason = as_str(message.get("stop_reason")) or result.finish_reason
    _read_usage(usage, as_obj(message.get("usage")))


def _read_usage(usage: dict[str, int], reported: JsonObj | None) -> None:
    """Merge a usage object into the counts so far; absent fields keep earlier values."""
    usage.update(counts(reported, _USAGE_KEYS))
    usage.update(counts(dig(reported, "output_tokens_details"), _THINKING_KEYS))


def _block_has_content(block: JsonObj | None) -> bool:
    if block is None:
        return False
    streamed_field = _STREAMED_BLOCKS.get(as_str(block.get("type")) or "")
    return streamed_field is None or bool(block.get(streamed_field))
