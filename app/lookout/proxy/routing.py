"""Upstream presets and the ``/<upstream>/<path>`` routing rule.

A preset's base URL is the provider's address *without* its API version, so an
SDK's base URL changes only in its scheme and host part::

    https://api.openai.com/v1  ->  http://127.0.0.1:8787/openai/v1
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import urlsplit

from yarl import URL

PRESETS: Mapping[str, str] = {
    "openai": "https://api.openai.com",
    "anthropic": "https://api.anthropic.com",
    "gemini": "https://generativelanguage.googleapis.com",
    "mistral": "https://api.mistral.ai",
    "groq": "https://api.groq.com/openai",
    "deepseek": "https://api.deepseek.com",
    "openrouter": "https://openrouter.ai/api",
    "nanogpt": "https://nano-gpt.com/api",
    "ollama": "http://127.0.0.1:11434",
    "lmstudio": "http://127.0.0.1:1234",
    "vllm": "http://127.0.0.1:8000",
}


class Origin(NamedTuple):
    """Where an upstream's connections go; a tuple, so the connection pool keys on it cheaply."""

    scheme: str
    host: str  # as connected to: an IPv6 address without its brackets
    port: int
    host_header: str  # what ``Host`` says: the port only when it isn't the scheme's default


@dataclass(frozen=True, slots=True)
class Route:
    upstream: str
    path: str  # below the upstream prefix, always starting with "/"
    origin: Origin
    target: str  # the upstream request target: base path, path and query, still encoded


def split_url(url: str) -> tuple[Origin, str]:
    """An absolute http(s) URL as its origin and its (still encoded) path and query."""
    parsed = URL(url, encoded=True)
    host = parsed.raw_host or ""
    shown = f"[{host}]" if ":" in host else host
    default_port = 443 if parsed.scheme == "https" else 80
    port = parsed.port or default_port
    host_header = shown if port == default_port else f"{shown}:{port}"
    return Origin(parsed.scheme, host, port, host_header), parsed.raw_path_qs


ROUTES_KEPT = 1024  # resolved routes remembered; an app calls the same few paths over and over


class Router:
    """Maps an incoming path to an upstream. Built once; a lookup is usually one dict hit.

    Each base URL is taken apart here, once, so that forwarding a call builds no URL
    object, and each route resolved is kept, so that a path seen before costs no more.
    """

    def __init__(self, overrides: Mapping[str, str] | None = None) -> None:
        merged = {**PRESETS, **(overrides or {})}
        self._bases = {name: base.rstrip("/") for name, base in merged.items()}
        self._origins: dict[str, tuple[Origin, str]] = {}
        for name, base in self._bases.items():
            origin, base_path = split_url(base)
            self._origins[name] = origin, base_path.rstrip("/")
        self._routes: dict[tuple[str, str], Route | None] = {}

    @property
    def names(self) -> list[str]:
        return sorted(self._bases)

    def base_url(self, name: str) -> str | None:
        return self._bases.get(name)

    def resolve(self, raw_path: str, query_string: str) -> Route | None:
        """The route for ``/<upstream>/<rest>``, or None if the upstream is unknown.

        ``raw_path`` must be the still-encoded path so percent-escapes go upstream as sent.
        """
        key = raw_path, query_string
        try:
            return self._routes[key]
        except KeyError:
            pass
        if len(self._routes) >= ROUTES_KEPT:
            self._routes.clear()  # simpler than evicting one by one, and it hardly ever happens
        route = self._routes[key] = self._resolve(raw_path, query_string)
        return route

    def _resolve(self, raw_path: str, query_string: str) -> Route | None:
        name, slash, rest = raw_path.lstrip("/").partition("/")
        upstream = self._origins.get(name)
        if upstream is None:
            return None
        origin, base_path = upstream
        path = slash + rest if slash else "/"
        target = base_path + path + ("?" + query_string if query_string else "")
        return Route(upstream=name, path=path, origin=origin, target=target)


def parse_upstream_flags(flags: Iterable[str]) -> dict[str, str]:
    """Parse repeated ``--upstream NAME=URL`` values. Raises ValueError naming the bad one."""
    result: dict[str, str] = {}
    for flag in flags:
        name, sep, url = flag.partition("=")
        name = name.strip()
        if not sep or not name or "/" in name:
            raise ValueError(f"--upstream expects NAME=URL, e.g. mylab=http://10.0.0.5:8000; got {flag!r}")
        result[name] = validate_base_url(url.strip(), name)
    return result


def validate_base_url(url: str, name: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"upstream {name!r}: {url!r} is not an http(s) URL")
    if parts.query or parts.fragment:
        raise ValueError(f"upstream {name!r}: base URL must not have a query or fragment")
    return url
