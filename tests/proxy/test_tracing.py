"""Trace and session ids from traceparent and x-lookout-* headers."""

from __future__ import annotations

from lookout.proxy.tracing import trace_ids

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


def test_traceparent_gives_the_trace_id() -> None:
    assert trace_ids({"traceparent": f"00-{TRACE}-00f067aa0ba902b7-01"}) == (TRACE, None)


def test_lookout_headers_win_and_carry_the_session() -> None:
    headers = {
        "traceparent": f"00-{TRACE}-00f067aa0ba902b7-01",
        "x-lookout-trace": "run-42",
        "x-lookout-session": " chat-7 ",
    }
    assert trace_ids(headers) == ("run-42", "chat-7")


def test_invalid_traceparents_are_ignored() -> None:
    for bad in ["", "garbage", f"00-{'0' * 32}-00f067aa0ba902b7-01", "00-abc-def-01"]:
        assert trace_ids({"traceparent": bad}) == (None, None)


def test_ids_are_bounded() -> None:
    trace, _ = trace_ids({"x-lookout-trace": "x" * 10_000})
    assert trace is not None and len(trace) == 128
