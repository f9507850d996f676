"""Request checks that keep the proxy loopback-only and out of reach of web pages.

A web page can make the user's browser send requests to 127.0.0.1 (CSRF), and
a hostile DNS name can resolve to 127.0.0.1 (DNS rebinding). Browsers always
mark such requests with an ``Origin`` (or ``Sec-Fetch-*``) header, and rebinding
carries the attacker's name in ``Host``; SDKs send neither. So: refuse any
browser-marked request and any non-loopback ``Host``, before anything is forwarded.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Mapping

BROWSER_HEADERS = (b"origin", b"sec-fetch-site", b"sec-fetch-mode")


def refusal_reason(headers: Mapping[bytes, bytes]) -> str | None:
    """Why this request must be refused, or None when it may pass.

    ``headers`` maps lower-case names to values, as received.
    """
    for name in BROWSER_HEADERS:
        if name in headers:
            return (
                f"requests from web browsers are refused (header {name.decode()!r} present): "
                "Lookout only accepts calls from local programs"
            )
    raw_host = headers.get(b"host")
    if raw_host is None:
        return "a Host header is required"
    host = raw_host.decode("latin-1")
    if not is_loopback_host(host):
        return f"Host {host!r} is not a loopback address; use 127.0.0.1 or localhost"
    return None


@functools.lru_cache(maxsize=64)
def is_loopback_host(host_header: str) -> bool:
    """True for ``localhost``, ``127.x.x.x`` and ``[::1]``, with or without a port."""
    host = host_header.strip().lower()
    if host.startswith("["):
        host = host[1 : host.find("]")] if "]" in host else host
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_bind(host: str) -> bool:
    """Whether a bind address keeps the proxy on this machine."""
    return is_loopback_host(host if ":" not in host or host.startswith("[") else f"[{host}]")
