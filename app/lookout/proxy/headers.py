"""Which headers the proxy forwards, and which few it keeps a copy of for the record.

Forwarding drops only hop-by-hop headers (RFC 9110 §7.6.1, plus any the
``Connection`` header names), ``Host`` (set per upstream) and Lookout's own
``x-lookout-*``. Recording keeps an allow-list of diagnostic headers: content
type, SDK identification, request ids and rate-limit state. Anything that can
carry a credential (``authorization``, ``x-api-key``, ``x-goog-api-key``,
``cookie``, ...) is simply not on the list, so it never leaves the hot path.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from multidict import CIMultiDict, CIMultiDictProxy

Headers = CIMultiDict[str] | CIMultiDictProxy[str]

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)

RECORDED = frozenset(
    {
        "content-type",
        "content-encoding",
        "user-agent",
        "x-request-id",
        "request-id",
        "x-stainless-lang",
        "x-stainless-package-version",
        "x-stainless-runtime-version",
        "x-goog-api-client",
        "anthropic-version",
        "anthropic-beta",
        "openai-beta",
        "openai-version",
        "openai-processing-ms",
        "retry-after",
        "retry-after-ms",
        "x-envoy-upstream-service-time",
    }
)
RECORDED_PREFIXES = ("x-ratelimit-", "anthropic-ratelimit-")


def upstream_headers(incoming: Headers) -> list[tuple[str, str]]:
    """The client's headers minus hop-by-hop ones, Host (set per upstream) and Lookout's own."""
    drop = _connection_tokens(incoming)
    return [
        (name, value)
        for name, value in incoming.items()
        if (lower := name.lower()) not in drop and lower != "host" and not lower.startswith("x-lookout-")
    ]


def downstream_headers(upstream: Headers) -> list[tuple[str, str]]:
    """The upstream's response headers minus hop-by-hop ones; the proxy frames the body itself."""
    drop = _connection_tokens(upstream)
    return [(k, v) for k, v in upstream.items() if k.lower() not in drop]


def recorded_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The allow-listed headers worth keeping with the record (still redacted before storage).

    Names come back as plain ``str``: the parsers' names are multidict ``istr``s,
    which pickle through a reduce call, taking the record's packing from ~4 µs
    to ~20 µs and the recorder an import of multidict to unpack them.
    """
    return [
        (str(name), value)
        for name, value in headers
        if (lower := name.lower()) in RECORDED or lower.startswith(RECORDED_PREFIXES)
    ]


def has_content_length(headers: Sequence[tuple[str, str]]) -> bool:
    # The length test first: it spares lower-casing nearly every other header.
    return any(len(name) == 14 and name.lower() == "content-length" for name, _ in headers)


def _connection_tokens(headers: Headers) -> frozenset[str]:
    listed = headers.get("Connection")
    if not listed:
        return HOP_BY_HOP
    return HOP_BY_HOP | {token.strip().lower() for token in listed.split(",")}
