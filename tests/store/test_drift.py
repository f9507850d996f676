"""Drift storage on real SQLite files: unit windows and sampling, baselines, snapshots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from lookout.analysis.drift import Thresholds
from lookout.core.clock import iso_utc
from lookout.store.db import database_path
from lookout.store.drift import (
    as_snapshots,
    get_baseline,
    last_computed_at,
    latest_snapshots,
    list_baselines,
    matching_run,
    metric_drift,
    pin_baseline,
    resolve_windows,
    snapshot_history,
    snapshot_rows,
    unpin_baseline,
    write_snapshots,
)
from lookout.store.drift_windows import Unit, Windows, active_units, unit_drift, window_rows, window_values
from tests.store.factories import NOW, bulk_insert, make_row, unit_calls

DAY = 86_400.0
MINI = Unit("openai", "gpt-4o-mini", "chat")
SONNET = Unit("anthropic", "claude-sonnet-4-5", "chat")
NEW_SNAPSHOT = "claude-sonnet-4-5-20260301"
WINDOWS = Windows("7d", iso_utc(NOW - 8 * DAY), iso_utc(NOW - DAY), iso_utc(NOW - DAY), iso_utc(NOW))
WINDOWS_CURRENT = (WINDOWS.current_from, WINDOWS.current_to)
WINDOWS_BASELINE = (WINDOWS.baseline_from, WINDOWS.baseline_to)
NOW_ISO = iso_utc(NOW)
HOUR = 3600.0


def unit_fields(unit: Unit) -> dict[str, Any]:
    return {"upstream": unit.upstream, "model": unit.model, "operation": unit.operation}


def fill(data_dir: Path, unit: Unit, *, baseline: int, current: int, seed: int = 1, **shift: Any) -> None:
    """``baseline`` calls spread over the 7 days before the last one, ``current`` over the last day."""
    path = str(database_path(data_dir))
    fields = unit_fields(unit)
    start = NOW - 8 * DAY
    bulk_insert(path, unit_calls(baseline, start=start, step_s=7 * DAY / baseline, seed=seed, **fields))
    bulk_insert(
        path, unit_calls(current, start=NOW - DAY, step_s=DAY / current, seed=seed + 500, **fields, **shift)
    )


def test_a_window_is_counted_exactly_and_sampled_past_max_rows(
    writer_db: Database, reader_db: Database, data_dir: Path
) -> None:
    fill(data_dir, MINI, baseline=3000, current=100)
    fill(data_dir, SONNET, baseline=200, current=100, seed=2)
    whole = window_rows(reader_db, MINI, WINDOWS.baseline_from, WINDOWS.baseline_to, max_rows=5000)
    assert (whole.calls, whole.rows, whole.sampled) == (3000, 3000, False)
    sample = window_rows(reader_db, MINI, WINDOWS.baseline_from, WINDOWS.baseline_to, max_rows=500)
    assert sample.calls == 3000 and sample.sampled and 400 <= sample.rows <= 600
    again = window_rows(reader_db, MINI, WINDOWS.baseline_from, WINDOWS.baseline_to, max_rows=500)
    assert again.columns["latency_ms"].tolist() == sample.columns["latency_ms"].tolist()  # same draw
    # The sample spreads over the whole window, not its first rows.
    assert sample.columns["latency_ms"].tolist() != whole.columns["latency_ms"][: sample.rows].tolist()
    current = window_rows(reader_db, MINI, WINDOWS.current_from, WINDOWS.current_to, max_rows=5000)
    assert current.calls == 100 and set(current.columns["outcome"].tolist()) == {"ok"}


def test_the_sample_is_drawn_from_the_unit_index(reader_db: Database) -> None:
    from lookout.store import drift_windows

    plan = reader_db.execute(
        f"EXPLAIN QUERY PLAN {drift_windows._SAMPLE_SQL}", ["openai", None, None, "a", "b", 1]
    ).fetchall()
    assert "USING INDEX idx_calls_unit" in " ".join(str(step) for step in plan)


def test_null_model_and_operation_are_a_unit_of_their_own(
    writer_db: Database, reader_db: Database, data_dir: Path
) -> None:
    unknown = Unit("openai", None, None)
    fill(data_dir, unknown, baseline=40, current=40)
    fill(data_dir, MINI, baseline=40, current=60, seed=2)
    units = active_units(reader_db, WINDOWS)
    assert units == [(MINI, 60), (unknown, 40)]  # busiest first
    assert window_rows(reader_db, unknown, WINDOWS.current_from, WINDOWS.current_to, max_rows=99).calls == 40
    assert active_units(reader_db, WINDOWS, model="gpt-4o-mini") == [(MINI, 60)]
    assert active_units(reader_db, WINDOWS, upstream="anthropic") == []


def test_both_ways_of_finding_the_active_units_agree(
    writer_db: Database, reader_db: Database, data_dir: Path
) -> None:
    fill(data_dir, MINI, baseline=2000, current=30)
    fill(data_dir, SONNET, baseline=2000, current=20, seed=2)
    hour = Windows("7d", WINDOWS.baseline_from, WINDOWS.baseline_to, iso_utc(NOW - 3 * 3600), iso_utc(NOW))
    week = Windows("7d", WINDOWS.baseline_from, WINDOWS.baseline_to, iso_utc(NOW - 7 * DAY), iso_utc(NOW))
    # Three hours hold ~6 of the 4050 calls (walked by time); seven days ~3500 (the unit index is scanned).
    for windows in (hour, week):
        counts = [
            (unit, window_rows(reader_db, unit, windows.current_from, NOW_ISO, max_rows=9999).calls)
            for unit in (MINI, SONNET)
        ]
        assert active_units(reader_db, windows) == [(unit, calls) for unit, calls in counts if calls]
    assert sum(calls for _, calls in active_units(reader_db, hour)) < 10
    assert sum(calls for _, calls in active_units(reader_db, week)) > 3000


def test_windows_default_to_the_week_before_the_current_day(reader_db: Database) -> None:
    windows = resolve_windows(reader_db, now=NOW, current_s=DAY)
    assert windows == Windows(
        "7d", iso_utc(NOW - 8 * DAY), iso_utc(NOW - DAY), iso_utc(NOW - DAY), iso_utc(NOW)
    )
    short = resolve_windows(reader_db, now=NOW, current_s=6 * 3600, baseline="30d")
    assert short.baseline_from == iso_utc(NOW - 6 * 3600 - 30 * DAY) and short.baseline_name == "30d"
    with pytest.raises(ValueError, match="pinned baseline"):
        resolve_windows(reader_db, now=NOW, current_s=DAY, baseline="before-launch")


def test_pinned_baselines_are_stored_listed_used_and_deleted(
    writer_db: Database, reader_db: Database
) -> None:
    pinned = pin_baseline(
        writer_db, "before-prompt-v2", "2026-11-01T00:00:00.000Z", "2026-11-08T00:00:00.000Z",
        created_at=iso_utc(NOW), note="old system prompt",
    )  # fmt: skip
    pin_baseline(writer_db, "launch", "2026-10-01T00:00:00.000Z", "2026-10-02T00:00:00.000Z", created_at="x")
    assert [b.name for b in list_baselines(reader_db)] == ["launch", "before-prompt-v2"]
    assert get_baseline(reader_db, "before-prompt-v2") == pinned
    windows = resolve_windows(reader_db, now=NOW, current_s=DAY, baseline="before-prompt-v2")
    assert (windows.baseline_name, windows.baseline_from, windows.baseline_to) == (
        "before-prompt-v2",
        "2026-11-01T00:00:00.000Z",
        "2026-11-08T00:00:00.000Z",
    )
    assert unpin_baseline(writer_db, "launch") and not unpin_baseline(writer_db, "launch")
    assert [b.name for b in list_baselines(reader_db)] == ["before-prompt-v2"]


@pytest.mark.parametrize(
    ("name", "start", "end", "message"),
    [
        ("7d", "2026-11-01", "2026-11-02", "must start with a letter"),
        ("bad name", "2026-11-01", "2026-11-02", "must start with a letter"),
        ("ok", "2026-11-02", "2026-11-01", "must start before it ends"),
    ],
)
def test_bad_baselines_are_refused(
    writer_db: Database, name: str, start: str, end: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        pin_baseline(writer_db, name, start, end, created_at="now")


def test_snapshots_are_written_and_read_back_latest_and_over_time(
    writer_db: Database, reader_db: Database, data_dir: Path
) -> None:
    fill(data_dir, MINI, baseline=1400, current=400, slower=1.5)
    fill(data_dir, SONNET, baseline=1400, current=400, seed=2, swap_to=NEW_SNAPSHOT, swap_share=0.15)
    thresholds = Thresholds()
    drifts = [unit_drift(reader_db, unit, WINDOWS, thresholds, max_rows=1000) for unit in (MINI, SONNET)]
    earlier = iso_utc(NOW - 3600)
    write_snapshots(writer_db, snapshot_rows(earlier, drifts))
    write_snapshots(writer_db, snapshot_rows(iso_utc(NOW), drifts))
    assert last_computed_at(reader_db) == iso_utc(NOW)

    latest = latest_snapshots(reader_db)
    assert {s.computed_at for s in latest} == {iso_utc(NOW)}
    assert len(latest) == sum(len(d.metrics) for d in drifts)
    latency = next(s for s in latest if s.model == "gpt-4o-mini" and s.metric == "latency_ms")
    assert latency.severity in ("moderate", "major") and latency.kind == "numeric"
    assert latency.current_median is not None and latency.baseline_median is not None
    assert latency.current_median > latency.baseline_median and latency.change is not None
    assert latency.sampled and latency.baseline_calls == 1400 and 800 < latency.baseline_n < 1200
    assert (latency.baseline_from, latency.current_to, latency.baseline_name) == (
        WINDOWS.baseline_from,
        WINDOWS.current_to,
        "7d",
    )
    swap = next(
        s for s in latest_snapshots(reader_db, model="claude-sonnet-4-5") if s.metric == "response_model"
    )
    assert swap.severity == "major" and swap.detail["new"] == [NEW_SNAPSHOT]
    assert swap.detail["current"][NEW_SNAPSHOT] > 0.1 and swap.verdict.startswith("model swap")
    assert swap.p_adjusted is not None and swap.test == "z"

    history = snapshot_history(reader_db, "openai", "gpt-4o-mini", "chat", "latency_ms", iso_utc(NOW - DAY))
    assert [s.computed_at for s in history] == [earlier, iso_utc(NOW)]
    assert (
        snapshot_history(reader_db, "openai", "gpt-4o-mini", "chat", "latency_ms", iso_utc(NOW))
        == history[1:]
    )


def test_a_stored_row_reads_back_as_the_comparison_it_was_made_from(
    reader_db: Database, data_dir: Path
) -> None:
    fill(data_dir, MINI, baseline=1400, current=400, slower=1.5)
    fill(data_dir, SONNET, baseline=1400, current=400, seed=2, swap_to=NEW_SNAPSHOT, swap_share=0.15)
    fill(data_dir, Unit("ollama", "llama3.2", "chat"), baseline=10, current=40, seed=3)
    drifts = [unit_drift(reader_db, u, WINDOWS, Thresholds(), max_rows=1000) for u in (MINI, SONNET)]
    drifts.append(
        unit_drift(reader_db, Unit("ollama", "llama3.2", "chat"), WINDOWS, Thresholds(), max_rows=1000)
    )
    rows = as_snapshots(NOW_ISO, drifts)
    assert [metric_drift(row) for row in rows] == [metric for drift in drifts for metric in drift.metrics]
    kinds = {(row.kind, row.severity) for row in rows}
    assert {
        ("numeric", "major"),
        ("categorical", "major"),
        ("rate", "none"),
        ("numeric", "insufficient"),
    } <= kinds
    swap = next(row for row in rows if row.model == "claude-sonnet-4-5" and row.metric == "response_model")
    assert swap.swapped and not any(row.swapped for row in rows if row is not swap)


def test_a_run_matches_when_recent_and_over_the_same_windows(
    writer_db: Database, reader_db: Database, data_dir: Path
) -> None:
    fill(data_dir, MINI, baseline=200, current=100)
    assert matching_run(reader_db, WINDOWS, now=NOW, max_age_s=HOUR) is None  # nothing stored yet
    drift = unit_drift(reader_db, MINI, WINDOWS, Thresholds(), max_rows=1000)
    write_snapshots(writer_db, snapshot_rows(NOW_ISO, [drift]))

    def later(seconds: float, baseline: str = "7d", current_s: float = DAY) -> list[Any] | None:
        at = NOW + seconds
        windows = resolve_windows(reader_db, now=at, current_s=current_s, baseline=baseline)
        return matching_run(reader_db, windows, now=at, max_age_s=HOUR)

    assert later(0) == latest_snapshots(reader_db) and later(HOUR) is not None  # the windows roll on
    assert later(HOUR + 1) is None and later(-1) is None  # too old; from the future
    assert later(60, current_s=6 * HOUR) is None and later(60, baseline="30d") is None

    pin_baseline(writer_db, "launch", WINDOWS.baseline_from, WINDOWS.baseline_to, created_at=NOW_ISO)
    assert later(60, baseline="launch") is None  # another baseline's name, though the same dates
    pinned = resolve_windows(reader_db, now=NOW, current_s=DAY, baseline="launch")
    pinned_drift = unit_drift(reader_db, MINI, pinned, Thresholds(), max_rows=1000)
    write_snapshots(writer_db, snapshot_rows(iso_utc(NOW + 1), [pinned_drift]))
    assert later(HOUR, baseline="launch") is not None  # pinned dates do not roll
    pin_baseline(writer_db, "launch", WINDOWS.baseline_from, iso_utc(NOW - 2 * DAY), created_at=NOW_ISO)
    assert later(60, baseline="launch") is None  # re-pinned to other dates


def test_old_snapshots_go_in_the_same_write(writer_db: Database, reader_db: Database, data_dir: Path) -> None:
    fill(data_dir, MINI, baseline=100, current=100)
    drift = unit_drift(reader_db, MINI, WINDOWS, Thresholds(), max_rows=1000)
    write_snapshots(writer_db, snapshot_rows(iso_utc(NOW - 100 * DAY), [drift]))
    write_snapshots(writer_db, snapshot_rows(iso_utc(NOW), [drift]), keep_since=iso_utc(NOW - 90 * DAY))
    computed = {row[0] for row in reader_db.execute("SELECT computed_at FROM drift_snapshots")}
    assert computed == {iso_utc(NOW)}


def test_no_snapshots_yet_reads_as_empty(reader_db: Database) -> None:
    assert latest_snapshots(reader_db) == [] and last_computed_at(reader_db) is None


def test_window_values_are_a_numeric_metrics_values(
    writer_db: Database, reader_db: Database, data_dir: Path
) -> None:
    fill(data_dir, MINI, baseline=300, current=50)
    bulk_insert(str(database_path(data_dir)), iter([make_row(id="failed", outcome="error", latency_ms=5.0)]))
    values = window_values(reader_db, MINI, "latency_ms", *WINDOWS_CURRENT)
    assert (len(values.values), values.calls, values.sampled) == (50, 51, False)  # the failure is not timed
    assert values.values.min() > 5.0
    sampled = window_values(reader_db, MINI, "output_tokens", *WINDOWS_BASELINE, max_values=100)
    assert sampled.sampled and sampled.calls == 300 and 50 < len(sampled.values) < 150
    with pytest.raises(ValueError, match="not a numeric drift metric"):
        window_values(reader_db, MINI, "error_rate", *WINDOWS_CURRENT)
