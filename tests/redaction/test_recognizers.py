"""What is found and what is left alone, recognizer by recognizer, on a real engine."""

from __future__ import annotations

import time

import pytest

from lookout.redaction import Redactor

from .payloads import CANARIES, PEM_KEY


def redacted(redactor: Redactor, text: str) -> str:
    return redactor.redact_text(text, deadline=time.monotonic() + 5).text


@pytest.mark.parametrize(
    ("entity", "value"), [(entity, value) for entity, values in CANARIES.items() for value in values]
)
def test_every_supported_kind_is_found_with_its_type(redactor: Redactor, entity: str, value: str) -> None:
    contexts = {
        "PHONE_NUMBER": "call me on {}",
        "BEARER_TOKEN": "Authorization: Bearer {}",
        "URL_PASSWORD": "redis://default:{}@cache.example.net:6379",
        "PRIVATE_KEY": PEM_KEY.replace("{", "").replace(value, "{}"),
    }
    text = "note: " + contexts.get(entity, "{}").format(value) + " (end)"
    result = redactor.redact_text(text, deadline=time.monotonic() + 5)
    assert value not in result.text
    expected = "URL" if entity == "URL_PASSWORD" else entity  # the whole URL goes, password included
    assert expected in result.counts, result.counts


@pytest.mark.parametrize(
    "text",
    [
        "sk-proj-Zq8RvT3kLm9NpQ2sXw4YbC6dFh1JgK5eUa7ViO0tHr2Ws8Ex",
        "key=sk-ant-api03-Xy7Qw2Er4Ty6Ui8Op0As1Df3Gh5Jk7Lz9Xc2Vb4Nm6QaWsEdRfTgYhUj",
        '{"api_key": "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"}',
    ],
)
def test_provider_keys_are_api_keys(redactor: Redactor, text: str) -> None:
    assert "<API_KEY>" in redacted(redactor, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("password=CorrectHorse9Staple", "password=<SECRET>"),
        ('"client_secret": "plainwordsecret"', '"client_secret": "<SECRET>"'),
        ("MISTRAL_API_KEY: Qm8vT2xR7pL4nK9sW3zY6bH1cJ5dF0gA", "MISTRAL_API_KEY: <SECRET>"),
        ("Authorization: Basic dXNlcjpodW50ZXIy", "Authorization: Basic <BEARER_TOKEN>"),
        ("export OPENAI_API_KEY=$OPENAI_API_KEY", "export OPENAI_API_KEY=$OPENAI_API_KEY"),
        ("api_key = os.environ['OPENAI_API_KEY']", "api_key = os.environ['OPENAI_API_KEY']"),
        ("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC", "<PRIVATE_KEY>"),  # cut off
    ],
)
def test_secrets_by_name_and_placeholders(redactor: Redactor, text: str, expected: str) -> None:
    assert redacted(redactor, text) == expected


@pytest.mark.parametrize(
    "kept",
    [
        # ids and digests that fill API payloads
        "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
        "msg_01XFDUDYJgAACzvnptvVoYEL",
        "resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b",
        "toolu_01A09q90qw90lq917835lq9",
        "call_Vn3sHyiGt6ZEUlBsEyPnl2QpXyZ0aB1cD2eF",
        "file-BK7bzQj3FfZFXr7DbL6xJwfo8Ab3Cd4Ef5",
        "req_011CSHoEeqs5C35K2UUqR7Fy",
        "123e4567-e89b-12d3-a456-426614174000",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "d41d8cd98f00b204e9800998ecf8427e",
        "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3",
        "mmlVaNa4D5-5xN8P7q-ZqQ4",
        # model names
        "gpt-4o-2024-08-06",
        "claude-3-5-sonnet-20241022",
        "gemini-2.5-flash",
        "o4-mini-2025-04-16",
        "llama3.1:8b-instruct-q4_K_M",
        "text-embedding-3-small",
        # prose and code that look a little like secrets
        "Use Bearer authentication with your API key.",
        "Forgot your password? Reset it from the settings page.",
        "token = tokenizer.encode(text)",
        "getUserProfileByTenantIdentifierAsync",
        "TestRedactionKeepsModelNamesIntactV2Suite",
        "sk-... is where your key goes",
        # numbers a developer reads
        "max_tokens=4096 temperature=0.7 top_p=0.95 seed=42",
        "1,234,567 tokens in 12.5 s, p99 1.2 s, HTTP 429, port 8080",
        "created 1741569952, created_ms 1741569952123",
        "2024-08-06T12:30:00Z",
        "Python 3.11.7, requests 2.32.3, CUDA 12.4",
    ],
)
def test_ids_model_names_numbers_and_prose_survive(redactor: Redactor, kept: str) -> None:
    assert redacted(redactor, kept) == kept


@pytest.mark.parametrize(
    "kept",
    [
        "https://api.openai.com/v1/chat/completions",
        "see https://platform.openai.com/account/rate-limits to learn more",
        "http://localhost:11434/api/chat",
        "http://127.0.0.1:8787/v1/messages",
        "http://[::1]:8787/v1/messages",
        "run main.py, then read README.md and setup.sh",
        "bind to 127.0.0.1 or 0.0.0.0, or ::1",
    ],
)
def test_provider_and_loopback_addresses_and_file_names_are_not_urls(redactor: Redactor, kept: str) -> None:
    assert redacted(redactor, kept) == kept


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("write to zelda@example.com today", "write to <EMAIL_ADDRESS> today"),  # no URL inside
        ("https://admin:pw123@api.openai.com/v1", "<URL>"),  # credentials: never a kept host
        ("visit zelda-quinlan.dev/about", "visit <URL>"),
        ("server 8.8.4.4 answered", "server <IP_ADDRESS> answered"),
    ],
)
def test_urls_and_addresses(redactor: Redactor, text: str, expected: str) -> None:
    assert redacted(redactor, text) == expected


@pytest.mark.parametrize(
    "card",
    [
        "4532015112830366",  # Visa 16
        "4131034282458809939",  # Visa 19
        "501864667909",  # Maestro 12
        "180016070420458",  # JCB 1800
        "213176828496175",  # JCB 2131
        "2720418695252980",  # Mastercard 2-series
        "3714 496353 98431",  # Amex, grouped
    ],
)
def test_card_numbers_of_every_length_are_found(redactor: Redactor, card: str) -> None:
    assert redacted(redactor, f"card {card} please") == "card <CREDIT_CARD> please"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call me on 467 3395 tomorrow", "call me on <PHONE_NUMBER> tomorrow"),
        ("Mobile: 0490 39 07 81", "Mobile: <PHONE_NUMBER>"),
        ("reach me at +46 (0)8 928 571 38", "reach me at <PHONE_NUMBER>"),
        ("we processed 467 3395 rows", "we processed 467 3395 rows"),  # no phone word: a quantity
        ("When: 2000-04-16 11:34:35", "When: 2000-04-16 11:34:35"),
        ("the table has 12 345 678 rows", "the table has 12 345 678 rows"),
    ],
)
def test_local_phone_shapes_need_a_phone_word(redactor: Redactor, text: str, expected: str) -> None:
    assert redacted(redactor, text) == expected
