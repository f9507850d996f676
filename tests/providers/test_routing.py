"""Which wire format and operation a request path selects, and what unknown formats get."""

from __future__ import annotations

import pytest

from lookout.core.models import ProviderError
from lookout.providers import parse_exchange


def route(path: str, method: str = "POST", request: bytes = b"{}") -> tuple[str | None, str | None]:
    call = parse_exchange(
        method=method,
        path=path,
        request_body=request,
        status_code=200,
        response_content_type="application/json",
        response_body=b"{}",
    )
    return call.provider, call.operation


@pytest.mark.parametrize(
    ("path", "provider", "operation"),
    [
        ("/v1/chat/completions", "openai", "chat"),
        ("/v1/chat/completions/", "openai", "chat"),
        ("/api/v1/chat/completions", "openai", "chat"),
        ("/openai/v1/chat/completions", "openai", "chat"),
        ("/v1beta/openai/chat/completions", "openai", "chat"),
        ("/v1/completions", "openai", "completion"),
        ("/v1/fim/completions", "openai", "completion"),
        ("/v1/responses", "openai", "responses"),
        ("/v1/embeddings", "openai", "embeddings"),
        ("/api/v1/embeddings", "openai", "embeddings"),
        ("/v1/images/generations", "openai", "image"),
        ("/v1/images/edits", "openai", "image"),
        ("/v1/audio/transcriptions", "openai", "audio"),
        ("/v1/moderations", "openai", "moderation"),
        ("/v1/messages", "anthropic", "chat"),
        ("/anthropic/v1/messages", "anthropic", "chat"),
        ("/v1/messages/count_tokens", "anthropic", "count_tokens"),
        ("/v1beta/models/gemini-2.0-flash:generateContent", "gemini", "chat"),
        ("/v1beta/models/gemini-2.0-flash:streamGenerateContent", "gemini", "chat"),
        ("/v1beta/models/gemini-embedding-001:embedContent", "gemini", "embeddings"),
        ("/v1beta/models/text-embedding-004:batchEmbedContents", "gemini", "embeddings"),
        ("/v1/models/gemini-2.0-flash:countTokens", "gemini", "count_tokens"),
        ("/api/chat", "ollama", "chat"),
        ("/api/generate", "ollama", "completion"),
        ("/api/embed", "ollama", "embeddings"),
        ("/api/embeddings", "ollama", "embeddings"),
    ],
)
def test_known_paths(path: str, provider: str, operation: str) -> None:
    assert route(path) == (provider, operation)


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/v1/models", "GET"),
        ("/v1/chat/completions", "GET"),
        ("/v1/threads/thread_1/messages", "POST"),
        ("/v1/messages/batches", "POST"),
        ("/v1/files", "POST"),
        ("/api/tags", "GET"),
        ("/", "POST"),
        ("", "POST"),
    ],
)
def test_unknown_formats(path: str, method: str) -> None:
    assert route(path, method) == (None, None)


def test_method_is_case_insensitive() -> None:
    assert route("/v1/chat/completions", "post") == ("openai", "chat")


def test_unknown_format_keeps_request_model_stream_flag_and_error() -> None:
    call = parse_exchange(
        method="POST",
        path="/v2/generate",
        request_body=b'{"model":"command-r","stream":true}',
        status_code=503,
        response_content_type="text/event-stream",
        response_body=b"data: {}\n\n",
    )
    assert (call.provider, call.operation, call.model) == (None, None, "command-r")
    assert call.streamed
    assert call.error == ProviderError(message="data: {}")
    assert call.first_content_offset is None


def test_unknown_format_without_json_request() -> None:
    call = parse_exchange(
        method="PUT",
        path="/upload",
        request_body=b"\x00\x01binary",
        status_code=200,
        response_content_type=None,
        response_body=b"ok",
    )
    assert (call.provider, call.model, call.streamed, call.error) == (None, None, False, None)
