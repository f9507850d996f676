"""Browsing calls: keyset pages, filters, full-text search, late rows, one call in full."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlite_utils import Database

from lookout.core.clock import iso_utc
from lookout.store.browse import (
    CallFilter,
    call_detail,
    calls_page,
    calls_recorded_since,
    distinct_values,
    fts_query,
    status_clause,
)
from lookout.store.writer import CallWriter
from tests.store.factories import NOW, make_payload, make_row, spread_rows


def ids(rows: list[object]) -> list[str]:
    return [row.id for row in rows]  # type: ignore[attr-defined]


def test_pages_walk_newest_first_without_gaps_or_repeats(writer: CallWriter, reader_db: Database) -> None:
    rows = list(spread_rows(25, start=NOW - 1000, step_s=10))
    # Two calls in the same millisecond: the id breaks the tie, across a page boundary too.
    rows.append(replace(rows[-1], id="c9999999"))
    writer.write_calls(rows)
    seen: list[str] = []
    page = calls_page(reader_db, CallFilter(), limit=7)
    while True:
        seen += ids(page.rows)
        if not page.more:
            break
        page = calls_page(reader_db, CallFilter(), after=page.rows[-1].key, upto=page.snapshot, limit=7)
    expected = sorted(rows, key=lambda r: (r.started_at, r.id), reverse=True)
    assert seen == [r.id for r in expected]


def test_rows_recorded_after_the_snapshot_come_from_recorded_since(
    writer: CallWriter, reader_db: Database
) -> None:
    writer.write_calls(list(spread_rows(5, start=NOW - 100, step_s=10)))
    first = calls_page(reader_db, CallFilter())
    # A long stream is written when it ends: it started before every row already shown.
    late = make_row(id="late-stream", started_at=iso_utc(NOW - 500), streamed=True)
    writer.write_calls([late])
    again = calls_page(reader_db, CallFilter(), upto=first.snapshot)
    assert "late-stream" not in ids(again.rows)
    news = calls_recorded_since(reader_db, CallFilter(), first.snapshot)
    assert ids(news.rows) == ["late-stream"] and not news.more
    assert calls_recorded_since(reader_db, CallFilter(), news.snapshot).rows == []


def test_recorded_since_continues_where_a_full_batch_stopped(writer: CallWriter, reader_db: Database) -> None:
    writer.write_calls(list(spread_rows(5, start=NOW - 100, step_s=10)))
    news = calls_recorded_since(reader_db, CallFilter(), 0, limit=3)
    assert len(news.rows) == 3 and news.more
    rest = calls_recorded_since(reader_db, CallFilter(), news.snapshot, limit=3)
    assert len(rest.rows) == 2 and not rest.more
    assert set(ids(news.rows)) | set(ids(rest.rows)) == {f"c{i:07d}" for i in range(5)}


def test_filters_combine(writer: CallWriter, reader_db: Database) -> None:
    writer.write_calls(
        [
            make_row(id="ok-openai"),
            make_row(id="429-openai", status_code=429, outcome="error"),
            make_row(
                id="500-anthropic",
                upstream="anthropic",
                model="claude-haiku-4-5",
                status_code=500,
                outcome="error",
            ),
            make_row(id="timeout", status_code=None, outcome="upstream_timeout"),
            make_row(id="old", started_at=iso_utc(NOW - 3 * 86400)),
        ]
    )

    def matching(**kwargs: str) -> set[str]:
        return set(ids(calls_page(reader_db, CallFilter(**kwargs)).rows))

    assert matching(upstream="anthropic") == {"500-anthropic"}
    assert matching(outcome="error") == {"429-openai", "500-anthropic"}
    assert matching(status="4xx") == {"429-openai"}
    assert matching(status="500", model="claude-haiku-4-5") == {"500-anthropic"}
    assert matching(status="none") == {"timeout"}
    assert matching(since_iso=iso_utc(NOW - 86400), model="gpt-4o-mini") == {
        "ok-openai",
        "429-openai",
        "timeout",
    }
    assert matching(until_iso=iso_utc(NOW - 86400)) == {"old"}


@pytest.mark.parametrize("bad", ["4x", "600", "ok", "42"])
def test_a_bad_status_filter_says_what_is_accepted(bad: str) -> None:
    with pytest.raises(ValueError, match="4xx"):
        status_clause(bad)


def test_search_finds_words_in_redacted_bodies_newest_first(writer: CallWriter, reader_db: Database) -> None:
    rows = list(spread_rows(3, start=NOW - 100, step_s=10))
    payloads = [
        make_payload(rows[0].id),
        make_payload(
            rows[1].id, request_body='{"content": "invoice for <PHONE_NUMBER>"}', response_body=None
        ),
        make_payload(rows[2].id, request_body=None, response_body='{"content": "the REFUND was approved"}'),
    ]
    writer.write_calls(rows, payloads)

    def found(text: str, **kwargs: str) -> list[str]:
        return ids(calls_page(reader_db, CallFilter(search=text, **kwargs)).rows)

    assert found("refund") == [rows[2].id, rows[0].id]
    assert found("refund customer") == [rows[0].id]  # every word must appear
    assert found("EMAIL_ADDRESS") == [rows[0].id]  # placeholders are searchable
    assert found("phone number") == [rows[1].id]
    assert found("refund", since_iso=iso_utc(NOW - 95)) == [rows[2].id]
    assert found("nowhere") == []


@pytest.mark.parametrize(
    "typed", ['"unbalanced', "refund AND(", "NEAR(a b", "*", "a:b -c", "'; DROP TABLE calls"]
)
def test_any_typed_search_is_a_valid_query(writer: CallWriter, reader_db: Database, typed: str) -> None:
    writer.write_calls([make_row()], [make_payload()])
    calls_page(reader_db, CallFilter(search=typed))  # must not raise
    assert all(part.startswith('"') for part in fts_query(typed).split())


def test_search_pages_continue_by_record_order(writer: CallWriter, reader_db: Database) -> None:
    rows = list(spread_rows(9, start=NOW - 100, step_s=5))
    writer.write_calls(rows, [make_payload(row.id) for row in rows])
    first = calls_page(reader_db, CallFilter(search="refund"), limit=4)
    second = calls_page(reader_db, CallFilter(search="refund"), after=first.rows[-1].key, upto=first.snapshot)
    assert ids(first.rows) + ids(second.rows) == [row.id for row in reversed(rows)]
    assert first.more and not second.more


def test_a_replaced_payload_is_searchable_only_by_its_new_text(
    writer: CallWriter, reader_db: Database
) -> None:
    # The writer re-sends batches with INSERT OR REPLACE; the FTS index must follow.
    row = make_row()
    writer.write_calls([row], [make_payload(row.id, response_body='{"content": "alpha"}')])
    writer.write_calls([row], [make_payload(row.id, response_body='{"content": "bravo"}')])
    assert ids(calls_page(reader_db, CallFilter(search="alpha")).rows) == []
    assert ids(calls_page(reader_db, CallFilter(search="bravo")).rows) == [row.id]
    # No stale entry left behind in the index either (it would be a ghost match forever).
    stale = "SELECT rowid FROM payloads_fts WHERE payloads_fts MATCH 'alpha'"
    assert reader_db.execute(stale).fetchall() == []


def test_call_detail_has_payload_group_and_chunk_times(writer: CallWriter, reader_db: Database) -> None:
    row = make_row(error_group_id="grp1", streamed=True, ttft_ms=120.0)
    writer.write_calls([row], [make_payload(row.id, chunk_times=json.dumps([95.5, 120.0, 180.2]))])
    writer.db.table("error_groups").insert(
        {
            "id": "grp1",
            "fingerprint": "f",
            "title": "429 rate limited",
            "status": "unresolved",
            "count": 3,
            "first_seen": row.started_at,
            "last_seen": row.started_at,
        }
    )
    detail = call_detail(reader_db, row.id)
    assert detail is not None
    assert detail.call["model"] == "gpt-4o-mini"
    assert detail.payload is not None and "<EMAIL_ADDRESS>" in detail.payload["request_body"]
    assert detail.group is not None and detail.group["title"] == "429 rate limited"
    assert detail.chunk_times == [95.5, 120.0, 180.2]
    assert call_detail(reader_db, "no-such-call") is None


def test_distinct_values_lists_each_value_once(writer: CallWriter, reader_db: Database) -> None:
    writer.write_calls(
        [make_row(id=f"m{i}", model=model) for i, model in enumerate(["b", "a", "b", None, "c"])]
    )
    assert distinct_values(reader_db, "model") == ["a", "b", "c"]
    with pytest.raises(ValueError):
        distinct_values(reader_db, "latency_ms")


def test_pages_read_through_indexes_not_the_whole_table(writer: CallWriter, reader_db: Database) -> None:
    # The query plans that keep a page cheap at 1 M rows (tests/ui/bench_ui.py measures the times).
    writer.write_calls([make_row()], [make_payload()])
    statements: list[str] = []
    query = reader_db.query

    def recording_query(sql: str, params: object = None) -> object:
        statements.append(sql)
        return query(sql, params)

    reader_db.query = recording_query  # type: ignore[method-assign]
    filters = (
        CallFilter(model="gpt-4o-mini"),
        CallFilter(outcome="error", since_iso=iso_utc(NOW - 60)),
        CallFilter(search="refund"),
    )
    for f in filters:
        calls_page(reader_db, f)
        sql = statements[-1]
        # Plans don't depend on the values bound, only on their number.
        steps = reader_db.execute(f"EXPLAIN QUERY PLAN {sql}", [None] * sql.count("?")).fetchall()
        plan = " | ".join(step[3] for step in steps)
        assert "SCAN c " not in f"{plan} " and "SCAN calls" not in plan, plan
        if f.searching:
            assert plan.startswith("SCAN f VIRTUAL TABLE") and "TEMP B-TREE" not in plan, plan


def test_a_search_looks_at_a_bounded_window_and_says_where_to_go_on(
    writer: CallWriter, reader_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lookout.store import browse

    monkeypatch.setattr(browse, "SEARCH_WINDOW", 3)
    rows = [
        make_row(id=f"w{i}", started_at=iso_utc(NOW - 100 + i), model="rare" if i in (1, 7) else "common")
        for i in range(9)
    ]
    writer.write_calls(rows, [make_payload(row.id) for row in rows])
    f = CallFilter(search="refund", model="rare")
    found: list[str] = []
    page = calls_page(reader_db, f)
    windows = 1
    while True:
        found += ids(page.rows)
        if not page.more:
            break
        after = page.after or page.rows[-1].key
        page = calls_page(reader_db, f, after=after, upto=page.snapshot)
        windows += 1
    assert found == ["w7", "w1"]
    assert windows == 4  # 9 matches 3 at a time, and one more look to learn there are no more
