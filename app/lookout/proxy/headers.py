"""Which headers the proxy forwards, and which few it keeps a copy of for the record.

Forwarding drops only hop-by-hop headers (RFC 9110 §7.6.1, plus any the
``Connection`` header names), ``Host`` (set per upstream) and Lookout's own
``x-lookout-*``. Both ways, the lines that go on are the bytes llhttp parsed:
llhttp refuses a line break or a control byte inside a header, so nothing is
decoded or re-encoded on the way. Recording keeps an allow-list of diagnostic
headers: content type, SDK identification, request ids and rate-limit state.
Anything that can carry a credential (``authorization``, ``x-api-key``,
``x-goog-api-key``, ``cookie``, ...) is simply not on the list, so it never
leaves the hot path.
"""

from __future__ import annotations

from lookout.keys.injection import CREDENTIAL_HEADERS

RawHeader = tuple[bytes, bytes]

UNCHANGED = ("utf-8", "surrogateescape")  # bytes -> str -> the same bytes
_NAME = ("ascii", "surrogateescape")  # llhttp allows only ASCII token characters in a name
HOP_BY_HOP = frozenset(  # RFC 9110 §7.6.1, lower-case as compared
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)
_NOT_FORWARDED = HOP_BY_HOP | {b"host"}
CREDENTIAL_NAMES = frozenset(name.encode() for name in CREDENTIAL_HEADERS)

RECORDED = frozenset(  # lower-case, as compared
    {
        b"content-type",
        b"content-encoding",
        b"user-agent",
        b"x-request-id",
        b"request-id",
        b"x-stainless-lang",
        b"x-stainless-package-version",
        b"x-stainless-runtime-version",
        b"x-goog-api-client",
        b"anthropic-version",
        b"anthropic-beta",
        b"openai-beta",
        b"openai-version",
        b"openai-processing-ms",
        b"retry-after",
        b"retry-after-ms",
        b"x-envoy-upstream-service-time",
    }
)
RECORDED_PREFIXES = (b"x-ratelimit-", b"anthropic-ratelimit-")


class ClientHeaders:
    """A request's headers as llhttp parsed them, sorted out in one pass for the proxy.

    ``first`` maps each lower-case name to its first value (for the checks and the
    framing), ``forwarded`` holds the lines that go upstream, and ``credentials``
    the forwarded ones that can carry an API key.
    """

    __slots__ = ("credentials", "first", "forwarded", "raw")

    def __init__(self, raw: list[RawHeader]) -> None:
        self.raw = raw
        first: dict[bytes, bytes] = {}
        forwarded: list[RawHeader] = []
        credentials: list[RawHeader] = []
        listed = b""  # what Connection headers name: more hop-by-hop headers (their lists add up)
        for header in raw:
            lower = header[0].lower()
            if lower not in first:
                first[lower] = header[1]
            if lower in _NOT_FORWARDED:
                if lower == b"connection":
                    listed += b"," + header[1]
            elif not lower.startswith(b"x-lookout-"):
                forwarded.append(header)
                if lower in CREDENTIAL_NAMES:
                    credentials.append(header)
        if listed and (named := _listed(listed)):  # e.g. not just "keep-alive"
            forwarded = [header for header in forwarded if header[0].lower() not in named]
            credentials = [header for header in credentials if header[0].lower() not in named]
        self.first = first
        self.forwarded = forwarded
        self.credentials = credentials

    def named(self, names: tuple[bytes, ...]) -> dict[str, str]:
        """The first value of each of ``names`` (lower-case) that the request has, as ``str``."""
        first = self.first
        return {
            name.decode(): value.decode(*UNCHANGED)
            for name in names
            if (value := first.get(name)) is not None
        }


def decode(headers: list[RawHeader]) -> list[tuple[str, str]]:
    """Headers as ``str``, decoded so that encoding them as UTF-8 gives back the same bytes."""
    return [(name.decode(*_NAME), value.decode(*UNCHANGED)) for name, value in headers]


def downstream_lines(end_to_end: list[RawHeader], connection: bytes) -> bytes:
    """The upstream's end-to-end header lines, byte for byte; the proxy frames the body itself.

    ``connection`` is the upstream's Connection header (``b""`` if none), which may name
    more headers to leave out.
    """
    if connection and (named := _listed(connection)):
        end_to_end = [header for header in end_to_end if header[0].lower() not in named]
    return header_lines(end_to_end)


def header_lines(headers: list[RawHeader]) -> bytes:
    """Header lines, ``b"Name: value\\r\\n"`` each."""
    if not headers:
        return b""
    return b"\r\n".join([b": ".join(header) for header in headers]) + b"\r\n"  # the quickest way found


def recorded_headers(headers: list[RawHeader]) -> list[tuple[str, str]]:
    """The allow-listed headers worth keeping with the record (still redacted before storage), as ``str``."""
    return [
        (name.decode(*_NAME), value.decode(*UNCHANGED))
        for name, value in headers
        if (lower := name.lower()) in RECORDED or lower.startswith(RECORDED_PREFIXES)
    ]


def has_content_length(lines: bytes) -> bool:
    """Whether header lines (``b"Name: value\\r\\n"`` each) include a Content-Length."""
    # find(), not ``in``: CPython's ``bytes in bytes`` first tries the needle as an int and
    # raises and clears a TypeError, which costs more than the search itself.
    return (b"\n" + lines.lower()).find(b"\ncontent-length:") >= 0


def _listed(connection: bytes) -> frozenset[bytes]:
    """The names a Connection header lists beyond the hop-by-hop ones, lower-case."""
    return frozenset(token.strip().lower() for token in connection.split(b",")) - HOP_BY_HOP - {b""}
