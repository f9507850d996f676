"""The Gemini API wire format (``/v1`` and ``/v1beta``, Google AI and Vertex paths).

The model and the method are in the path, ``.../models/<model>:<method>``:
``generateContent`` and ``streamGenerateContent`` (chat), ``embedContent`` and
``batchEmbedContents`` (embeddings), ``countTokens``.

``streamGenerateContent`` answers with server-sent events (``data: {...}``) when
the query has ``alt=sse``, and otherwise with one JSON array whose elements arrive
one by one (``[{...}\\n,\\r\\n{...}]``). Every element or event has the shape of a
whole ``generateContent`` response: ``candidates`` (``content.parts``,
``finishReason``), ``promptFeedback``, ``usageMetadata`` and ``modelVersion``.

Usage: ``promptTokenCount`` already includes cached content, so it is the input
count as is, plus ``toolUsePromptTokenCount`` (tool results fed back to the model,
which ``totalTokenCount`` also counts). Output is ``candidatesTokenCount`` plus
``thoughtsTokenCount``. Counts of zero are omitted from the JSON, so when a
finished response has no output count, it is derived from the total.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lookout.core.models import ParsedCall, Usage
from lookout.providers.errors import error_from, http_error
from lookout.providers.exchange import Capture
from lookout.providers.fields import JsonObj, as_list, as_obj, as_str, counts, dig, loads, total
from lookout.providers.sse import json_array_values, looks_like_json_array, sse_events

PROVIDER = "gemini"

_PATH = re.compile(r"(?:^|/)(?:tunedModels|models)/([^/:]+):(\w+)$")

_OPERATIONS = {
    "generateContent": "chat",
    "streamGenerateContent": "chat",
    "embedContent": "embeddings",
    "batchEmbedContents": "embeddings",
    "countTokens": "count_tokens",
}

_USAGE_KEYS = (
    "promptTokenCount",
    "toolUsePromptTokenCount",
    "cachedContentTokenCount",
    "candidatesTokenCount",
    "thoughtsTokenCount",
    "totalTokenCount",
)

# Parts that are generated content whatever they hold; text parts (thoughts
# included) count once their text is non-empty.
_CONTENT_PARTS = ("functionCall", "inlineData", "fileData", "executableCode", "codeExecutionResult")


def model_and_operation(path: str) -> tuple[str, str | None] | None:
    """The model and operation named by a Gemini ``models/<model>:<method>`` path."""
    match = _PATH.search(path)
    if match is None:
        return None
    return match.group(1), _OPERATIONS.get(match.group(2))


def parse(capture: Capture, operation: str | None) -> ParsedCall:
    """Everything the Gemini-format exchange tells about the call."""
    named = model_and_operation(capture.path)
    result = ParsedCall(
        provider=PROVIDER,
        operation=operation,
        model=named[0] if named else capture.request_model,
        streamed=capture.path.endswith(":streamGenerateContent") or capture.event_stream,
    )
    usage: dict[str, int] = {}
    if capture.failed:
        result.error = http_error(capture.body)
        return result
    for value, end in _messages(capture):
        has_content = _read_response(result, usage, value)
        if has_content and result.streamed and result.first_content_offset is None:
            result.first_content_offset = end
    result.usage = usage_from(usage, finished=result.finish_reason is not None)
    return result


def usage_from(reported: dict[str, int], *, finished: bool) -> Usage:
    """Normalised usage from the ``usageMetadata`` counts Gemini reported.

    Only a ``finished`` response's total tells its output count: mid-stream chunks
    report a total equal to the prompt before any output is counted.
    """
    prompt = reported.get("promptTokenCount")
    tool_results = reported.get("toolUsePromptTokenCount")
    input_tokens = total(prompt, tool_results) if prompt is not None else None
    thoughts = reported.get("thoughtsTokenCount")
    output_tokens = total(reported.get("candidatesTokenCount"), thoughts)
    grand_total = reported.get("totalTokenCount")
    if finished and output_tokens is None and input_tokens is not None and grand_total is not None:
        output_tokens = max(grand_total - input_tokens, 0)
    return Usage(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cached_tokens=reported.get("cachedContentTokenCount"),
        reasoning_tokens=thoughts,
    )


def _messages(capture: Capture) -> Iterator[tuple[object, int]]:
    """Each response object in the body with the offset just past it, whatever the framing."""
    if capture.event_stream:
        return ((loads(event.data), event.end) for event in sse_events(capture.body))
    if looks_like_json_array(capture.body):
        return json_array_values(capture.body)
    return iter([(loads(capture.body), len(capture.body))])


def _read_response(result: ParsedCall, usage: dict[str, int], value: object) -> bool:
    """Record one response object; whether it carries generated content."""
    response = as_obj(value)
    if response is None:
        return False
    result.error = result.error or error_from(response)
    result.response_model = as_str(response.get("modelVersion")) or result.response_model
    usage.update(counts(response.get("usageMetadata"), _USAGE_KEYS))
    candidates = [item for item in as_list(response.get("candidates")) if isinstance(item, dict)]
    for candidate in candidates:
        result.finish_reason = as_str(candidate.get("finishReason")) or result.finish_reason
    if not candidates:
        # A blocked prompt gets no candidate at all, only the reason it was refused.
        blocked = as_str(dig(response, "promptFeedback", "blockReason"))
        result.finish_reason = blocked or result.finish_reason
    return any(_has_content(candidate) for candidate in candidates)


def _has_content(candidate: JsonObj) -> bool:
    for part in as_list(dig(candidate, "content", "parts")):
        if isinstance(part, dict) and (part.get("text") or any(part.get(key) for key in _CONTENT_PARTS)):
            return True
    return False
