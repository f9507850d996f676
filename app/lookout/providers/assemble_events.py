"""Stream assembly for the SSE formats: OpenAI chat, legacy and Responses, and Anthropic Messages.

Each assembler folds the events of one stream into the object the provider
returns when the same call is not streamed; :mod:`lookout.providers.assemble`
picks the assembler and encodes its result, using the small helpers defined
here for its own JSON-framed formats. Text and tool-call arguments are collected
as pieces and joined once at the end, because long answers arrive in thousands
of deltas. An error event is kept as the result's ``error``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from lookout.providers.fields import JsonObj, as_count, as_list, as_obj, as_str, dig, loads
from lookout.providers.sse import is_event_stream, sse_events

# Chat completion fields that every chunk repeats; the assembled message keeps the last.
_CHAT_HEAD = ("id", "created", "model", "system_fingerprint", "service_tier")
# Delta fields whose text is concatenated: DeepSeek and vLLM send "reasoning_content",
# OpenRouter and Groq "reasoning"; their non-streamed messages use the same names.
_CHAT_TEXTS = ("content", "refusal", "reasoning_content", "reasoning")

_RESPONSE_FINAL = frozenset({"response.completed", "response.failed", "response.incomplete"})
_RESPONSE_PARTS = {"response.output_text.delta": "output_text", "response.refusal.delta": "refusal"}
_PART_TEXT = {"output_text": "text", "refusal": "refusal"}

# Anthropic delta types, the block field they extend, and the block type they imply
# when the content_block_start was not captured.
_BLOCK_DELTAS = {
    "text_delta": ("text", "text"),
    "thinking_delta": ("thinking", "thinking"),
    "input_json_delta": ("partial_json", "tool_use"),
}


def index_of(value: object, default: int) -> int:
    """A stream's ``index`` field, or ``default`` when it is missing or not an index."""
    index = as_count(value)
    return default if index is None else index


def add_text(pieces: list[str], piece: object) -> None:
    """Collect ``piece`` if it is text."""
    if isinstance(piece, str):
        pieces.append(piece)


def add_text_to(texts: dict[str, list[str]], key: str, piece: object) -> None:
    """Collect ``piece`` under ``key`` if it is text; ``key`` then exists even for ``""``."""
    if isinstance(piece, str):
        texts.setdefault(key, []).append(piece)


def _sse_objects(content_type: str, body: bytes) -> Iterator[JsonObj]:
    """The JSON object of each event; ``[DONE]``, keep-alives and cut events are skipped."""
    if not is_event_stream(content_type, body):
        return
    for event in sse_events(body):
        value = as_obj(loads(event.data))
        if value is not None:
            yield value


# --- OpenAI chat and legacy completions ----------------------------------------------


@dataclass
class _Call:
    """A tool call or legacy function call: fields are replaced, arguments appended."""

    fields: JsonObj = field(default_factory=dict)
    name: str | None = None
    arguments: list[str] = field(default_factory=list)

    def add(self, call: JsonObj, function: JsonObj | None) -> None:
        for key in ("id", "type"):
            if as_str(call.get(key)):
                self.fields[key] = call[key]
        if function is not None:
            self.name = as_str(function.get("name")) or self.name
            add_text(self.arguments, function.get("arguments"))

    def function(self) -> JsonObj:
        return {"name": self.name, "arguments": "".join(self.arguments)}


@dataclass
class _Choice:
    texts: dict[str, list[str]] = field(default_factory=dict)
    role: str | None = None
    tool_calls: dict[int, _Call] = field(default_factory=dict)
    function_call: _Call | None = None
    finish_reason: str | None = None

    def add(self, choice: JsonObj) -> None:
        self.finish_reason = as_str(choice.get("finish_reason")) or self.finish_reason
        add_text_to(self.texts, "text", choice.get("text"))  # legacy completions
        delta = as_obj(choice.get("delta"))
        if delta is None:
            return
        self.role = as_str(delta.get("role")) or self.role
        for key in _CHAT_TEXTS:
            add_text_to(self.texts, key, delta.get(key))
        for position, call in enumerate(as_list(delta.get("tool_calls"))):
            if isinstance(call, dict):
                slot = self.tool_calls.setdefault(index_of(call.get("index"), position), _Call())
                slot.add(call, as_obj(call.get("function")))
        function = as_obj(delta.get("function_call"))
        if function is not None:
            self.function_call = self.function_call or _Call()
            self.function_call.add({}, function)

    def message(self) -> JsonObj:
        message: JsonObj = {"role": self.role or "assistant", "content": self._text("content")}
        for key in _CHAT_TEXTS[1:]:
            if key in self.texts:
                message[key] = self._text(key)
        if self.tool_calls:
            message["tool_calls"] = [
                {**call.fields, "function": call.function()} for _, call in sorted(self.tool_calls.items())
            ]
        if self.function_call is not None:
            message["function_call"] = self.function_call.function()
        return message

    def _text(self, key: str) -> str | None:
        pieces = self.texts.get(key)
        return None if pieces is None else "".join(pieces)


def chat_completion(content_type: str, body: bytes) -> JsonObj | None:
    """A ``chat.completion`` object from ``chat.completion.chunk`` events."""
    return _completion(content_type, body, legacy=False)


def text_completion(content_type: str, body: bytes) -> JsonObj | None:
    """A legacy ``text_completion`` object from its streamed chunks."""
    return _completion(content_type, body, legacy=True)


def _completion(content_type: str, body: bytes, *, legacy: bool) -> JsonObj | None:
    head: JsonObj = {}
    choices: dict[int, _Choice] = {}
    usage: JsonObj | None = None
    error: object = None
    seen = False
    for chunk in _sse_objects(content_type, body):
        seen = True
        head.update((key, chunk[key]) for key in _CHAT_HEAD if chunk.get(key) is not None)
        # Groq reports stream usage in its own "x_groq" extension.
        usage = as_obj(chunk.get("usage")) or as_obj(dig(chunk, "x_groq", "usage")) or usage
        error = error or _chat_error(chunk)
        for position, choice in enumerate(as_list(chunk.get("choices"))):
            if isinstance(choice, dict):
                choices.setdefault(index_of(choice.get("index"), position), _Choice()).add(choice)
    if not seen:
        return None
    result: JsonObj = {"object": "text_completion" if legacy else "chat.completion", **head}
    result["choices"] = [_choice(index, choice, legacy=legacy) for index, choice in sorted(choices.items())]
    if usage is not None:
        result["usage"] = usage
    if error is not None:
        result["error"] = error
    return result


def _choice(index: int, choice: _Choice, *, legacy: bool) -> JsonObj:
    if legacy:
        return {
            "index": index,
            "text": "".join(choice.texts.get("text", [])),
            "finish_reason": choice.finish_reason,
        }
    return {"index": index, "message": choice.message(), "finish_reason": choice.finish_reason}


def _chat_error(chunk: JsonObj) -> object:
    """The error a chunk reports: nested under ``error``, or flat as vLLM and Mistral send it."""
    if chunk.get("error"):
        return chunk["error"]
    if chunk.get("object") == "error":
        return {key: value for key, value in chunk.items() if key != "object"}
    return None


# --- OpenAI Responses API --------------------------------------------------------------


@dataclass
class _Item:
    """One output item: as its events announced or finished it, and its own deltas."""

    fields: JsonObj | None = None
    done: bool = False
    parts: dict[int, tuple[str, list[str]]] = field(default_factory=dict)  # by content_index
    arguments: list[str] = field(default_factory=list)

    def announce(self, item: JsonObj | None, *, done: bool) -> None:
        if item is not None and not self.done:
            self.fields, self.done = dict(item), done

    def add_part(self, event: JsonObj, kind: str) -> None:
        _, pieces = self.parts.setdefault(index_of(event.get("content_index"), 0), (kind, []))
        add_text(pieces, event.get("delta"))

    def add_arguments(self, piece: object) -> None:
        add_text(self.arguments, piece)

    def assembled(self) -> JsonObj:
        if self.done:  # output_item.done carries the item whole
            return self.fields or {}
        default: JsonObj = (
            {"type": "message", "role": "assistant"} if self.parts else {"type": "function_call"}
        )
        item = dict(self.fields or default)
        if self.parts:
            item["content"] = [
                {"type": kind, _PART_TEXT[kind]: "".join(pieces)}
                for _, (kind, pieces) in sorted(self.parts.items())
            ]
        if self.arguments:
            item["arguments"] = "".join(self.arguments)
        return item


@dataclass
class _ResponseStream:
    response: JsonObj | None = None  # the latest response object an event embedded
    final: bool = False
    items: dict[int, _Item] = field(default_factory=dict)  # by output_index
    error: object = None

    def add(self, event: JsonObj) -> None:
        kind = as_str(event.get("type")) or ""
        embedded = as_obj(event.get("response"))
        if embedded is not None and not self.final:
            self.response, self.final = embedded, kind in _RESPONSE_FINAL
        if kind == "error":
            self.error = (
                self.error or as_obj(event.get("error")) or _without(event, "type", "sequence_number")
            )
        elif kind in ("response.output_item.added", "response.output_item.done"):
            self._item(event).announce(as_obj(event.get("item")), done=kind.endswith(".done"))
        elif kind in _RESPONSE_PARTS:
            self._item(event).add_part(event, _RESPONSE_PARTS[kind])
        elif kind == "response.function_call_arguments.delta":
            self._item(event).add_arguments(event.get("delta"))

    def _item(self, event: JsonObj) -> _Item:
        return self.items.setdefault(index_of(event.get("output_index"), 0), _Item())

    def assembled(self) -> JsonObj:
        result = dict(self.response or {"object": "response"})
        items = [item.assembled() for _, item in sorted(self.items.items())]
        # The final response object lists the output whole; only a stream that ended
        # without one (or a server that leaves it empty) needs the assembled items.
        if items and not as_list(result.get("output")):
            result["output"] = items
        result.setdefault("output", [])
        if self.error is not None and not result.get("error"):
            result["error"] = self.error
        return result


def openai_response(content_type: str, body: bytes) -> JsonObj | None:
    """The Responses API ``response`` object, from its final event or from the deltas."""
    stream = _ResponseStream()
    seen = False
    for event in _sse_objects(content_type, body):
        seen = True
        stream.add(event)
    return stream.assembled() if seen else None


def _without(fields: JsonObj, *keys: str) -> JsonObj:
    return {key: value for key, value in fields.items() if key not in keys}


# --- Anthropic Messages ----------------------------------------------------------------


@dataclass
class _Block:
    """One content block: its content_block_start fields and the deltas that extend it."""

    fields: JsonObj = field(default_factory=dict)
    texts: dict[str, list[str]] = field(default_factory=dict)  # text, thinking, partial_json

    def add(self, delta: JsonObj) -> None:
        kind = as_str(delta.get("type")) or ""
        if kind in _BLOCK_DELTAS:
            key, implied_type = _BLOCK_DELTAS[kind]
            self.fields.setdefault("type", implied_type)
            add_text_to(self.texts, key, delta.get(key))
        elif kind == "signature_delta" and isinstance(delta.get("signature"), str):
            self.fields["signature"] = delta["signature"]
        elif kind == "citations_delta" and "citation" in delta:
            self.fields["citations"] = [*as_list(self.fields.get("citations")), delta["citation"]]

    def assembled(self) -> JsonObj:
        block = dict(self.fields)
        for key in ("text", "thinking"):
            if key in self.texts:
                start = block.get(key)
                block[key] = (start if isinstance(start, str) else "") + "".join(self.texts[key])
        arguments = "".join(self.texts.get("partial_json", []))
        if arguments:
            # Tool input arrives as fragments of one JSON text; a cut stream leaves it
            # unparseable, and the raw text still shows what the model sent.
            parsed = loads(arguments)
            block["input"] = arguments if parsed is None else parsed
        return block


@dataclass
class _MessageStream:
    message: JsonObj = field(default_factory=dict)
    blocks: dict[int, _Block] = field(default_factory=dict)
    error: object = None
    seen: bool = False

    def add(self, name: str | None, data: str) -> None:
        event = as_obj(loads(data))
        kind = as_str(dig(event, "type")) or name
        if kind == "error":
            # Data that is not JSON still explains the failure better than nothing.
            self.error = self.error or as_obj(dig(event, "error")) or event or {"message": as_str(data)}
        if event is None:
            return
        self.seen = True
        if kind == "message_start":
            self.message.update(as_obj(event.get("message")) or {})
        elif kind == "content_block_start":
            self._block(event).fields.update(as_obj(event.get("content_block")) or {})
        elif kind == "content_block_delta":
            self._block(event).add(as_obj(event.get("delta")) or {})
        elif kind == "message_delta":
            self._finish(event)

    def _block(self, event: JsonObj) -> _Block:
        return self.blocks.setdefault(index_of(event.get("index"), 0), _Block())

    def _finish(self, event: JsonObj) -> None:
        """Apply message_delta: the stop reason, and usage counts that replace earlier ones."""
        self.message.update(as_obj(event.get("delta")) or {})
        usage = as_obj(event.get("usage")) or {}
        merged = dict(as_obj(self.message.get("usage")) or {})
        merged.update((key, value) for key, value in usage.items() if value is not None)
        if merged:
            self.message["usage"] = merged

    def assembled(self) -> JsonObj:
        message: JsonObj = {"type": "message", "role": "assistant", **self.message}
        if self.blocks or "content" not in message:
            message["content"] = [block.assembled() for _, block in sorted(self.blocks.items())]
        if self.error is not None:
            message["error"] = self.error
        return message


def anthropic_message(content_type: str, body: bytes) -> JsonObj | None:
    """The ``message`` object of a Messages stream, its content blocks assembled by index."""
    if not is_event_stream(content_type, body):
        return None
    stream = _MessageStream()
    for event in sse_events(body):
        stream.add(event.name, event.data)
    return stream.assembled() if stream.seen or stream.error is not None else None
