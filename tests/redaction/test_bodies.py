"""Structure: JSON keeps all but its string values, NDJSON and SSE go line by line, binary is not stored."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import pytest

from lookout.redaction import Redactor
from lookout.redaction.bodies import segments

NEUTRAL = sorted((Path(__file__).parent / "neutral").glob("*.json"))


def body_of(redactor: Redactor, raw: bytes, content_type: str | None = "application/json") -> str:
    result = redactor.redact_body(raw, content_type, deadline=time.monotonic() + 5)
    assert result.text is not None, result.dropped_reason
    return result.text


@pytest.mark.parametrize("path", NEUTRAL, ids=lambda path: path.stem)
def test_ordinary_api_json_comes_through_unchanged(redactor: Redactor, path: Path) -> None:
    raw = path.read_bytes()
    result = redactor.redact_body(raw, "application/json", deadline=time.monotonic() + 5)
    assert result.text is not None
    assert json.loads(result.text) == json.loads(raw)
    assert result.counts == {}


def test_only_string_values_change(redactor: Redactor) -> None:
    document = {
        "zelda@example.com": "key kept",  # keys are never rewritten
        "user": "write to zelda@example.com",
        "n": 5551234567,
        "ratio": 0.25,
        "ok": True,
        "none": None,
        "nested": [{"email": "zelda@example.com"}, ["café ☕", 1]],
    }
    out = json.loads(body_of(redactor, json.dumps(document).encode()))
    assert out == {
        **document,
        "user": "write to <EMAIL_ADDRESS>",
        "nested": [{"email": "<EMAIL_ADDRESS>"}, ["café ☕", 1]],
    }


def test_output_is_json_with_non_ascii_kept_as_is(redactor: Redactor) -> None:
    text = body_of(redactor, json.dumps({"content": "naïve café, 東京"}).encode())
    assert "naïve café, 東京" in text


def test_values_under_secret_keys_are_redacted_whole(redactor: Redactor) -> None:
    document = {"password": "hunter2", "headers": {"X-Api-Key": "anything-at-all"}, "token": "Hello"}
    out = json.loads(body_of(redactor, json.dumps(document).encode()))
    # "token" is not a secret name: logprobs carry {"token": "Hello"}.
    assert out == {"password": "<SECRET>", "headers": {"X-Api-Key": "<SECRET>"}, "token": "Hello"}


def test_ndjson_is_redacted_line_by_line(redactor: Redactor) -> None:
    lines = [
        {
            "model": "llama3.1:8b",
            "message": {"role": "assistant", "content": "mail zelda@example.com"},
            "done": False,
        },
        {"model": "llama3.1:8b", "done": True, "eval_count": 298},
    ]
    raw = "".join(json.dumps(line) + "\n" for line in lines).encode()
    out = [json.loads(line) for line in body_of(redactor, raw, "application/x-ndjson").splitlines()]
    assert out[0]["message"]["content"] == "mail <EMAIL_ADDRESS>"
    assert out[1] == lines[1]


def test_server_sent_events_keep_their_fields(redactor: Redactor) -> None:
    chunk = {"id": "chatcmpl-1", "choices": [{"delta": {"content": "call +1 415 555 0133"}, "index": 0}]}
    raw = f"event: delta\ndata: {json.dumps(chunk)}\n\ndata: [DONE]\n\n".encode()
    text = body_of(redactor, raw, "text/event-stream")
    event, data, blank, done, _ = text.split("\n", 4)
    assert (event, blank, done) == ("event: delta", "", "data: [DONE]")
    assert json.loads(data.removeprefix("data: "))["choices"][0]["delta"]["content"] == "call <PHONE_NUMBER>"


def test_plain_text_and_html_are_redacted_as_text(redactor: Redactor) -> None:
    raw = b"<html><body>502 Bad Gateway for zelda@example.com</body></html>"
    assert (
        body_of(redactor, raw, "text/html") == "<html><body>502 Bad Gateway for <EMAIL_ADDRESS></body></html>"
    )


def test_a_bare_json_scalar_is_analysed_as_text(redactor: Redactor) -> None:
    assert body_of(redactor, b'"mail zelda@example.com"') == '"mail <EMAIL_ADDRESS>"'


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
        (b"ID3\x03\x00\x00\x00\x00", "audio/mpeg"),
        (b"--boundary\r\nContent-Disposition: form-data; name=file\r\n\r\nRIFF", "multipart/form-data; b=x"),
        (bytes(range(256)) * 4, None),
    ],
)
def test_binary_bodies_are_not_stored(redactor: Redactor, raw: bytes, content_type: str | None) -> None:
    result = redactor.redact_body(raw, content_type, deadline=time.monotonic() + 5)
    assert (result.text, result.dropped_reason) == (None, "not text")


def test_declared_charsets_are_honoured(redactor: Redactor) -> None:
    raw = "Grüße an zelda@example.com".encode("latin-1")
    assert body_of(redactor, raw, "text/plain; charset=ISO-8859-1") == "Grüße an <EMAIL_ADDRESS>"


def test_a_few_bad_bytes_are_replaced_not_fatal(redactor: Redactor) -> None:
    raw = b"x" * 200 + b"\xff mail zelda@example.com"
    assert body_of(redactor, raw, "text/plain").endswith("\ufffd mail <EMAIL_ADDRESS>")


def test_lone_surrogates_from_json_do_not_reach_the_output(redactor: Redactor) -> None:
    text = body_of(redactor, b'{"content": "broken \\ud800 pair"}')
    text.encode("utf-8")  # storable


def test_inline_base64_media_becomes_a_placeholder(redactor: Redactor) -> None:
    image = base64.b64encode(bytes(range(256)) * 8).decode()
    document = {
        "messages": [
            {
                "role": "user",
                "content": [{"type": "image_url", "image_url": {"url": f"data:image/png;base64,{image}"}}],
            }
        ],
        "inline": {"mime_type": "audio/wav", "data": image},
    }
    result = redactor.redact_body(
        json.dumps(document).encode(), "application/json", deadline=time.monotonic() + 5
    )
    assert result.text is not None
    out = json.loads(result.text)
    assert out["messages"][0]["content"][0]["image_url"]["url"] == "data:image/png;base64,<BASE64_BLOB>"
    assert out["inline"] == {"mime_type": "audio/wav", "data": "<BASE64_BLOB>"}
    assert result.counts == {"BASE64_BLOB": 2}


def test_long_rules_and_repeated_letters_are_not_blobs(redactor: Redactor) -> None:
    text = "-" * 300 + "\n" + "=" * 300 + "\n" + "a" * 300
    assert body_of(redactor, text.encode(), "text/plain") == text


def test_an_empty_body_stays_empty(redactor: Redactor) -> None:
    assert body_of(redactor, b"", None) == ""


def test_long_texts_are_cut_at_blank_lines_only() -> None:
    paragraphs = [f"paragraph {i} " + "word " * 300 for i in range(20)]
    text = "\n\n".join(paragraphs)
    pieces = segments(text, 8192)
    assert "".join(pieces) == text
    assert len(pieces) > 1
    assert all(piece.endswith("\n\n") for piece in pieces[:-1])


def test_a_key_in_a_long_text_is_redacted_whole(redactor: Redactor) -> None:
    from .payloads import CANARIES, PEM_KEY

    filler = "\n\n".join("A paragraph about latency budgets. " * 40 for _ in range(10))
    text = f"{filler}\n\n{PEM_KEY}\n\n{filler}"
    redacted = redactor.redact_text(text, deadline=time.monotonic() + 5).text
    assert CANARIES["PRIVATE_KEY"][0] not in redacted
    assert redacted.count("<PRIVATE_KEY>") == 1
