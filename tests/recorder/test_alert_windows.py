"""The alerting step's in-memory windows agree with the database they mirror."""

from __future__ import annotations

from pathlib import Path

from lookout.analysis.alert_rules import CallBucket, RecentCall
from lookout.core.alerts_config import Scope
from lookout.core.clock import iso_utc
from lookout.recorder.alert_windows import RecentCalls
from lookout.store.alert_inputs import call_buckets, group_counts, recent_calls
from lookout.store.db import open_writer
from lookout.store.writer import CallWriter
from tests.store.factories import NOW, mixed_calls

CHAT = Scope("openai", "gpt-4o-mini", "chat")


def by_key(buckets: list[CallBucket]) -> dict[tuple[Scope, float], tuple[object, ...]]:
    """Buckets comparable across the two paths (SQLite prints floats with 15 significant digits)."""
    return {
        (b.scope, b.start): (
            b.calls, b.errors, round(b.cost_usd or 0.0, 9),
            sorted(round(v, 6) for v in b.latencies_ms), sorted(round(v, 6) for v in b.ttfts_ms),
        )
        for b in buckets
    }  # fmt: skip


def test_folding_rows_in_matches_reading_them_back(tmp_path: Path) -> None:
    rows = list(mixed_calls(600, end=NOW, span_s=1800))
    for n, row in enumerate(rows):
        if row.outcome == "error":
            row.error_group_id = f"g{n % 3}"
    db = open_writer(tmp_path)
    CallWriter(db).write_calls(rows)
    since = iso_utc(NOW - 3600)

    folded = RecentCalls(keep_s=3600, streak=5)
    folded.add(rows)
    seeded = RecentCalls(keep_s=3600, streak=5)
    scopes = {b.scope for b in call_buckets(db, since)}
    seeded.seed(
        call_buckets(db, since), group_counts(db, since), recent_calls(db, scopes, limit=5, since_iso=since)
    )

    assert by_key(folded.buckets()) == by_key(seeded.buckets()) == by_key(call_buckets(db, since))
    titles = dict.fromkeys(folded.group_ids())
    assert sorted(folded.group_counts(titles), key=repr) == sorted(seeded.group_counts(titles), key=repr)
    assert folded.latest(scopes) == seeded.latest(scopes)
    db.close()


def test_old_buckets_are_pruned_and_latest_outcomes_are_newest_first() -> None:
    windows = RecentCalls(keep_s=900, streak=3)
    windows.seed(
        [CallBucket(CHAT, NOW - 3600, 5, 5), CallBucket(CHAT, NOW - 60, 2, 0)],
        [],
        {CHAT: [RecentCall("ok"), RecentCall("error", 500)]},
    )
    windows.prune(NOW)
    assert [b.start for b in windows.buckets()] == [NOW - 60]
    assert windows.latest([CHAT])[CHAT] == [RecentCall("ok"), RecentCall("error", 500)]
    assert windows.latest([Scope("x")]) == {Scope("x"): []}
