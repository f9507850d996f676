"""Error envelopes in HTTP error bodies, for every wire format and for non-JSON bodies."""

from __future__ import annotations

import pytest

from lookout.core.models import ProviderError
from lookout.providers.errors import TEXT_LIMIT, error_from, http_error
from tests.providers import payloads as p
from tests.providers.sample import Sample, parse

HTML_502 = p.GATEWAY_HTML_ERROR.body.decode().strip()


@pytest.mark.parametrize(
    ("sample", "provider", "error"),
    [
        (
            p.OPENAI_HTTP_ERROR,
            "openai",
            ProviderError(
                type="tokens",
                code="rate_limit_exceeded",
                message="Rate limit reached for gpt-4o in organization org-abc on tokens per min"
                " (TPM): Limit 30000, Used 30000.",
            ),
        ),
        (
            p.ANTHROPIC_HTTP_ERROR,
            "anthropic",
            ProviderError(type="overloaded_error", message="Overloaded"),
        ),
        (
            p.GEMINI_HTTP_ERROR,
            "gemini",
            ProviderError(type="RESOURCE_EXHAUSTED", code="429", message="You exceeded your current quota."),
        ),
        (
            p.GEMINI_ARRAY_HTTP_ERROR,
            "gemini",
            ProviderError(type="INVALID_ARGUMENT", code="400", message="API key not valid."),
        ),
        (p.OLLAMA_HTTP_ERROR, "ollama", ProviderError(message="model 'llama9' not found")),
        (
            p.VLLM_HTTP_ERROR,
            "openai",
            ProviderError(
                type="BadRequestError",
                code="400",
                message="This model's maximum context length is 8192 tokens.",
            ),
        ),
        (p.GATEWAY_HTML_ERROR, "openai", ProviderError(message=HTML_502)),
    ],
    ids=lambda value: value.name if isinstance(value, Sample) else "",
)
def test_http_error_bodies(sample: Sample, provider: str, error: ProviderError) -> None:
    call = parse(sample)
    assert call.provider == provider
    assert call.error == error
    assert call.usage.input_tokens is None
    assert call.first_content_offset is None


def test_streamed_request_that_failed_is_still_marked_streamed() -> None:
    call = parse(p.OPENAI_HTTP_ERROR)
    assert call.streamed
    assert call.model == "gpt-4o"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", None),
        (b"   \n", None),
        (b"upstream request timeout", "upstream request timeout"),
        (b'{"detail":"Not Found"}', '{"detail":"Not Found"}'),
        (b'{"error":{"message":"cut', '{"error":{"message":"cut'),
        (b"bad \xff\xfe bytes", "bad \ufffd\ufffd bytes"),
    ],
)
def test_unrecognised_error_bodies_keep_their_text(body: bytes, message: str | None) -> None:
    assert http_error(body) == ProviderError(message=message)


def test_long_text_error_is_cut_to_the_limit() -> None:
    body = "é".encode() * 5000
    assert http_error(body).message == "é" * TEXT_LIMIT


@pytest.mark.parametrize(
    "value",
    [None, [], "error", {"error": None}, {"error": {}}, {"error": ""}, {"type": "message"}],
)
def test_messages_without_an_error(value: object) -> None:
    assert error_from(value) is None


def test_error_strings_with_lone_surrogates_are_made_storable() -> None:
    error = http_error(b'{"error":{"message":"bad \\ud800 char","code":"x"}}')
    assert error.message is not None
    error.message.encode("utf-8")


def test_every_provider_reports_an_error_for_an_empty_failed_body() -> None:
    for sample in (p.OPENAI_CHAT, p.ANTHROPIC_MESSAGE, p.GEMINI_GENERATE, p.OLLAMA_CHAT):
        assert parse(sample, b"", status=500).error == ProviderError()
