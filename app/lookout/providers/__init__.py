"""Provider parsers: what a captured LLM API exchange says about the call it carried.

:func:`parse_exchange` picks the wire format from the request path and hands the
exchange to that format's module, which reads the model, operation, usage,
finish reason, error and time-to-first-content out of the request and response
bytes. The parsers are pure (no IO) and never raise: whatever the bytes, the
result holds what could be read and ``None`` for the rest.

Example::

    >>> call = parse_exchange(
    ...     method="POST",
    ...     path="/v1/embeddings",
    ...     request_body=b'{"model": "text-embedding-3-small", "input": "hi"}',
    ...     status_code=200,
    ...     response_content_type="application/json",
    ...     response_body=b'{"model": "text-embedding-3-small", "usage": {"prompt_tokens": 1}}',
    ... )
    >>> call.provider, call.operation, call.usage.input_tokens
    ('openai', 'embeddings', 1)
"""

from __future__ import annotations

from collections.abc import Callable

from lookout.core.models import ParsedCall
from lookout.providers import anthropic, gemini, ollama, openai
from lookout.providers.errors import http_error
from lookout.providers.exchange import Capture

__all__ = ["Capture", "parse_capture", "parse_exchange"]

Parser = Callable[[Capture, str | None], ParsedCall]

# Matched against the end of the path, so that servers mounting the OpenAI API
# under another prefix (OpenRouter's /api/v1, Gemini's /v1beta/openai) are still
# recognised. First match wins: Ollama's /api/embeddings and /chat/completions
# must come before the shorter OpenAI endings that they also end with.
_ROUTES: tuple[tuple[str, Parser, str], ...] = (
    ("/api/chat", ollama.parse, "chat"),
    ("/api/generate", ollama.parse, "completion"),
    ("/api/embed", ollama.parse, "embeddings"),
    ("/api/embeddings", ollama.parse, "embeddings"),
    ("/v1/messages", anthropic.parse, "chat"),
    ("/v1/messages/count_tokens", anthropic.parse, "count_tokens"),
    ("/chat/completions", openai.parse, "chat"),
    ("/completions", openai.parse, "completion"),
    ("/responses", openai.parse, "responses"),
    ("/embeddings", openai.parse, "embeddings"),
    ("/images/generations", openai.parse, "image"),
    ("/images/edits", openai.parse, "image"),
    ("/images/variations", openai.parse, "image"),
    ("/audio/transcriptions", openai.parse, "audio"),
    ("/audio/translations", openai.parse, "audio"),
    ("/audio/speech", openai.parse, "audio"),
    ("/moderations", openai.parse, "moderation"),
)


def parse_exchange(
    *,
    method: str,
    path: str,
    request_body: bytes,
    status_code: int | None,
    response_content_type: str | None,
    response_body: bytes,
) -> ParsedCall:
    """What one exchange says about its LLM call. Never raises.

    ``path`` is the path below Lookout's upstream prefix, without the query string.
    ``response_body`` must already be decompressed; a body cut short by the capture
    cap is fine, since the parsers read whatever prefix they get.
    """
    capture = Capture.of(
        method=method,
        path=path,
        request_body=request_body,
        status_code=status_code,
        response_content_type=response_content_type,
        response_body=response_body,
    )
    try:
        return parse_capture(capture)
    except Exception:
        # The parsers are written not to raise, and fuzzed through parse_capture to
        # prove it; this net only makes sure a bug costs the call's details, never
        # the call's record. The exception is not logged: it may quote the content.
        return ParsedCall(model=capture.request_model, streamed=capture.event_stream)


def parse_capture(capture: Capture) -> ParsedCall:
    """What a capture says about its LLM call, without :func:`parse_exchange`'s safety net."""
    route = route_for(capture.method, capture.path)
    if route is None:
        return _unknown_format(capture)
    parser, operation = route
    return parser(capture, operation)


def route_for(method: str, path: str) -> tuple[Parser, str | None] | None:
    """The parser and operation for a request, or ``None`` if its format is unknown."""
    if method != "POST":  # every generation, embedding or counting call is a POST
        return None
    named = gemini.model_and_operation(path)
    if named is not None:
        return gemini.parse, named[1]
    for ending, parser, operation in _ROUTES:
        if path.endswith(ending):
            return parser, operation
    return None


def _unknown_format(capture: Capture) -> ParsedCall:
    return ParsedCall(
        model=capture.request_model,
        streamed=capture.event_stream,
        error=http_error(capture.body) if capture.failed else None,
    )
