"""Key injection: header style per provider, placeholders, query keys, and never touching a real key."""

from __future__ import annotations

import logging
import timeit

import pytest

from lookout.keys.injection import (
    ANTHROPIC,
    BEARER,
    GEMINI,
    inject_key,
    needs_key,
    strip_placeholder_query,
    style_for,
)
from lookout.proxy.routing import PRESETS
from tests.keys.conftest import CANARY

BASE = [("Content-Type", "application/json"), ("User-Agent", "sdk/1.0")]
EXPECTED_HEADER = {
    BEARER: ("Authorization", f"Bearer {CANARY}"),
    ANTHROPIC: ("x-api-key", CANARY),
    GEMINI: ("x-goog-api-key", CANARY),
}


@pytest.mark.parametrize("upstream", sorted(PRESETS))
def test_every_preset_has_its_providers_style(upstream: str) -> None:
    expected = {"anthropic": ANTHROPIC, "gemini": GEMINI}.get(upstream, BEARER)
    assert style_for(upstream) == expected
    assert inject_key(upstream, None, list(BASE), CANARY) == [*BASE, EXPECTED_HEADER[expected]]


@pytest.mark.parametrize(
    ("upstream", "base_url", "style"),
    [
        ("mylab", None, BEARER),
        ("mylab", "http://10.0.0.5:8000", BEARER),
        ("claude", "https://api.anthropic.com", ANTHROPIC),
        ("google", "https://generativelanguage.googleapis.com", GEMINI),
        ("evil", "https://anthropic.com.example.org", BEARER),
        ("anthropic", "http://127.0.0.1:9999", ANTHROPIC),  # an overridden preset keeps its style
    ],
)
def test_style_for_other_upstreams_follows_the_host(upstream: str, base_url: str | None, style: str) -> None:
    assert style_for(upstream, base_url) == style


@pytest.mark.parametrize(
    ("upstream", "placeholder"),
    [
        ("openai", ("Authorization", "Bearer lookout")),
        ("openai", ("authorization", "bearer  lookout ")),
        ("openai", ("Authorization", "Bearer ")),
        ("anthropic", ("x-api-key", "lookout")),
        ("anthropic", ("Authorization", "Bearer lookout")),  # ANTHROPIC_AUTH_TOKEN=lookout
        ("gemini", ("x-goog-api-key", "lookout")),
        ("mylab", ("api-key", "lookout")),
        ("mylab", ("X-API-KEY", "")),
    ],
)
def test_a_placeholder_is_replaced_by_the_stored_key(upstream: str, placeholder: tuple[str, str]) -> None:
    headers = [*BASE, placeholder, ("anthropic-version", "2023-06-01")]
    assert needs_key(headers)
    result = inject_key(upstream, None, headers, CANARY)
    assert result == [*BASE, ("anthropic-version", "2023-06-01"), EXPECTED_HEADER[style_for(upstream)]]
    assert headers == [*BASE, placeholder, ("anthropic-version", "2023-06-01")]  # input untouched


@pytest.mark.parametrize(
    ("upstream", "real"),
    [
        ("openai", ("Authorization", "Bearer sk-real-client-key")),
        ("anthropic", ("x-api-key", "sk-ant-real")),
        ("anthropic", ("Authorization", "Bearer oauth-token")),
        ("gemini", ("x-goog-api-key", "AIza-real")),
        ("mylab", ("Authorization", "Basic dXNlcjpwYXNz")),
        ("mylab", ("api-key", "azure-real")),
    ],
)
def test_a_real_client_key_is_never_replaced(upstream: str, real: tuple[str, str]) -> None:
    headers = [*BASE, real]
    assert not needs_key(headers)
    assert inject_key(upstream, None, headers, CANARY) is headers


def test_a_real_key_wins_over_a_placeholder_beside_it() -> None:
    headers = [("x-api-key", "lookout"), ("Authorization", "Bearer sk-real")]
    assert not needs_key(headers)
    assert inject_key("anthropic", None, headers, CANARY) is headers


@pytest.mark.parametrize("key", [None, ""])
def test_without_a_stored_key_nothing_changes(key: str | None) -> None:
    headers = [*BASE, ("Authorization", "Bearer lookout")]
    assert inject_key("openai", None, headers, key) is headers


def test_an_explicit_style_overrides_the_upstream_name() -> None:
    assert inject_key("mylab", ANTHROPIC, list(BASE), CANARY) == [*BASE, ("x-api-key", CANARY)]


@pytest.mark.parametrize(
    ("query", "needs"),
    [
        ("", True),
        ("alt=sse", True),
        ("key=lookout", True),
        ("alt=sse&key=lookout", True),
        ("key=", True),
        ("monkey=business", True),
        ("key=AIza-real", False),
        ("alt=sse&key=AIza-real", False),
    ],
)
def test_query_keys_count_as_credentials_unless_placeholders(query: str, needs: bool) -> None:
    assert needs_key(BASE, query) is needs


@pytest.mark.parametrize(
    ("query", "stripped"),
    [
        ("", ""),
        ("key=lookout", ""),
        ("alt=sse&key=lookout", "alt=sse"),
        ("key=&alt=sse", "alt=sse"),
        ("x=%20y&z&key=lookout&monkey=lookout", "x=%20y&z&monkey=lookout"),
        ("key=AIza-real&alt=sse", "key=AIza-real&alt=sse"),
        ("key&alt=sse", "key&alt=sse"),
    ],
)
def test_the_query_placeholder_is_removed_and_all_else_kept(query: str, stripped: str) -> None:
    assert strip_placeholder_query(query) == stripped


def test_an_unknown_style_is_an_error_that_does_not_quote_the_key(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG), pytest.raises(ValueError) as caught:
        inject_key("openai", "basic", list(BASE), CANARY)
    assert CANARY not in str(caught.value)
    assert CANARY not in caplog.text


def test_the_hot_path_costs_a_few_microseconds() -> None:
    headers = [*BASE, *((f"X-Header-{i}", "value") for i in range(10)), ("Authorization", "Bearer lookout")]

    def step() -> None:
        if needs_key(headers, "alt=sse"):
            inject_key("openai", None, headers, CANARY)

    calls = 20_000
    best = min(timeit.repeat(step, number=calls, repeat=5)) / calls
    assert best < 10e-6, f"{best * 1e6:.2f} µs per request"
