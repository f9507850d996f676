"""Provider error envelopes: turning an error body or an in-stream error into a ProviderError.

The four wire families wrap errors differently, but the shapes overlap enough for
one reader:

* OpenAI and compatibles: ``{"error": {"message", "type", "code", "param"}}``;
  vLLM and Mistral also send the fields at the top level with ``"object": "error"``.
* OpenAI Responses ``error`` events: ``{"type": "error", "code", "message"}``.
* Anthropic: ``{"type": "error", "error": {"type", "message"}}``.
* Gemini: ``{"error": {"code": 429, "message", "status"}}``, sometimes inside an array.
* Ollama: ``{"error": "message text"}``.

Bodies that are not JSON at all (a gateway's HTML page, say) keep the start of
their text as the message.
"""

from __future__ import annotations

from lookout.core.models import ProviderError
from lookout.providers.fields import as_code, as_list, as_obj, as_str, loads

TEXT_LIMIT = 500


def error_from(value: object) -> ProviderError | None:
    """The error that a decoded JSON message reports, or ``None`` if it reports none."""
    message = as_obj(value)
    if message is None:
        return None
    nested = message.get("error")
    if isinstance(nested, str) and nested:
        return ProviderError(message=as_str(nested))
    if isinstance(nested, dict) and nested:
        return _described_by(nested)
    if message.get("object") == "error" or message.get("type") == "error":
        return _described_by(message)
    return None


def _described_by(fields: dict[str, object]) -> ProviderError:
    kind = as_str(fields.get("type"))
    return ProviderError(
        # "error" is the envelope's own tag (Responses events), not a kind of error.
        type=(kind if kind != "error" else None) or as_str(fields.get("status")),
        code=as_code(fields.get("code")),
        message=as_str(fields.get("message")),
    )


def http_error(body: bytes) -> ProviderError:
    """The error described by the body of a response with an HTTP error status."""
    value = loads(body)
    # Gemini's JSON-array streaming endpoint wraps its error envelope in an array.
    for candidate in [value, *as_list(value)[:1]]:
        error = error_from(candidate)
        if error is not None:
            return error
    return text_error(body)


def text_error(body: bytes) -> ProviderError:
    """An error whose message is the start of ``body``, decoded leniently."""
    # Four bytes per character is the most UTF-8 needs, so this prefix always suffices.
    text = body[: TEXT_LIMIT * 4].decode("utf-8", "replace").strip()[:TEXT_LIMIT]
    return ProviderError(message=text or None)
