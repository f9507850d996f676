"""Trace and session queries and the waterfall layout, on a real SQLite file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from lookout.core.clock import iso_utc
from lookout.store.schema import migrate
from lookout.store.traces import (
    GroupBy,
    find_group,
    first_calls_sql,
    list_traces,
    trace_calls,
    trace_page,
    waterfall,
)
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


def _traced(writer: CallWriter, spec: list[tuple[str, float, str | None, str | None]]) -> None:
    """Calls (id, seconds before NOW, trace id, session id)."""
    writer.write_calls(
        [
            make_row(id=call_id, started_at=iso_utc(NOW - ago), trace_id=trace, session_id=session)
            for call_id, ago, trace, session in spec
        ]
    )


def test_pages_follow_each_other_without_gaps_or_repeats(writer: CallWriter, reader_db: Database) -> None:
    # Seven traces of two calls each, interleaved, plus two traces starting at the same instant.
    spec: list[tuple[str, float, str | None, str | None]] = []
    for n in range(7):
        spec += [(f"c{n}a", 3000 - n * 300, f"t{n}", None), (f"c{n}b", 2900 - n * 300 - 200, f"t{n}", None)]
    spec += [("same1", 100, "tie-a", None), ("same2", 100, "tie-b", None)]
    _traced(writer, spec)

    pages: list[list[str]] = []
    after = None
    while True:
        page = list_traces(reader_db, by="trace", since_iso=SINCE, until_iso=UNTIL, after=after, limit=3)
        if not page:
            break
        pages.append([t.id for t in page])
        after = page[-1]

    assert pages == [["tie-b", "tie-a", "t6"], ["t5", "t4", "t3"], ["t2", "t1", "t0"]]
    everything = list_traces(reader_db, by="trace", since_iso=SINCE, until_iso=UNTIL)
    assert [t.id for t in everything] == [tid for page in pages for tid in page]
    assert all(t.calls == 2 for t in everything if t.id.startswith("t") and t.id[1:].isdigit())


def test_a_group_is_placed_and_counted_by_its_calls_in_the_range(
    writer: CallWriter, reader_db: Database
) -> None:
    # "long" began before the range and goes on in it; "short" began in it earlier than long's
    # first call in the range; two calls of "twin" started at the same instant.
    _traced(
        writer,
        [
            ("l0", 7200, "long", "s-long"),
            ("l1", 1000, "long", "s-long"),
            ("l2", 10, "long", "s-long"),
            ("s0", 2000, "short", None),
            ("w0", 500, "twin", None),
            ("w1", 500, "twin", None),
        ],
    )

    traces = list_traces(reader_db, by="trace", since_iso=SINCE, until_iso=UNTIL)
    (session,) = list_traces(reader_db, by="session", since_iso=SINCE, until_iso=UNTIL)

    assert [(t.id, t.calls, t.first_started) for t in traces] == [
        ("twin", 2, iso_utc(NOW - 500)),
        ("long", 2, iso_utc(NOW - 1000)),
        ("short", 1, iso_utc(NOW - 2000)),
    ]
    assert (session.calls, session.first_started) == (2, iso_utc(NOW - 1000))
    assert [c["id"] for c in trace_calls(reader_db, session)] == ["l1", "l2"]


def test_a_page_reads_only_indexes_for_its_groups(reader_db: Database) -> None:
    """The list never scans the range: it walks the partial index and probes the id index."""
    choices: tuple[tuple[GroupBy, str], ...] = (("trace", "trace_id"), ("session", "session_id"))
    for by, column in choices:
        sql = first_calls_sql(by, keyset=True)
        plan = " | ".join(row[3] for row in reader_db.execute(f"EXPLAIN QUERY PLAN {sql}", _PLAN_PARAMS))
        walk = "idx_calls_traced" if by == "trace" else "idx_calls_in_session"
        assert f"SEARCH c USING COVERING INDEX {walk} (started_at>? AND started_at<?)" in plan
        assert f"SEARCH p USING COVERING INDEX idx_calls_{column}_started_at ({column}=?" in plan
        assert "SCAN" not in plan


_PLAN_PARAMS = {"since": SINCE, "until": UNTIL, "limit": 10, "at": UNTIL, "after_id": "x"}


def test_migration_4_indexes_the_calls_of_an_existing_database(tmp_path: Path) -> None:
    db = Database(sqlite3.connect(tmp_path / "old.db"))
    migrate(db, target=3)
    CallWriter(db).write_calls([make_row(id="a", started_at=iso_utc(NOW - 60), trace_id="t", session_id="s")])

    assert migrate(db) == 4

    indexes = {index.name: index.columns for index in db.table("calls").indexes}
    assert indexes["idx_calls_traced"] == ["started_at", "trace_id"]
    assert indexes["idx_calls_in_session"] == ["started_at", "session_id"]
    assert indexes["idx_calls_trace_id_started_at"] == ["trace_id", "started_at"]
    assert [t.id for t in list_traces(db, by="trace", since_iso=SINCE, until_iso=UNTIL)] == ["t"]
    assert [t.id for t in list_traces(db, by="session", since_iso=SINCE, until_iso=UNTIL)] == ["s"]


def test_a_page_says_whether_another_follows(writer: CallWriter, reader_db: Database) -> None:
    _traced(writer, [(f"c{n}", 1000 - n, f"t{n}", None) for n in range(4)])

    full = trace_page(reader_db, by="trace", since_iso=SINCE, until_iso=UNTIL, limit=4)
    first = trace_page(reader_db, by="trace", since_iso=SINCE, until_iso=UNTIL, limit=3)
    rest = trace_page(
        reader_db, by="trace", since_iso=SINCE, until_iso=UNTIL, after=first.traces[-1], limit=3
    )

    assert ([t.id for t in full.traces], full.more) == (["t3", "t2", "t1", "t0"], False)
    assert ([t.id for t in first.traces], first.more) == (["t3", "t2", "t1"], True)
    assert ([t.id for t in rest.traces], rest.more) == (["t0"], False)
