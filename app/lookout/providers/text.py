"""The assistant's answer as text, read out of a decoded response body, per wire format.

For drift's response-length, refusal and empty-response metrics, the recorder
needs what the model *said*: the visible answer, without reasoning or thinking
blocks, and whether it called tools instead or the provider marked it refused.
Streams are first assembled into the non-streamed shape
(:func:`~lookout.providers.assemble.assemble_stream`), so one reader per format
serves both.

Formats: OpenAI chat completions, legacy completions and the Responses API
(and every server speaking them), Anthropic Messages, Gemini
``generateContent``/``streamGenerateContent``, Ollama ``/api/chat`` and
``/api/generate``. Like the parsers this is pure and never raises: a body that
is not a readable answer of its format gives ``None``.

>>> response_text(
...     path="/v1/chat/completions",
...     response_content_type="application/json",
...     response_body=b'{"choices": [{"message": {"role": "assistant", "content": "Hi!"}}]}',
...     streamed=False,
... )
ResponseText(text='Hi!', refused=False, tool_calls=False)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from lookout.providers import gemini
from lookout.providers.assemble import assemble_stream
from lookout.providers.fields import JsonObj, as_list, as_obj, as_str, dig, loads

__all__ = ["ResponseText", "response_text"]

# Gemini finish reasons that mean the answer was withheld by a safety filter.
_GEMINI_BLOCKED = frozenset({"SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "IMAGE_SAFETY"})
# Responses API output items that are the model acting rather than talking.
_RESPONSE_ACTIONS = frozenset(
    {
        "function_call",
        "custom_tool_call",
        "web_search_call",
        "file_search_call",
        "computer_call",
        "code_interpreter_call",
        "image_generation_call",
        "local_shell_call",
        "mcp_call",
    }
)
_ANTHROPIC_ACTIONS = frozenset({"tool_use", "server_tool_use", "mcp_tool_use"})


@dataclass(frozen=True, slots=True)
class ResponseText:
    """The visible answer (choices or candidates joined by a newline) and what else it held."""

    text: str
    refused: bool  # the provider itself marked the answer as a refusal or a safety block
    tool_calls: bool  # the model called a tool: an answer even without text


Reader = Callable[[JsonObj], ResponseText | None]


def response_text(
    *, path: str, response_content_type: str | None, response_body: bytes, streamed: bool
) -> ResponseText | None:
    """The answer in a successful text-generation response, or ``None`` when there is none to read.

    ``path`` is the request path below the upstream prefix (no query string) and
    ``response_body`` the decompressed body.
    """
    try:
        reader = _reader_for(path.rstrip("/"))
        if reader is None:
            return None
        body = response_body
        if streamed:
            body = (
                assemble_stream(
                    path=path, response_content_type=response_content_type, response_body=response_body
                )
                or b""
            )
        document = as_obj(loads(body))
        return None if document is None else reader(document)
    except Exception:  # never raises, like the parsers; the text is not logged
        return None


def _reader_for(path: str) -> Reader | None:
    named = gemini.model_and_operation(path)
    if named is not None:
        return _gemini if named[1] == "chat" else None
    # Same endings and order as the parsers' routes: /chat/completions before /completions.
    routes: tuple[tuple[str, Reader], ...] = (
        ("/api/chat", _ollama_chat),
        ("/api/generate", _ollama_generate),
        ("/v1/messages", _anthropic),
        ("/chat/completions", _openai_chat),
        ("/completions", _openai_completion),
        ("/responses", _openai_responses),
    )
    for ending, reader in routes:
        if path.endswith(ending):
            return reader
    return None


def _openai_chat(document: JsonObj) -> ResponseText | None:
    choices = document.get("choices")
    if not isinstance(choices, list):
        return None
    texts, refused, tools = [], False, False
    for choice in choices:
        message = as_obj(dig(choice, "message")) or {}
        texts.append(_content_text(message.get("content")))
        refused = refused or as_str(message.get("refusal")) is not None
        tools = (
            tools or bool(as_list(message.get("tool_calls"))) or bool(as_obj(message.get("function_call")))
        )
    return ResponseText(_join(texts), refused, tools)


def _openai_completion(document: JsonObj) -> ResponseText | None:
    choices = document.get("choices")
    if not isinstance(choices, list):
        return None
    return ResponseText(_join(_string(dig(choice, "text")) for choice in choices), False, False)


def _openai_responses(document: JsonObj) -> ResponseText | None:
    output = document.get("output")
    if not isinstance(output, list):
        return None
    texts, refused, tools = [], False, False
    for item in output:
        kind = dig(item, "type")
        if kind in _RESPONSE_ACTIONS:
            tools = True
        elif kind == "message":
            for part in as_list(dig(item, "content")):
                part_kind = dig(part, "type")
                if part_kind == "output_text":
                    texts.append(_string(dig(part, "text")))
                refused = refused or part_kind == "refusal"
    return ResponseText("".join(texts), refused, tools)


def _anthropic(document: JsonObj) -> ResponseText | None:
    content = document.get("content")
    if not isinstance(content, list):
        return None
    texts = [_string(dig(block, "text")) for block in content if dig(block, "type") == "text"]
    tools = any(dig(block, "type") in _ANTHROPIC_ACTIONS for block in content)
    return ResponseText("".join(texts), document.get("stop_reason") == "refusal", tools)


def _gemini(document: JsonObj) -> ResponseText | None:
    candidates = document.get("candidates")
    if not isinstance(candidates, list):
        blocked = as_str(dig(document, "promptFeedback", "blockReason")) is not None
        return ResponseText("", True, False) if blocked else None
    texts, refused, tools = [], False, False
    for candidate in candidates:
        parts = as_list(dig(candidate, "content", "parts"))
        texts.append(
            "".join(_string(dig(part, "text")) for part in parts if dig(part, "thought") is not True)
        )
        tools = tools or any(dig(part, "functionCall") is not None for part in parts)
        refused = refused or dig(candidate, "finishReason") in _GEMINI_BLOCKED
    return ResponseText(_join(texts), refused, tools)


def _ollama_chat(document: JsonObj) -> ResponseText | None:
    message = as_obj(document.get("message"))
    if message is None:
        return None
    tools = bool(as_list(message.get("tool_calls")))
    return ResponseText(_string(message.get("content")), False, tools)


def _ollama_generate(document: JsonObj) -> ResponseText | None:
    response = document.get("response")
    return ResponseText(response, False, False) if isinstance(response, str) else None


def _content_text(content: object) -> str:
    """Chat ``content``: a string, or a list of parts of which the text ones count."""
    if isinstance(content, str):
        return content
    return "".join(_string(dig(part, "text")) for part in as_list(content) if dig(part, "type") == "text")


def _string(value: object) -> str:
    return value if isinstance(value, str) else ""


def _join(texts: Iterable[str]) -> str:
    return "\n".join(text for text in texts if text)
