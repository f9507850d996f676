"""Routing: presets, overrides, path and query handling, --upstream parsing."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from lookout.proxy.routing import PRESETS, ROUTES_KEPT, Origin, Route, Router, parse_upstream_flags


def url_of(route: Route) -> str:
    return f"{route.origin.scheme}://{route.origin.host_header}{route.target}"


@pytest.mark.parametrize(
    ("raw_path", "query", "expected"),
    [
        ("/openai/v1/chat/completions", "", "https://api.openai.com/v1/chat/completions"),
        ("/anthropic/v1/messages", "beta=true", "https://api.anthropic.com/v1/messages?beta=true"),
        (
            "/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent",
            "alt=sse",
            "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
        ),
        ("/groq/v1/chat/completions", "", "https://api.groq.com/openai/v1/chat/completions"),
        ("/openrouter/v1/models", "", "https://openrouter.ai/api/v1/models"),
        ("/ollama/api/chat", "", "http://127.0.0.1:11434/api/chat"),
        ("/openai", "", "https://api.openai.com/"),
        # percent-escapes and odd query strings go upstream exactly as sent
        ("/openai/v1/files/a%2Fb", "x=%20y&z", "https://api.openai.com/v1/files/a%2Fb?x=%20y&z"),
    ],
)
def test_presets_route_to_provider_urls(raw_path: str, query: str, expected: str) -> None:
    route = Router().resolve(raw_path, query)
    assert route is not None
    assert url_of(route) == expected
    assert route.upstream == raw_path.split("/")[1]


def test_every_documented_preset_exists() -> None:
    documented = {
        "openai",
        "anthropic",
        "gemini",
        "mistral",
        "groq",
        "deepseek",
        "openrouter",
        "nanogpt",
        "ollama",
        "lmstudio",
        "vllm",
    }
    assert documented <= set(PRESETS)


def test_unknown_upstream_resolves_to_none() -> None:
    assert Router().resolve("/nope/v1/chat", "") is None
    assert Router().resolve("/", "") is None


def test_overrides_add_and_replace_presets() -> None:
    router = Router({"openai": "http://127.0.0.1:9/base/", "lab": "http://10.1.2.3:8000"})
    route = router.resolve("/openai/v1/x", "")
    assert route is not None and url_of(route) == "http://127.0.0.1:9/base/v1/x"
    assert "lab" in router.names


@pytest.mark.parametrize(
    ("base", "origin"),
    [
        ("https://api.openai.com", Origin("https", "api.openai.com", 443, "api.openai.com")),
        ("https://x.example:443/api", Origin("https", "x.example", 443, "x.example")),
        ("http://127.0.0.1:11434", Origin("http", "127.0.0.1", 11434, "127.0.0.1:11434")),
        ("http://[::1]:8000/base", Origin("http", "::1", 8000, "[::1]:8000")),
        ("http://localhost", Origin("http", "localhost", 80, "localhost")),
    ],
)
def test_each_base_url_is_taken_apart_once_into_an_origin(base: str, origin: Origin) -> None:
    route = Router({"lab": base}).resolve("/lab/v1/x", "q=1")
    assert route is not None and route.origin == origin
    assert route.target == urlsplit(base).path.rstrip("/") + "/v1/x?q=1"


def test_parse_upstream_flags() -> None:
    assert parse_upstream_flags(["lab=http://localhost:8000"]) == {"lab": "http://localhost:8000"}
    for bad in ["lab", "=http://x", "lab=ftp://x", "lab=http://x?y=1", "a/b=http://x"]:
        with pytest.raises(ValueError, match="upstream"):
            parse_upstream_flags([bad])


def test_routes_are_remembered_within_a_bound_and_answer_the_same_after_it() -> None:
    router = Router({"lab": "http://127.0.0.1:9/base"})
    first = router.resolve("/lab/v1/chat", "")
    assert router.resolve("/lab/v1/chat", "") is first  # the second lookup is the kept route
    assert router.resolve("/lab/v1/chat", "a=1") != first  # the query is part of the key
    for n in range(ROUTES_KEPT + 10):  # more distinct paths than are kept: the memory starts over
        route = router.resolve(f"/lab/v1/{n}", "")
        assert route is not None and route.target == f"/base/v1/{n}"
    assert router.resolve("/nope/v1/chat", "") is None and router.resolve("/nope/v1/chat", "") is None
    assert router.resolve("/lab/v1/chat", "") == first
