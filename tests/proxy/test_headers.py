"""ClientHeaders: the one pass that sorts a request's headers into checks, forwarding and credentials."""

from __future__ import annotations

from lookout.proxy.headers import ClientHeaders, downstream_lines


def test_forwarded_lines_keep_order_and_case_minus_hop_by_hop_host_and_lookout_headers() -> None:
    headers = ClientHeaders(
        [
            (b"Host", b"127.0.0.1:8787"),
            (b"X-Trace", b"a"),
            (b"Connection", b"keep-alive, X-Drop-Me"),
            (b"X-Drop-Me", b"1"),
            (b"X-Lookout-Session", b"s-1"),
            (b"Keep-Alive", b"timeout=5"),
            (b"connection", b"x-drop-too"),
            (b"X-Drop-Too", b"2"),
            (b"Authorization", b"Bearer sk-1"),
            (b"x-trace", b"b"),
        ]
    )
    assert headers.forwarded == [(b"X-Trace", b"a"), (b"Authorization", b"Bearer sk-1"), (b"x-trace", b"b")]
    assert headers.credentials == [(b"Authorization", b"Bearer sk-1")]
    assert headers.first[b"x-trace"] == b"a"  # a repeated name keeps its first value
    assert headers.first[b"host"] == b"127.0.0.1:8787"


def test_a_credential_named_in_connection_is_neither_forwarded_nor_counted() -> None:
    headers = ClientHeaders([(b"X-Api-Key", b"sk-ant-1"), (b"Connection", b"X-API-Key")])
    assert headers.forwarded == [] and headers.credentials == []


def test_connection_naming_only_hop_by_hop_headers_drops_nothing_else() -> None:
    headers = ClientHeaders([(b"Connection", b"keep-alive,,close"), (b"Api-Key", b"k")])
    assert headers.forwarded == [(b"Api-Key", b"k")] and headers.credentials == [(b"Api-Key", b"k")]


def test_downstream_lines_drop_headers_the_connection_header_names_and_keep_the_rest_byte_for_byte() -> None:
    end_to_end = [(b"Content-Type", b"text/plain"), (b"X-Gone", b"1"), (b"x-request-id", b"r 1 ")]
    kept = b"Content-Type: text/plain\r\nx-request-id: r 1 \r\n"
    assert downstream_lines(end_to_end, b"close, X-Gone") == kept
    everything = b"Content-Type: text/plain\r\nX-Gone: 1\r\nx-request-id: r 1 \r\n"
    assert downstream_lines(end_to_end, b"") == everything
