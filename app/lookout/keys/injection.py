"""Putting a stored API key on a proxied request that arrived without one.

Pure functions for the proxy's hot path; no I/O, no logging, and no exception that
could carry a key. A request *needs a key* when it carries no credential, an empty
one, or the placeholder ``lookout`` (SDKs that insist on a key are given
``api_key="lookout"``). The stored key then goes in the provider's own header style:

- ``anthropic``: ``x-api-key: <key>`` (``anthropic-version`` and the rest stay);
- ``gemini``: ``x-goog-api-key: <key>``;
- everything else, unknown upstreams included: ``Authorization: Bearer <key>``.

A real key the client sent is never replaced or removed.

Query keys: Gemini also accepts ``?key=...``. A placeholder there is removed and
the stored key goes in the header instead, so a real key is never written into a
URL, where error messages, access logs and tracebacks would be likelier to show it.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from urllib.parse import urlsplit

PLACEHOLDER = "lookout"
BEARER = "bearer"
ANTHROPIC = "anthropic"
GEMINI = "gemini"
STYLES = frozenset({BEARER, ANTHROPIC, GEMINI})
# Lower-case names of the request headers that carry an API key, across providers
# (``api-key`` is Azure OpenAI's).
CREDENTIAL_HEADERS = frozenset({"authorization", "x-api-key", "x-goog-api-key", "api-key"})
_CREDENTIAL_LENGTHS = frozenset(len(name) for name in CREDENTIAL_HEADERS)
QUERY_KEY = "key"

_STYLE_BY_NAME = {"anthropic": ANTHROPIC, "gemini": GEMINI}
_STYLE_BY_DOMAIN = (("anthropic.com", ANTHROPIC), ("googleapis.com", GEMINI))
_NO_KEY = frozenset({"", PLACEHOLDER})

Headers = list[tuple[str, str]]


@functools.lru_cache(maxsize=256)
def style_for(upstream: str, base_url: str | None = None) -> str:
    """The header style for an upstream: by preset name first, then by the base URL's host.

    The host rule covers user-named upstreams such as ``claude=https://api.anthropic.com``.
    """
    by_name = _STYLE_BY_NAME.get(upstream)
    if by_name is not None:
        return by_name
    host = (urlsplit(base_url).hostname or "") if base_url else ""
    for domain, style in _STYLE_BY_DOMAIN:
        if host == domain or host.endswith("." + domain):
            return style
    return BEARER


def needs_key(headers: Sequence[tuple[str, str]], query: str = "") -> bool:
    """True when neither the headers nor the query string carry a real credential."""
    return not has_real_credential(headers) and not _query_has_real_key(query)


def inject_key(upstream: str, provider_style: str | None, headers: Headers, key: str | None) -> Headers:
    """``headers`` with ``key`` in the provider's style, if the request has no real credential.

    Placeholder or empty credential headers are dropped first, so the upstream sees
    exactly one credential. Without a key, or when the client sent a real one, the
    very same list comes back. ``provider_style`` None means ``style_for(upstream)``.
    Call it when :func:`needs_key` is true: a real ``?key=`` is not visible here.
    """
    if not key:
        return headers
    kept: Headers = []
    for name, value in headers:  # one pass: this runs for every keyless request
        lower = _credential_name(name)
        if lower is None:
            kept.append((name, value))
        elif _credential(lower, value) not in _NO_KEY:
            return headers  # a real key from the client: never replaced
    kept.append(_credential_header(provider_style or style_for(upstream), key))
    return kept


def strip_placeholder_query(query: str) -> str:
    """The raw query string without ``key=lookout`` (or an empty ``key=``); all else byte for byte."""
    if QUERY_KEY + "=" not in query:
        return query
    return "&".join(part for part in query.split("&") if not _is_placeholder_pair(part))


def has_real_credential(headers: Sequence[tuple[str, str]]) -> bool:
    """Whether any credential header holds something other than nothing or the placeholder."""
    # On every call's path: the length test rules out most names without a call or a lower().
    for name, value in headers:
        if (
            len(name) in _CREDENTIAL_LENGTHS
            and (lower := name.lower()) in CREDENTIAL_HEADERS
            and _credential(lower, value) not in _NO_KEY
        ):
            return True
    return False


def _credential_name(name: str) -> str | None:
    """The lower-cased name if it is a credential header, else None.

    Checking the length first rules out most headers before the costlier ``lower()``.
    """
    if len(name) not in _CREDENTIAL_LENGTHS:
        return None
    lower = name.lower()
    return lower if lower in CREDENTIAL_HEADERS else None


def _credential(lower_name: str, value: str) -> str:
    """The token in a credential header: ``Bearer <token>`` is unwrapped, other schemes are kept."""
    value = value.strip()
    if lower_name == "authorization":
        scheme, _, token = value.partition(" ")
        if scheme.lower() == "bearer":
            return token.strip()
    return value


def _query_has_real_key(query: str) -> bool:
    if QUERY_KEY + "=" not in query:
        return False
    for part in query.split("&"):
        name, _, value = part.partition("=")
        if name == QUERY_KEY and value not in _NO_KEY:
            return True
    return False


def _is_placeholder_pair(part: str) -> bool:
    name, sep, value = part.partition("=")
    return bool(sep) and name == QUERY_KEY and value in _NO_KEY


def _credential_header(style: str, key: str) -> tuple[str, str]:
    if style == ANTHROPIC:
        return ("x-api-key", key)
    if style == GEMINI:
        return ("x-goog-api-key", key)
    if style == BEARER:
        return ("Authorization", f"Bearer {key}")
    raise ValueError(f"unknown provider style {style!r}; expected one of {sorted(STYLES)}")
