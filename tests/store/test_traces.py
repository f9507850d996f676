"""Trace and session queries and the waterfall layout, on a real SQLite file."""

from __future__ import annotations

from sqlite_utils import Database

from lookout.core.clock import iso_utc
from lookout.store.traces import find_group, list_traces, trace_calls, waterfall
from lookout.store.writer import CallWriter
from tests.store.factories import NOW, make_row

SINCE, UNTIL = iso_utc(NOW - 3600), iso_utc(NOW)


def _seed(writer: CallWriter) -> None:
    writer.write_calls(
        [
            # A session of two traces and one untraced call, plus a lone trace outside it.
            make_row(
                id="a1", started_at=iso_utc(NOW - 600), latency_ms=500.0, session_id="s1", trace_id="t1"
            ),
            make_row(
                id="a2",
                started_at=iso_utc(NOW - 599.8),
                latency_ms=900.0,
                session_id="s1",
                trace_id="t1",
                model="claude-3-5-haiku",
                outcome="error",
                status_code=429,
                cost_usd=None,
            ),
            make_row(id="a3", started_at=iso_utc(NOW - 590), latency_ms=300.0, session_id="s1"),
            make_row(
                id="a4", started_at=iso_utc(NOW - 580), latency_ms=200.0, session_id="s1", trace_id="t2"
            ),
            make_row(id="b1", started_at=iso_utc(NOW - 100), latency_ms=50.0, trace_id="t3"),
            make_row(id="old", started_at=iso_utc(NOW - 7200), latency_ms=50.0, trace_id="t-old"),
            make_row(id="plain", started_at=iso_utc(NOW - 50)),
        ]
    )


def test_traces_are_listed_newest_first_with_totals(writer: CallWriter, reader_db: Database) -> None:
    _seed(writer)

    traces = list_traces(reader_db, by="trace", since_iso=SINCE, until_iso=UNTIL)

    assert [t.id for t in traces] == ["t3", "t2", "t1"]  # t-old is outside the range
    t1 = traces[2]
    assert (t1.calls, t1.errors) == (2, 1)
    assert t1.models == ("claude-3-5-haiku", "gpt-4o-mini")
    assert abs(t1.duration_ms - 1100.0) < 1  # 0.2 s in, 0.9 s long
    assert t1.cost_usd is not None and abs(t1.cost_usd - 0.00036) < 1e-9  # the unpriced call adds nothing


def test_sessions_are_listed_by_session_id(writer: CallWriter, reader_db: Database) -> None:
    _seed(writer)

    (session,) = list_traces(reader_db, by="session", since_iso=SINCE, until_iso=UNTIL)

    assert (session.id, session.kind, session.calls) == ("s1", "session", 4)
    assert [c["id"] for c in trace_calls(reader_db, session)] == ["a1", "a2", "a3", "a4"]


def test_a_trace_or_session_is_found_by_id_whenever_it_happened(
    writer: CallWriter, reader_db: Database
) -> None:
    _seed(writer)

    found = find_group(reader_db, "t-old")
    session = find_group(reader_db, "s1")

    assert found is not None and (found.kind, found.calls) == ("trace", 1)
    assert [c["id"] for c in trace_calls(reader_db, found)] == ["old"]
    assert session is not None and (session.kind, session.calls) == ("session", 4)
    assert find_group(reader_db, "nope") is None


def test_a_session_waterfall_nests_calls_under_their_trace(writer: CallWriter, reader_db: Database) -> None:
    _seed(writer)
    (session,) = list_traces(reader_db, by="session", since_iso=SINCE, until_iso=UNTIL)

    rows = waterfall(session, trace_calls(reader_db, session))

    shape = [(r.label, r.depth, r.call["id"] if r.call else None) for r in rows]
    assert shape == [
        ("trace t1", 0, None),
        ("gpt-4o-mini · chat", 1, "a1"),
        ("claude-3-5-haiku · chat", 1, "a2"),
        ("gpt-4o-mini · chat", 0, "a3"),
        ("trace t2", 0, None),
        ("gpt-4o-mini · chat", 1, "a4"),
    ]
    trace_row = rows[0]
    assert trace_row.failed  # one of its calls failed
    assert abs(trace_row.duration_ms - 1100.0) < 1
    assert abs(rows[2].offset_ms - 200.0) < 1
    assert abs(rows[5].offset_ms - 20_000.0) < 1
    assert not rows[1].failed and rows[2].failed


def test_a_trace_waterfall_is_flat(writer: CallWriter, reader_db: Database) -> None:
    _seed(writer)
    traces = list_traces(reader_db, by="trace", since_iso=SINCE, until_iso=UNTIL)

    rows = waterfall(traces[2], trace_calls(reader_db, traces[2]))

    assert [r.depth for r in rows] == [0, 0]
    assert waterfall(traces[2], []) == []


def test_no_traced_calls_means_an_empty_list(writer: CallWriter, reader_db: Database) -> None:
    writer.write_calls([make_row(id="x", started_at=iso_utc(NOW - 10))])

    assert list_traces(reader_db, by="trace", since_iso=SINCE, until_iso=UNTIL) == []
