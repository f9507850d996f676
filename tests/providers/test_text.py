"""Response text per wire format: the visible answer, tool calls and provider refusals, never raising."""

from __future__ import annotations

import pytest

from lookout.providers.text import ResponseText, response_text
from tests.providers.payloads import ALL, HTTP_ERRORS, PLAIN, STREAMS
from tests.providers.sample import JSON, SSE, Sample

# What each captured exchange answered; samples not listed carry no answer to read
# (embeddings, images, token counts) and give None.
EXPECTED: dict[str, ResponseText] = {
    "openai-chat": ResponseText("Hi!", False, False),
    "openai-chat-reasoning-cached": ResponseText("Day 1: ...", False, False),
    "openai-chat-stream-usage": ResponseText("Hello there!", False, False),
    "openai-chat-stream-no-usage": ResponseText("Hi", False, False),
    "openai-chat-stream-tool-call": ResponseText("", False, True),
    "openrouter-stream": ResponseText("42", False, False),  # the reasoning is not the answer
    "groq-stream-x-groq-usage": ResponseText("Yo", False, False),
    "openai-completion-stream": ResponseText(" upon", False, False),
    "openai-responses": ResponseText("Quiet pond...", False, False),
    "openai-responses-incomplete": ResponseText("", False, False),
    "openai-responses-stream": ResponseText("Quiet pond", False, False),
    "openai-responses-stream-function-call": ResponseText("", False, True),
    "openai-responses-stream-incomplete": ResponseText("Once", False, False),
    "anthropic-message": ResponseText("Hi! How can I help?", False, False),
    "anthropic-stream": ResponseText("Hello!", False, False),
    "anthropic-stream-tool-use": ResponseText("", False, True),
    "anthropic-stream-thinking": ResponseText("", False, False),  # thinking only, cut short
    "gemini-generate": ResponseText("Hi there!", False, False),
    "gemini-stream-sse": ResponseText("One, two, three.", False, False),
    "gemini-stream-json-array": ResponseText("", False, True),  # a thought, then a function call
    "gemini-prompt-blocked": ResponseText("", True, False),
    "ollama-chat": ResponseText("Rayleigh scattering.", False, False),
    "ollama-chat-stream": ResponseText("The sky", False, False),
    "ollama-generate-stream": ResponseText("Because", False, False),
    "ollama-chat-stream-tool-call": ResponseText("", False, True),
}
NO_ANSWER = {
    "openai-image-stream",
    "openai-embeddings",
    "openai-image",
    "openai-image-edit-multipart",
    "anthropic-count-tokens",
    "gemini-embed",
    "gemini-batch-embed",
    "gemini-count-tokens",
    "ollama-embed",
    "ollama-legacy-embeddings",
}


def read(sample: Sample, body: bytes | None = None) -> ResponseText | None:
    return response_text(
        path=sample.path,
        response_content_type=sample.content_type,
        response_body=sample.body if body is None else body,
        streamed=sample in STREAMS,
    )


@pytest.mark.parametrize("sample", [s for s in STREAMS + PLAIN if s.name in EXPECTED], ids=lambda s: s.name)
def test_the_answer_is_read_from_every_format(sample: Sample) -> None:
    assert read(sample) == EXPECTED[sample.name]


@pytest.mark.parametrize("sample", [s for s in ALL if s.name in NO_ANSWER], ids=lambda s: s.name)
def test_calls_that_generate_no_text_have_no_answer(sample: Sample) -> None:
    assert read(sample) is None


def test_every_sample_is_covered() -> None:
    streamed_errors = {"openai-chat-stream-error", "openai-responses-stream-failed"}
    streamed_errors |= {"openai-responses-stream-error-event", "anthropic-stream-overloaded"}
    streamed_errors |= {"ollama-stream-error"}
    names = {sample.name for sample in ALL}
    assert names == set(EXPECTED) | NO_ANSWER | streamed_errors | {s.name for s in HTTP_ERRORS}


@pytest.mark.parametrize("sample", [s for s in ALL if s.name in EXPECTED], ids=lambda s: s.name)
def test_a_cut_or_mangled_body_never_raises(sample: Sample) -> None:
    body = sample.body
    for cut in range(0, len(body), max(1, len(body) // 25)):
        read(sample, body[:cut])
        read(sample, body[:cut] + b"\xff\xfe{[")


def test_openai_refusal_field_and_parts_mark_a_refusal() -> None:
    chat = b'{"choices":[{"message":{"role":"assistant","content":null,"refusal":"I can\'t help."}}]}'
    assert response_text(
        path="/v1/chat/completions", response_content_type=JSON, response_body=chat, streamed=False
    ) == ResponseText("", True, False)
    responses = (
        b'{"output":[{"type":"message","content":[{"type":"refusal","refusal":"No."}]},'
        b'{"type":"reasoning","summary":[]}]}'
    )
    assert response_text(
        path="/v1/responses", response_content_type=JSON, response_body=responses, streamed=False
    ) == ResponseText("", True, False)


def test_anthropic_refusal_stop_reason_and_gemini_safety_block() -> None:
    anthropic = b'{"type":"message","content":[{"type":"text","text":"I"}],"stop_reason":"refusal"}'
    assert response_text(
        path="/v1/messages", response_content_type=JSON, response_body=anthropic, streamed=False
    ) == ResponseText("I", True, False)
    gemini = b'data: {"candidates":[{"content":{"parts":[{"text":"Sure"}]},"finishReason":"SAFETY"}]}\n\n'
    assert response_text(
        path="/v1beta/models/gemini-2.5-flash:streamGenerateContent",
        response_content_type=SSE,
        response_body=gemini,
        streamed=True,
    ) == ResponseText("Sure", True, False)


def test_chat_content_parts_and_several_choices_are_joined() -> None:
    body = (
        b'{"choices":[{"message":{"content":[{"type":"text","text":"a"},{"type":"image_url"},'
        b'{"type":"text","text":"b"}]}},{"message":{"content":"c"}}]}'
    )
    assert response_text(
        path="/openai/v1/chat/completions", response_content_type=JSON, response_body=body, streamed=False
    ) == ResponseText("ab\nc", False, False)


def test_a_body_of_the_wrong_shape_gives_none() -> None:
    for body in (b"[]", b'{"error":{"message":"x"}}', b"<html>", b""):
        assert (
            response_text(
                path="/v1/chat/completions", response_content_type=JSON, response_body=body, streamed=False
            )
            is None
        )
    assert (
        response_text(path="/v1/models", response_content_type=JSON, response_body=b"{}", streamed=False)
        is None
    )
