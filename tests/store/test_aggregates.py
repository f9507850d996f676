"""Aggregates for the Overview, Performance and Cost views, and the hourly rollup behind them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from sqlite_utils import Database

from lookout.core.clock import iso_utc, parse_iso
from lookout.store import aggregates as agg
from lookout.store import aggregates_models as agm
from lookout.store import rollup
from lookout.store.db import open_reader
from lookout.store.retention import RetentionPolicy, purge
from lookout.store.rollup_cells import EDGES, MAX_RELATIVE_ERROR, bucket_indices, histogram_percentiles
from lookout.store.writer import CallWriter
from tests.store.factories import NOW, make_row, mixed_calls

HOUR = 3600.0
DAY = 86_400.0


def _rollup_rows(db: Database) -> dict[tuple[str, str, str, str], dict[str, object]]:
    rows = db.query("SELECT * FROM call_rollup")
    return {(r["hour"], r["upstream"], r["model"], r["operation"]): r for r in rows}


def test_exact_kpis_on_a_short_range(writer: CallWriter, reader_db: Database) -> None:
    rows = [
        make_row(id="a", started_at=iso_utc(NOW - 600), latency_ms=100.0, input_tokens=10, output_tokens=1),
        make_row(id="b", started_at=iso_utc(NOW - 500), latency_ms=200.0, streamed=True, ttft_ms=50.0),
        make_row(id="c", started_at=iso_utc(NOW - 400), latency_ms=400.0, cost_usd=None),
        make_row(id="d", started_at=iso_utc(NOW - 300), outcome="error", latency_ms=5.0, cost_usd=None),
        make_row(id="e", started_at=iso_utc(NOW - 200), outcome="client_aborted", latency_ms=9.0),
        make_row(id="old", started_at=iso_utc(NOW - 1000), latency_ms=999.0),  # previous period
    ]
    writer.write_calls(rows)
    k = agg.kpis(reader_db, NOW - 900, NOW)
    assert (k.calls, k.errors, k.error_rate) == (5, 1, 0.2)
    assert k.latency_p50_ms == 200.0  # ok calls only: 100, 200, 400
    assert k.latency_p95_ms == pytest.approx(380.0)
    assert k.ttft_p50_ms == 50.0
    assert k.input_tokens == 10 + 4 * 1200 and k.output_tokens == 1 + 4 * 300
    assert k.tokens == k.input_tokens + k.output_tokens
    assert k.cost_usd == pytest.approx(3 * 0.00036)  # a, b, e priced; c and d not
    assert k.unpriced_calls == 1  # c: successful without a price; the failed d is not "unpriced"
    assert not k.approximate
    comparison = agg.compare_kpis(reader_db, NOW - 900, NOW)
    assert comparison.previous.calls == 1
    assert comparison.change("calls") == 4.0
    assert comparison.change("ttft_p50_ms") is None  # no streamed call before


def test_unknown_tokens_and_cost_are_none_not_zero(writer: CallWriter, reader_db: Database) -> None:
    writer.write_calls([make_row(input_tokens=None, output_tokens=None, cached_tokens=None, cost_usd=None)])
    for start, end in ((NOW - HOUR, NOW), (NOW - 3 * DAY, NOW + 0.5 * HOUR)):  # raw, and rollup + edges
        k = agg.kpis(reader_db, start, end)
        assert k.calls == 1
        assert (k.input_tokens, k.output_tokens, k.tokens, k.cost_usd) == (None, None, None, None)
        assert k.unpriced_calls == 1
    empty = agg.kpis(reader_db, NOW - 30 * DAY, NOW - 29 * DAY)
    assert (empty.calls, empty.error_rate, empty.latency_p50_ms, empty.cost_usd) == (0, None, None, None)


def test_long_ranges_match_raw_counts_and_stay_within_the_percentile_bound(
    writer: CallWriter, reader_db: Database
) -> None:
    rows = list(mixed_calls(6000, end=NOW, span_s=3 * DAY, seed=11))
    writer.write_calls(rows)
    start, end = NOW - 2.5 * DAY + 1234, NOW - 17  # partial first and last hours come from raw rows
    k = agg.kpis(reader_db, start, end)
    inside = [r for r in rows if iso_utc(start) <= r.started_at < iso_utc(end)]
    ok = np.array([r.latency_ms for r in inside if r.outcome == "ok"])
    assert k.approximate
    assert k.calls == len(inside)
    assert k.errors == sum(r.outcome not in ("ok", "client_aborted") for r in inside)
    assert k.cost_usd == pytest.approx(sum(r.cost_usd or 0 for r in inside))
    assert k.cached_tokens == sum(r.cached_tokens or 0 for r in inside)
    for estimate, q in ((k.latency_p50_ms, 50), (k.latency_p95_ms, 95)):
        assert estimate is not None
        assert abs(estimate / np.percentile(ok, q) - 1) <= MAX_RELATIVE_ERROR


def test_model_kpis_per_model_exact_then_approximate(writer: CallWriter, reader_db: Database) -> None:
    rows = list(mixed_calls(6000, end=NOW, span_s=3 * DAY, seed=13))
    writer.write_calls(rows)
    for start, end, approximate in ((NOW - 5 * HOUR, NOW, False), (NOW - 2.5 * DAY + 1234, NOW - 17, True)):
        found = agm.model_kpis(reader_db, start, end)
        inside = [r for r in rows if iso_utc(start) <= r.started_at < iso_utc(end)]
        assert [(m.upstream, m.model) for m in found] == sorted({(r.upstream, r.model) for r in inside})
        for row in found:
            mine = [r for r in inside if (r.upstream, r.model) == (row.upstream, row.model)]
            ok = np.array([r.latency_ms for r in mine if r.outcome == "ok"])
            k = row.kpis
            assert (k.calls, k.approximate) == (len(mine), approximate)
            assert k.errors == sum(r.outcome not in ("ok", "client_aborted") for r in mine)
            assert k.unpriced_calls == sum(r.outcome == "ok" and r.cost_usd is None for r in mine)
            priced = [r.cost_usd for r in mine if r.cost_usd is not None]
            assert k.cost_usd == (pytest.approx(sum(priced)) if priced else None)
            assert k.latency_p95_ms is not None
            bound = MAX_RELATIVE_ERROR if approximate else 1e-9
            assert abs(k.latency_p95_ms / np.percentile(ok, 95) - 1) <= bound


def test_filters_narrow_kpis_series_and_spend(writer: CallWriter, reader_db: Database) -> None:
    rows = list(mixed_calls(3000, end=NOW, span_s=3 * DAY, seed=17))
    writer.write_calls(rows)
    start = NOW - 2 * DAY - 600  # rollup hours plus raw edges
    inside = [r for r in rows if r.started_at >= iso_utc(start)]
    claude = [r for r in inside if r.model == "claude-haiku-4-5"]
    k = agg.kpis(reader_db, start, NOW, models=["claude-haiku-4-5"])
    assert k.calls == len(claude) and k.cost_usd == pytest.approx(sum(r.cost_usd or 0 for r in claude))
    only = agm.model_kpis(reader_db, start, NOW, models=["claude-haiku-4-5"])
    assert [(m.label, m.kpis) for m in only] == [("claude-haiku-4-5", k)]  # one model: the same figures
    anthropic = agg.compare_kpis(reader_db, NOW - HOUR, NOW, upstreams=["anthropic"])
    assert anthropic.current.calls == sum(
        r.upstream == "anthropic" for r in inside if r.started_at >= iso_utc(NOW - HOUR)
    )
    perf = agm.model_performance(reader_db, start, NOW, upstreams=["anthropic"])
    assert sorted(m.label for m in perf.models) == ["claude-haiku-4-5", "claude-sonnet-4-5"]
    assert sum(int(m.calls.sum()) for m in perf.models) == sum(r.upstream == "anthropic" for r in inside)
    spend = agm.spend_per_day(reader_db, start, NOW, upstreams=["openai"], models=["gpt-4.1"])
    assert list(spend.by_model) == ["gpt-4.1"]
    assert agg.kpis(reader_db, start, NOW, upstreams=["nowhere"]).calls == 0


def test_a_database_without_the_rollup_is_read_from_calls(writer: CallWriter, data_dir: Path) -> None:
    rows = list(mixed_calls(500, end=NOW, span_s=3 * DAY, seed=19))
    writer.write_calls(rows)
    writer.db.execute("DROP TABLE call_rollup")  # as a database from before the rollup was
    db = open_reader(data_dir)
    k = agg.kpis(db, NOW - 3 * DAY, NOW)
    db.close()
    ok = np.array([r.latency_ms for r in rows if r.outcome == "ok"])
    assert k.calls == 500 and not k.approximate
    assert k.latency_p50_ms == pytest.approx(np.percentile(ok, 50))


def test_histogram_percentiles_error_bound_on_lognormal_samples() -> None:
    rng = np.random.default_rng(5)
    for sigma in (0.2, 0.6, 1.5):
        values = rng.lognormal(6.5, sigma, 20_000)
        hist = np.bincount(bucket_indices(values), minlength=len(EDGES) - 1)
        estimates = histogram_percentiles(hist, (50, 90, 95, 99))[0]
        exact = np.percentile(values, (50, 90, 95, 99))
        errors = np.abs(estimates / exact - 1)
        assert errors.max() <= MAX_RELATIVE_ERROR
        assert errors.mean() < 0.02  # interpolation does much better than the worst case


def test_replacing_a_call_replaces_its_rollup_contribution(writer: CallWriter, reader_db: Database) -> None:
    row = make_row(id="same", started_at=iso_utc(NOW - 1800), latency_ms=100.0)
    writer.write_calls([row])
    writer.write_calls([replace(row, latency_ms=300.0, outcome="error", cost_usd=None)])
    stored = list(_rollup_rows(reader_db).values())
    assert len(stored) == 1
    assert (stored[0]["calls"], stored[0]["errors"], stored[0]["cost_usd"]) == (1, 1, 0.0)
    assert stored[0]["latency_hist"] is None  # the only call failed: no successful latency left


def test_migration_backfill_equals_incremental_rollup(writer: CallWriter, reader_db: Database) -> None:
    rows = list(mixed_calls(3000, end=NOW, span_s=DAY, seed=2))
    for batch in range(0, len(rows), 250):
        writer.write_calls(rows[batch : batch + 250])
    incremental = _rollup_rows(reader_db)
    with writer.db.atomic():
        rollup.rebuild(writer.db)
    assert _rollup_rows(reader_db) == incremental
    assert sum(r["calls"] for r in incremental.values()) == 3000


def test_call_rates_per_bucket(writer: CallWriter, reader_db: Database) -> None:
    rows = [make_row(id=f"r{i}", started_at=iso_utc(NOW - 3000 + i * 10)) for i in range(12)]  # 2 minutes
    rows.append(make_row(id="err", started_at=iso_utc(NOW - 3000), outcome="upstream_timeout"))
    writer.write_calls(rows)
    rates = agg.call_rates(reader_db, NOW - HOUR, NOW)
    assert rates.bucket_s == 60 and len(rates.starts) == 60
    minute = int((NOW - 3000 - rates.starts[0]) // 60)
    assert list(rates.calls_per_min[minute : minute + 2]) == [7.0, 6.0]
    assert rates.errors_per_min.sum() == 1.0


def test_model_performance_series(writer: CallWriter, reader_db: Database) -> None:
    rows = [
        make_row(
            id=f"m{i}", started_at=iso_utc(NOW - 1800 + i), latency_ms=float(100 * (i + 1)), output_tokens=50
        )
        for i in range(4)
    ]
    rows.append(
        make_row(
            id="s1",
            started_at=iso_utc(NOW - 1700),
            model="claude-haiku-4-5",
            upstream="anthropic",
            streamed=True,
            latency_ms=1000.0,
            ttft_ms=200.0,
            output_tokens=80,
        )
    )
    writer.write_calls(rows)
    perf = agm.model_performance(reader_db, NOW - HOUR, NOW)
    assert [m.label for m in perf.models] == ["gpt-4o-mini", "claude-haiku-4-5"]
    gpt, claude = perf.models
    bucket = int(np.flatnonzero(gpt.calls)[0])
    assert gpt.calls[bucket] == 4
    assert gpt.latency_p50_ms[bucket] == 250.0
    assert gpt.tokens_per_s[bucket] == pytest.approx(200 / 1.0)  # 4 x 50 tokens over 0.1+0.2+0.3+0.4 s
    assert np.isnan(gpt.ttft_p50_ms[bucket])
    claude_bucket = int(np.flatnonzero(claude.calls)[0])
    assert claude.ttft_p95_ms[claude_bucket] == 200.0
    assert claude.tokens_per_s[claude_bucket] == pytest.approx(80 / 0.8)  # generation starts at first token


def test_latency_histograms_by_operation_class(writer: CallWriter, reader_db: Database) -> None:
    writer.write_calls(list(mixed_calls(2000, end=NOW, span_s=DAY, seed=4)))
    classes = {c.operation_class: c for c in agm.latency_histograms(reader_db, NOW - DAY, NOW)}
    assert set(classes) == {"text", "embeddings", "image"}
    assert [m.label for m in classes["image"].models] == ["gpt-image-1"]
    image = classes["image"]
    assert len(image.edges) == len(image.models[0].counts) + 1
    assert image.edges[0] > 1000  # trimmed to where image latencies are (seconds)
    assert classes["embeddings"].edges[-1] < classes["image"].edges[0] * 10


def test_spend_per_day_usage_and_unpriced_list(writer: CallWriter, reader_db: Database) -> None:
    rows = [make_row(id=f"p{i}", started_at=iso_utc(NOW - (i + 0.5) * DAY), cost_usd=1.5) for i in range(3)]
    rows += [
        make_row(
            id="u1", started_at=iso_utc(NOW - 0.25 * DAY), upstream="ollama", model="llama3.2", cost_usd=None
        ),
        make_row(
            id="u2", started_at=iso_utc(NOW - 2.2 * DAY), upstream="ollama", model="llama3.2", cost_usd=None
        ),
    ]
    writer.write_calls(rows)
    spend = agm.spend_per_day(reader_db, NOW - 3 * DAY, NOW)
    assert list(spend.days) == [NOW - 3 * DAY, NOW - 2 * DAY, NOW - DAY]
    assert list(spend.by_model) == ["gpt-4o-mini"]  # llama3.2 has no priced spend to stack
    assert list(spend.by_model["gpt-4o-mini"]) == [1.5, 1.5, 1.5]
    assert list(spend.unpriced_calls) == [1, 0, 1]
    usage = {u.label: u for u in agm.usage_by_model(reader_db, NOW - 3 * DAY, NOW)}
    assert usage["llama3.2"].cost_usd is None and usage["llama3.2"].unpriced_calls == 2
    assert usage["gpt-4o-mini"].cost_usd == pytest.approx(4.5)
    listed = agm.unpriced_calls(reader_db, NOW - 3 * DAY, NOW)
    assert [c.id for c in listed] == ["u1", "u2"]  # newest first


def test_month_end_projection(writer: CallWriter, reader_db: Database) -> None:
    # NOW is 2026-11-28T00:00Z: November has 2 days left; $2/day for the last 7 days, $5 earlier.
    rows = [make_row(id=f"w{i}", started_at=iso_utc(NOW - (i + 0.5) * DAY), cost_usd=2.0) for i in range(7)]
    rows.append(make_row(id="early", started_at="2026-11-02T10:00:00.000Z", cost_usd=5.0))
    writer.write_calls(rows)
    projection = agm.project_month_end(reader_db, NOW)
    assert projection.month_start == NOW - 27 * DAY and projection.month_end == NOW + 3 * DAY
    assert projection.spent_usd == pytest.approx(19.0)
    assert projection.daily_rate_usd == pytest.approx(2.0)
    assert projection.projected_usd == pytest.approx(19.0 + 3 * 2.0)


def test_retention_drops_rollup_hours_with_old_calls(data_dir: Path, writer: CallWriter) -> None:
    writer.write_calls([make_row(id="old", started_at=iso_utc(NOW - 40 * DAY)), make_row(id="new")])
    purge(writer.db, RetentionPolicy(calls_max_age_s=30 * DAY), now=NOW)
    db = open_reader(data_dir)
    assert [key[0] for key in _rollup_rows(db)] == [iso_utc(NOW - HOUR)]
    db.close()


def test_bucket_sizes_grow_with_the_range() -> None:
    assert [agg.bucket_for(s) for s in (900, HOUR, 6 * HOUR, DAY, 7 * DAY, 30 * DAY)] == [
        60,
        60,
        300,
        HOUR,
        3 * HOUR,
        6 * HOUR,
    ]


@pytest.mark.parametrize(
    ("upstreams", "models"), [((), ()), (("anthropic",), ()), ((), ("gpt-4.1", "claude-haiku-4-5"))]
)
def test_long_range_kpis_added_up_in_sqlite_equal_the_cells_they_replace(
    writer: CallWriter, reader_db: Database, upstreams: tuple[str, ...], models: tuple[str, ...]
) -> None:
    writer.write_calls(list(mixed_calls(4000, end=NOW, span_s=3 * DAY, seed=23)))
    start, end = NOW - 2.5 * DAY + 1234, NOW - 17  # rollup hours and raw partial hours

    summed = agg.kpis(reader_db, start, end, upstreams=upstreams, models=models)
    cells = agg.load_cells(reader_db, start, end, slot_s=HOUR, upstreams=upstreams, models=models)
    (loaded,) = agg.kpis_by_group(cells, np.zeros(len(cells), np.int64), 1)

    assert summed.calls > 0 and summed.approximate
    assert replace(summed, cost_usd=None) == replace(loaded, cost_usd=None)
    assert summed.cost_usd == pytest.approx(loaded.cost_usd)


def test_call_rates_over_a_long_range_count_every_call_in_its_bucket(
    writer: CallWriter, reader_db: Database
) -> None:
    rows = list(mixed_calls(3000, end=NOW, span_s=3 * DAY, seed=29))
    writer.write_calls(rows)
    start, end = NOW - 2.5 * DAY + 1234, NOW - 17

    rates = agg.call_rates(reader_db, start, end)

    assert rates.bucket_s == HOUR
    minutes = agg.minutes_covered(rates.starts, rates.bucket_s, start, end)
    calls, errors = np.zeros(len(rates.starts)), np.zeros(len(rates.starts))
    for row in rows:
        if iso_utc(start) <= row.started_at < iso_utc(end):
            at = int((parse_iso(row.started_at) - rates.starts[0]) // HOUR)
            calls[at] += 1
            errors[at] += row.outcome not in ("ok", "client_aborted")
    assert np.allclose(rates.calls_per_min * minutes, calls)
    assert np.allclose(rates.errors_per_min * minutes, errors)


def test_rollup_hours_added_up_into_slots_equal_the_hourly_cells(
    writer: CallWriter, reader_db: Database
) -> None:
    writer.write_calls(list(mixed_calls(3000, end=NOW, span_s=3 * DAY, seed=31)))
    first, last = NOW - 3 * DAY, NOW  # NOW is on a 6-hour boundary
    hourly = rollup.load(reader_db, first, last)
    slots = rollup.load(reader_db, first, last, slot_s=6 * HOUR, fields=("calls", "gen_ms"))

    assert set(slots.counts) == {"calls"} and set(slots.sums) == {"gen_ms"}  # only what was asked for
    assert len(slots) == len(set(slots.keys)) < len(hourly) / 5
    assert all(key[0] % (6 * HOUR) == 0 for key in slots.keys)
    keys, group = agg.group_cells(hourly, lambda key: (key[0] // (6 * HOUR) * 6 * HOUR, *key[1:]))
    assert sorted(keys, key=str) == sorted(slots.keys, key=str)
    order = np.array([keys.index(key) for key in slots.keys])  # the hourly groups in slots' order
    hours = agg.Sums(hourly, group, len(keys))
    assert np.array_equal(hours.count("calls")[order], slots.counts["calls"])
    assert np.allclose(hours.nullable("gen_ms")[order], slots.sums["gen_ms"], equal_nan=True)
    for name in ("latency", "ttft"):
        merged = getattr(hourly, name).merged(group, len(keys))[order]
        assert np.array_equal(merged, getattr(slots, name).merged(np.arange(len(slots)), len(slots)))


def test_performance_over_a_month_equals_the_hourly_reads(writer: CallWriter, reader_db: Database) -> None:
    writer.write_calls(list(mixed_calls(4000, end=NOW, span_s=30 * DAY, seed=37)))
    start, end = NOW - 30 * DAY + 1234, NOW - 17  # partial first and last hours: raw edge cells

    perf, classes = agm.performance_and_histograms(reader_db, start, end)

    hourly = agm.model_performance(reader_db, start, end)
    assert (perf.bucket_s, perf.approximate) == (6 * HOUR, True)
    assert [m.label for m in perf.models] == [m.label for m in hourly.models]
    for ours, theirs in zip(perf.models, hourly.models, strict=True):
        for name in ("starts", "calls", "latency_p50_ms", "latency_p99_ms", "ttft_p95_ms", "tokens_per_s"):
            assert np.allclose(getattr(ours, name), getattr(theirs, name), equal_nan=True), name
    expected = agm.latency_histograms(reader_db, start, end)
    assert [(c.operation_class, [m.label for m in c.models]) for c in classes] == [
        (c.operation_class, [m.label for m in c.models]) for c in expected
    ]
    for ours_class, theirs_class in zip(classes, expected, strict=True):
        assert np.array_equal(ours_class.edges, theirs_class.edges)
        assert all(
            np.array_equal(a.counts, b.counts)
            for a, b in zip(ours_class.models, theirs_class.models, strict=True)
        )
