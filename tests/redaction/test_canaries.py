"""Canaries of every supported kind, through every provider format: none may survive (design §4.3)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from lookout.redaction import Redactor

from .payloads import CANARY_TEXT, canary_leaks, openai_chat_request, openai_chat_response


def anthropic_request(text: str) -> dict[str, Any]:
    return {
        "model": "claude-3-5-sonnet-20241022",
        "max_tokens": 1024,
        "system": [{"type": "text", "text": "Be brief."}],
        "messages": [{"role": "user", "content": [{"type": "text", "text": text}]}],
    }


def anthropic_response(text: str) -> dict[str, Any]:
    return {
        "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
        "type": "message",
        "role": "assistant",
        "model": "claude-3-5-sonnet-20241022",
        "content": [
            {"type": "text", "text": text},
            {
                "type": "tool_use",
                "id": "toolu_01A09q90qw90lq917835lq9",
                "name": "send",
                "input": {"note": text},
            },
        ],
        "stop_reason": "tool_use",
        "usage": {"input_tokens": 2095, "output_tokens": 503},
    }


def gemini_request(text: str) -> dict[str, Any]:
    return {
        "contents": [{"role": "user", "parts": [{"text": text}]}],
        "generationConfig": {"temperature": 0.4, "maxOutputTokens": 2048},
    }


def gemini_response(text: str) -> dict[str, Any]:
    return {
        "candidates": [{"content": {"parts": [{"text": text}], "role": "model"}, "finishReason": "STOP"}],
        "usageMetadata": {"promptTokenCount": 57, "candidatesTokenCount": 31, "totalTokenCount": 88},
        "modelVersion": "gemini-2.5-flash",
    }


def openai_tool_call(text: str) -> dict[str, Any]:
    arguments = json.dumps({"to": "support", "body": text})
    call = {
        "id": "call_Vn3sHyiGt6ZEUlBsEyPnl2Qp",
        "type": "function",
        "function": {"name": "send", "arguments": arguments},
    }
    message = {"role": "assistant", "content": None, "tool_calls": [call]}
    return {"id": "chatcmpl-1", "model": "gpt-4o-mini", "choices": [{"index": 0, "message": message}]}


def error_quoting_the_prompt(text: str) -> dict[str, Any]:
    message = f"Invalid request: content {text!r} exceeds the context window of 128000 tokens"
    return {"error": {"message": message, "type": "invalid_request_error", "code": "context_length_exceeded"}}


JSON_FORMATS = {
    "openai request": lambda text: json.loads(openai_chat_request(text)),
    "openai response": lambda text: json.loads(openai_chat_response(text)),
    "openai tool call": openai_tool_call,
    "anthropic request": anthropic_request,
    "anthropic response": anthropic_response,
    "gemini request": gemini_request,
    "gemini response": gemini_response,
    "error quoting the prompt": error_quoting_the_prompt,
}


@pytest.mark.parametrize("name", JSON_FORMATS)
def test_no_canary_survives_in_json_bodies(redactor: Redactor, name: str) -> None:
    document = JSON_FORMATS[name](CANARY_TEXT)
    result = redactor.redact_body(
        json.dumps(document).encode(), "application/json", deadline=time.monotonic() + 5
    )
    assert result.text is not None, result.dropped_reason
    assert canary_leaks(result.text) == []
    stored = json.loads(result.text)
    # Structure, model and numbers are intact: only the canary-carrying strings changed.
    assert stored.keys() == document.keys()
    for key in ("model", "usage", "usageMetadata", "modelVersion", "generationConfig", "max_tokens"):
        assert stored.get(key) == document.get(key)


@pytest.mark.parametrize("content_type", ["text/plain", "text/html", None])
def test_no_canary_survives_in_non_json_bodies(redactor: Redactor, content_type: str | None) -> None:
    raw = f"upstream said: 400 Bad Request\n{CANARY_TEXT}".encode()
    result = redactor.redact_body(raw, content_type, deadline=time.monotonic() + 5)
    assert result.text is not None
    assert result.text.startswith("upstream said: 400 Bad Request\n")
    assert canary_leaks(result.text) == []


def test_no_canary_survives_in_a_stream(redactor: Redactor) -> None:
    events = []
    for line in CANARY_TEXT.splitlines():
        chunk = {"id": "chatcmpl-1", "choices": [{"index": 0, "delta": {"content": line}}]}
        events.append(f"data: {json.dumps(chunk)}\n\n")
    raw = ("".join(events) + "data: [DONE]\n\n").encode()
    result = redactor.redact_body(raw, "text/event-stream", deadline=time.monotonic() + 5)
    assert result.text is not None
    assert canary_leaks(result.text) == []
    assert result.text.endswith("data: [DONE]\n\n")


def test_no_canary_survives_in_error_text(redactor: Redactor) -> None:
    error = f"ConnectionError: upstream closed while sending {CANARY_TEXT!r}"
    assert canary_leaks(redactor.redact_text(error, deadline=time.monotonic() + 5).text) == []


def test_no_canary_survives_in_a_url(redactor: Redactor) -> None:
    url = (
        "/v1beta/models/gemini-2.5-flash:generateContent?key=AIzaSyD4e5F6g7H8i9J0kLmNoPqRsTuVwXyZ012"
        "&user=zelda.quinlan@example-mail.com"
    )
    text = redactor.redact_text(url, deadline=time.monotonic() + 5).text
    assert canary_leaks(text) == []
    assert text.startswith("/v1beta/models/gemini-2.5-flash:generateContent?key=")
