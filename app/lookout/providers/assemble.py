"""Stream assembly: a streamed response rebuilt as the message its chunks delivered.

Lookout stores a streamed response the way the provider would have answered the
same call without streaming (text, tool calls, usage), not as the raw events, so
that every stored body reads the same way and redaction sees whole strings
rather than fragments. :func:`assemble_stream` owns the entry point, picking the
format from the path, and the JSON encoding of the result; this module also
assembles the formats framed as JSON (Gemini and Ollama), while
:mod:`lookout.providers.assemble_events` assembles the typed SSE formats
(OpenAI and Anthropic).

Like the parsers, assembly is pure and never raises. A truncated stream gives
the message as far as it arrived; a body that is not a stream of the expected
format gives ``None``, and the caller keeps the body as it is.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from lookout.providers.assemble_events import (
    add_text_to,
    anthropic_message,
    chat_completion,
    index_of,
    openai_response,
    text_completion,
)
from lookout.providers.exchange import media_type
from lookout.providers.fields import JsonObj, as_list, as_obj, dig, loads
from lookout.providers.sse import (
    is_event_stream,
    json_array_values,
    looks_like_json_array,
    ndjson_values,
    sse_events,
)

__all__ = ["assemble_stream"]

# Takes the response's media type and body.
Assembler = Callable[[str, bytes], JsonObj | None]

_NDJSON = "application/x-ndjson"


def assemble_stream(*, path: str, response_content_type: str | None, response_body: bytes) -> bytes | None:
    """The streamed ``response_body`` as compact JSON shaped like the non-streamed response.

    ``path`` is the request path below the upstream prefix, without the query
    string, and ``response_body`` must already be decompressed. Returns ``None``
    when the body is not a stream this module can assemble.
    """
    assembler = _assembler_for(path.rstrip("/"))
    if assembler is None:
        return None
    assembled = assembler(media_type(response_content_type), response_body)
    return None if assembled is None else _encode(assembled)


def _assembler_for(path: str) -> Assembler | None:
    # The same endings, in the same order, as the parsers' routes: /chat/completions
    # must be tried before /completions, which it also ends with.
    if path.endswith(":streamGenerateContent"):
        return _gemini_response
    routes: tuple[tuple[str, Assembler], ...] = (
        ("/api/chat", _ollama_chat),
        ("/api/generate", _ollama_generate),
        ("/v1/messages", anthropic_message),
        ("/chat/completions", chat_completion),
        ("/completions", text_completion),
        ("/responses", openai_response),
    )
    for ending, assembler in routes:
        if path.endswith(ending):
            return assembler
    return None


def _encode(assembled: JsonObj) -> bytes | None:
    try:
        # NaN and Infinity are not JSON, and values nested almost as deep as the
        # decoder allows can exceed the recursion limit when encoded again. Neither
        # comes from a real provider, so such a body is kept as it is.
        text = json.dumps(assembled, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (ValueError, RecursionError):
        return None
    # Escapes such as "\ud800" decode to lone surrogates, which UTF-8 cannot encode.
    return text.encode("utf-8", "replace")


# --- Gemini ------------------------------------------------------------------------


@dataclass
class _Part:
    """One part of a candidate's content; consecutive text parts share one."""

    fields: JsonObj
    pieces: list[str] | None  # the text of a text part, in arrival order

    def merge(self, part: JsonObj) -> bool:
        """Append ``part`` to this one if both are text of the same kind; whether it was."""
        text = part.get("text")
        if self.pieces is None or not isinstance(text, str):
            return False
        if bool(self.fields.get("thought")) != bool(part.get("thought")):
            return False  # thoughts and answer stay apart, as in a non-streamed response
        self.fields.update(part)  # a thoughtSignature comes with the last chunk
        self.pieces.append(text)
        return True

    def assembled(self) -> JsonObj:
        if self.pieces is None:
            return self.fields
        return {**self.fields, "text": "".join(self.pieces)}


@dataclass
class _Candidate:
    fields: JsonObj = field(default_factory=dict)  # finishReason, safetyRatings...: last seen
    role: object = None
    parts: list[_Part] = field(default_factory=list)

    def add(self, candidate: JsonObj) -> None:
        self.fields.update((key, value) for key, value in candidate.items() if key != "content")
        content = as_obj(candidate.get("content"))
        if content is None:
            return
        self.role = content.get("role") or self.role
        for part in as_list(content.get("parts")):
            if isinstance(part, dict) and not (self.parts and self.parts[-1].merge(part)):
                text = part.get("text")
                self.parts.append(_Part(dict(part), [text] if isinstance(text, str) else None))

    def assembled(self) -> JsonObj:
        content: JsonObj = {"parts": [part.assembled() for part in self.parts]}
        if self.role is not None:
            content["role"] = self.role
        return {"content": content, **self.fields}


def _gemini_response(content_type: str, body: bytes) -> JsonObj | None:
    """One GenerateContentResponse from ``streamGenerateContent`` chunks, SSE or JSON array."""
    candidates: dict[int, _Candidate] = {}
    top: JsonObj = {}  # usageMetadata, modelVersion, responseId, promptFeedback...: last seen
    seen = False
    for value in _gemini_chunks(content_type, body):
        chunk = as_obj(value)
        if chunk is None:
            continue
        seen = True
        for position, candidate in enumerate(as_list(chunk.get("candidates"))):
            if isinstance(candidate, dict):
                index = index_of(candidate.get("index"), position)
                candidates.setdefault(index, _Candidate()).add(candidate)
        top.update((key, value) for key, value in chunk.items() if key != "candidates")
    if not seen:
        return None
    if not candidates:
        return top  # a blocked prompt gets no candidate, only promptFeedback
    return {"candidates": [candidates[index].assembled() for index in sorted(candidates)], **top}


def _gemini_chunks(content_type: str, body: bytes) -> Iterator[object]:
    if is_event_stream(content_type, body):
        return (loads(event.data) for event in sse_events(body))
    if looks_like_json_array(body):
        return (value for value, _ in json_array_values(body))
    return iter(())  # a generateContent-style single object is not a stream


# --- Ollama ------------------------------------------------------------------------


def _ollama_chat(content_type: str, body: bytes) -> JsonObj | None:
    return _ollama(content_type, body, chat=True)


def _ollama_generate(content_type: str, body: bytes) -> JsonObj | None:
    return _ollama(content_type, body, chat=False)


def _ollama(content_type: str, body: bytes, *, chat: bool) -> JsonObj | None:
    """The final NDJSON object, holding the text of every chunk instead of the last one's."""
    if not _is_ndjson(content_type, body):
        return None
    final: JsonObj | None = None
    texts: dict[str, list[str]] = {}
    tool_calls: list[object] = []
    error: object = None
    for value, _ in ndjson_values(body):
        line = as_obj(value)
        if line is None:
            continue
        if line.get("error"):
            error = error or line["error"]
            continue
        if dig(final, "done") is not True:  # nothing after the done line can belong
            final = line
        fragment = as_obj(line.get("message")) if chat else line
        for key in ("content", "thinking") if chat else ("response", "thinking"):
            add_text_to(texts, key, dig(fragment, key))
        tool_calls.extend(as_list(dig(fragment, "tool_calls")))
    if final is None and error is None:
        return None
    result = dict(final or {})
    if final is not None:
        _fill_ollama(result, texts, tool_calls, chat=chat)
    if error is not None:
        result["error"] = error
    return result


def _fill_ollama(
    result: JsonObj, texts: dict[str, list[str]], tool_calls: list[object], *, chat: bool
) -> None:
    """Put the assembled text and tool calls where the non-streamed response has them."""
    if chat:
        message = dict(as_obj(result.get("message")) or {"role": "assistant"})
        message["content"] = "".join(texts.get("content", []))
        if "thinking" in texts:
            message["thinking"] = "".join(texts["thinking"])
        if tool_calls:
            message["tool_calls"] = tool_calls
        result["message"] = message
    else:
        result["response"] = "".join(texts.get("response", []))
        if "thinking" in texts:
            result["thinking"] = "".join(texts["thinking"])


def _is_ndjson(content_type: str, body: bytes) -> bool:
    """Whether the body is Ollama's NDJSON stream rather than one JSON object."""
    if content_type == _NDJSON:
        return True
    if content_type == "application/json":
        return False
    # Without a telling content type, only a stream starts with an unfinished chunk.
    first = next(ndjson_values(body), None)
    return first is not None and dig(first[0], "done") is False
