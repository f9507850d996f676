"""Error groups in SQLite: the recorder's writes, status changes beside it, histograms, reads, purging."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import pytest
from sqlite_utils import Database

from lookout.analysis import lifecycle
from lookout.core.clock import iso_utc
from lookout.store.db import open_writer
from lookout.store.group_queries import (
    AmbiguousGroupId,
    find_group_id,
    get_group,
    group_breakdown,
    group_histogram,
    group_histograms,
    latest_events,
    list_groups,
)
from lookout.store.groups import GroupNotFound, purge_group_buckets, record_hits, update_group_state
from lookout.store.writer import CallWriter
from tests.store.factories import NOW, make_hit, make_row

HOUR = 3600.0
DAY = 86400.0


def test_first_hits_create_a_group_and_one_new_event(writer_db: Database, reader_db: Database) -> None:
    hits = [
        make_hit(at=NOW - 300, model="gpt-4o-mini"),
        make_hit(at=NOW - 200, model="gpt-4.1", upstream="openai-eu", operation="responses"),
        make_hit(at=NOW - 100, model=None),
    ]
    events = record_hits(writer_db, hits)
    assert [(e.kind, e.group_id, e.at, e.model) for e in events] == [
        ("new", "aaaa00000001", iso_utc(NOW - 300), "gpt-4o-mini")
    ]
    group = get_group(reader_db, "aaaa00000001", now=NOW)
    assert group is not None
    assert (group.status, group.substatus, group.count) == ("unresolved", "new", 3)
    assert (group.first_seen, group.last_seen) == (iso_utc(NOW - 300), iso_utc(NOW - 100))
    assert group.models == ("gpt-4.1", "gpt-4o-mini")
    assert group.upstreams == ("openai", "openai-eu") and group.operations == ("chat", "responses")
    assert (group.failure, group.status_code, group.error_code) == ("429", 429, "rate_limit_exceeded")

    assert record_hits(writer_db, [make_hit(at=NOW - 50, model="o4-mini")]) == []  # not new any more
    group = get_group(reader_db, "aaaa00000001", now=NOW)
    assert group is not None and group.count == 4 and "o4-mini" in group.models


def test_a_resolved_group_regresses_once(writer_db: Database, reader_db: Database) -> None:
    record_hits(writer_db, [make_hit(at=NOW - DAY)])
    update_group_state(writer_db, "aaaa00000001", partial(lifecycle.resolve, at=NOW - HOUR))
    events = record_hits(writer_db, [make_hit(at=NOW - 60), make_hit(at=NOW - 30)])
    assert [(e.kind, e.at) for e in events] == [("regressed", iso_utc(NOW - 60))]
    group = get_group(reader_db, "aaaa00000001", now=NOW)
    assert group is not None and (group.status, group.substatus, group.count) == (
        "unresolved",
        "regressed",
        3,
    )


def test_a_status_change_from_another_connection_is_not_undone(writer_db: Database, data_dir: Path) -> None:
    """The CLI's update lands between two recorder flushes; the recorder must build on it."""
    record_hits(writer_db, [make_hit(at=NOW - 600)])
    cli = open_writer(data_dir)
    try:
        update_group_state(cli, "aaaa00000001", partial(lifecycle.ignore, at=NOW - 500, until_count=2))
    finally:
        cli.close()
    assert record_hits(writer_db, [make_hit(at=NOW - 400)]) == []
    group = get_group(writer_db, "aaaa00000001", now=NOW)
    assert group is not None and (group.status, group.ignored_events_left, group.count) == ("ignored", 1, 2)
    record_hits(writer_db, [make_hit(at=NOW - 300)])
    group = get_group(writer_db, "aaaa00000001", now=NOW)
    assert group is not None and (group.status, group.substatus) == ("unresolved", "new")


def test_a_metadata_only_title_never_replaces_a_complete_one(writer_db: Database) -> None:
    record_hits(writer_db, [make_hit(title="429 rate_limit_exceeded", title_complete=False)])
    assert _title(writer_db) == "429 rate_limit_exceeded"  # names the group until something better comes
    record_hits(writer_db, [make_hit(title="429 rate_limit_exceeded · Rate limit reached")])
    record_hits(writer_db, [make_hit(title="429 rate_limit_exceeded", title_complete=False)])
    assert _title(writer_db) == "429 rate_limit_exceeded · Rate limit reached"


def test_writes_join_the_callers_transaction(writer_db: Database) -> None:
    with pytest.raises(RuntimeError), writer_db.atomic():
        record_hits(writer_db, [make_hit()])
        raise RuntimeError("the calls' insert failed")
    assert writer_db.table("error_groups").count == 0 and writer_db.table("error_group_counts").count == 0


def test_histograms_are_dense_and_aligned(writer_db: Database, reader_db: Database) -> None:
    start = NOW - 5 * HOUR  # NOW is midnight UTC, so hours line up with buckets
    record_hits(
        writer_db,
        [
            make_hit(at=start + 10),
            make_hit(at=start + 20),
            make_hit(at=start + 2 * HOUR + 5),
            make_hit("bbbb00000002", at=start + 4 * HOUR),
        ],
    )
    hourly = group_histogram(reader_db, "aaaa00000001", "hour", iso_utc(start), iso_utc(NOW - 1))
    assert hourly == [(iso_utc(start + h * HOUR), n) for h, n in enumerate([2, 0, 1, 0, 0])]
    daily = group_histogram(reader_db, "aaaa00000001", "day", iso_utc(NOW - 3 * DAY), iso_utc(NOW - 1))
    assert [count for _, count in daily] == [0, 0, 3]
    both = group_histograms(
        reader_db, ["aaaa00000001", "bbbb00000002", "cccc"], "hour", iso_utc(start), iso_utc(NOW - 1)
    )
    assert both == {"aaaa00000001": [2, 0, 1, 0, 0], "bbbb00000002": [0, 0, 0, 0, 1], "cccc": [0] * 5}


def test_list_groups_filters_by_status_as_of_now(writer_db: Database, reader_db: Database) -> None:
    record_hits(writer_db, [make_hit("aaaa00000001", at=NOW - 9 * DAY)])
    record_hits(writer_db, [make_hit("bbbb00000002", at=NOW - 2 * HOUR)])
    record_hits(writer_db, [make_hit("cccc00000003", at=NOW - HOUR)])
    record_hits(writer_db, [make_hit("dddd00000004", at=NOW - 30 * DAY)])
    update_group_state(writer_db, "bbbb00000002", partial(lifecycle.ignore, at=NOW - 2 * HOUR, for_s=HOUR))
    update_group_state(writer_db, "cccc00000003", partial(lifecycle.ignore, at=NOW - HOUR))
    update_group_state(writer_db, "dddd00000004", partial(lifecycle.resolve, at=NOW - 29 * DAY))

    def ids(**filters: object) -> list[str]:
        return [g.id for g in list_groups(reader_db, now=NOW, **filters)]  # type: ignore[arg-type]

    assert ids() == ["cccc00000003", "bbbb00000002", "aaaa00000001", "dddd00000004"]  # last seen first
    assert ids(status="unresolved") == ["bbbb00000002", "aaaa00000001"]  # b's one-hour ignore ran out
    assert ids(status="ignored") == ["cccc00000003"]
    assert ids(status="resolved") == ["dddd00000004"]
    assert ids(status="all", since_iso=iso_utc(NOW - DAY)) == ["cccc00000003", "bbbb00000002"]
    assert ids(limit=1) == ["cccc00000003"]
    aged = list_groups(reader_db, status="unresolved", now=NOW)[1]
    assert (aged.id, aged.substatus) == ("aaaa00000001", "ongoing")  # stored "new", read nine days on
    with pytest.raises(ValueError, match="unknown status"):
        list_groups(reader_db, status="open", now=NOW)


def test_find_group_id_by_prefix(writer_db: Database, reader_db: Database) -> None:
    record_hits(writer_db, [make_hit("3f9a0c12b7de"), make_hit("3f9b00000000"), make_hit("a1b2c3d4e5f6")])
    assert find_group_id(reader_db, "3f9a") == "3f9a0c12b7de"
    assert find_group_id(reader_db, " A1B2 ") == "a1b2c3d4e5f6"
    with pytest.raises(AmbiguousGroupId, match="several"):
        find_group_id(reader_db, "3f9")
    with pytest.raises(GroupNotFound, match="no error group"):
        find_group_id(reader_db, "ffff")
    with pytest.raises(GroupNotFound, match="not an error group id"):
        find_group_id(reader_db, "3f9a'; drop table calls")
    with pytest.raises(GroupNotFound):
        update_group_state(writer_db, "000000000000", partial(lifecycle.resolve, at=NOW))


def test_latest_events_and_breakdown_come_from_the_calls(writer_db: Database, reader_db: Database) -> None:
    rows = [
        make_row(id=f"c{n}", started_at=iso_utc(NOW - 100 + n), status_code=429, outcome="error",
                 error_group_id="aaaa00000001", model=model, error_message="Rate limit reached for <model>")
        for n, model in enumerate(["gpt-4o-mini", "gpt-4.1", "gpt-4o-mini"])
    ] + [make_row(id="other", error_group_id=None)]  # fmt: skip
    CallWriter(writer_db).write_calls(rows)
    events = latest_events(reader_db, "aaaa00000001", limit=2)
    assert [e.id for e in events] == ["c2", "c1"]
    assert events[0].error_message == "Rate limit reached for <model>" and events[0].status_code == 429
    assert group_breakdown(reader_db, "aaaa00000001", "model") == [("gpt-4o-mini", 2), ("gpt-4.1", 1)]
    assert group_breakdown(reader_db, "aaaa00000001", "upstream", iso_utc(NOW - 99)) == [("openai", 2)]
    with pytest.raises(ValueError, match="cannot break"):
        group_breakdown(reader_db, "aaaa00000001", "error_message; drop table calls")


def test_purge_keeps_48_hours_and_31_days_of_buckets(writer_db: Database) -> None:
    record_hits(writer_db, [make_hit(at=NOW - n * HOUR + 1) for n in range(1, 24 * 40, 5)])
    deleted = purge_group_buckets(writer_db, NOW)
    assert deleted > 0
    sql = "SELECT bucket FROM error_group_counts WHERE granularity = ? ORDER BY bucket"
    buckets = {g: [row[0] for row in writer_db.execute(sql, [g])] for g in ("hour", "day")}
    assert min(buckets["hour"]) >= iso_utc(NOW - 48 * HOUR) and min(buckets["day"]) >= iso_utc(NOW - 31 * DAY)
    # Today's bucket (empty here: NOW is midnight) and the 30 days before it are kept.
    assert max(buckets["hour"]) == iso_utc(NOW - HOUR) and buckets["day"][0] == iso_utc(NOW - 30 * DAY)
    assert writer_db.table("error_groups").count == 1  # groups stay; only old buckets go
    assert purge_group_buckets(writer_db, NOW) == 0


def _title(db: Database) -> str:
    title: str = db.execute("SELECT title FROM error_groups").fetchone()[0]
    return title


def test_tag_lists_are_capped(writer_db: Database) -> None:
    record_hits(writer_db, [make_hit(model=f"model-{n:03d}") for n in range(80)])
    models = json.loads(writer_db.execute("SELECT models FROM error_groups").fetchone()[0])
    assert len(models) == 50
