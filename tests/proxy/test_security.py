"""Host and Origin checks that block browsers and DNS rebinding."""

from __future__ import annotations

import pytest

from lookout.proxy.security import is_loopback_bind, is_loopback_host, refusal_reason


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "127.0.0.1:8787",
        "localhost",
        "localhost:8787",
        "[::1]:8787",
        "[::1]",
        "127.1.2.3:80",
        "LOCALHOST:1",
    ],
)
def test_loopback_hosts_pass(host: str) -> None:
    assert is_loopback_host(host)
    assert refusal_reason({b"host": host.encode()}) is None


@pytest.mark.parametrize(
    "host",
    ["evil.example:8787", "192.168.1.5:8787", "0.0.0.0:8787", "127.0.0.1.evil.com", "[::2]:1", ""],
)
def test_other_hosts_are_refused(host: str) -> None:
    reason = refusal_reason({b"host": host.encode()})
    assert reason is not None and "loopback" in reason


@pytest.mark.parametrize("header", ["origin", "sec-fetch-site", "sec-fetch-mode"])
def test_browser_marked_requests_are_refused(header: str) -> None:
    reason = refusal_reason({b"host": b"127.0.0.1:8787", header.encode(): b"http://127.0.0.1:8787"})
    assert reason is not None and "browser" in reason


def test_missing_host_is_refused() -> None:
    assert refusal_reason({}) is not None


def test_bind_addresses() -> None:
    assert is_loopback_bind("127.0.0.1") and is_loopback_bind("::1") and is_loopback_bind("localhost")
    assert not is_loopback_bind("0.0.0.0") and not is_loopback_bind("::")
