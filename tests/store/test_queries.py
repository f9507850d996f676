"""Read queries: per-model stats, range iteration, counts and counters."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sqlite_utils import Database

from lookout.core.clock import iso_utc
from lookout.core.models import CallRow
from lookout.store.queries import call_columns, count_calls, counters, iter_calls, model_stats
from lookout.store.writer import CallWriter
from tests.store.factories import NOW, make_row

SINCE = iso_utc(NOW - 3600)


def at(offset_s: float) -> str:
    return iso_utc(NOW - 3600 + offset_s)


def rows_for(model: str | None, specs: list[dict[str, Any]], upstream: str = "openai") -> list[CallRow]:
    return [
        make_row(id=f"{upstream}-{model}-{i}", upstream=upstream, model=model, started_at=at(i), **spec)
        for i, spec in enumerate(specs)
    ]


def only(stats: list[Any], upstream: str, model: str | None) -> Any:
    (match,) = [s for s in stats if s.upstream == upstream and s.model == model]
    return match


def test_counts_errors_and_error_rate(writer: CallWriter, reader_db: Database) -> None:
    outcomes = ["ok", "ok", "error", "client_aborted", "upstream_timeout", "upstream_unreachable"]
    writer.write_calls(rows_for("gpt-4o", [{"outcome": o} for o in outcomes]))
    stats = only(model_stats(reader_db, since_iso=SINCE), "openai", "gpt-4o")
    assert stats.calls == 6
    assert stats.errors == 3, "client_aborted is not an error"
    assert stats.error_rate == pytest.approx(0.5)


def test_latency_percentiles_cover_successful_calls(writer: CallWriter, reader_db: Database) -> None:
    ok_latencies = [100.0, 200.0, 300.0, 400.0, 1000.0]
    specs: list[dict[str, Any]] = [{"latency_ms": v} for v in ok_latencies]
    specs += [{"latency_ms": 5.0, "outcome": "error"}, {"latency_ms": None}]
    writer.write_calls(rows_for("gpt-4o", specs))
    stats = only(model_stats(reader_db, since_iso=SINCE), "openai", "gpt-4o")
    assert stats.latency_p50_ms == pytest.approx(np.percentile(ok_latencies, 50))
    assert stats.latency_p95_ms == pytest.approx(np.percentile(ok_latencies, 95))


def test_ttft_median_uses_streamed_calls_only(writer: CallWriter, reader_db: Database) -> None:
    specs = [
        {"streamed": True, "ttft_ms": 50.0},
        {"streamed": True, "ttft_ms": 70.0},
        {"streamed": True, "ttft_ms": 90.0},
        {"streamed": False, "ttft_ms": 1.0},
    ]
    writer.write_calls(rows_for("gpt-4o", specs))
    writer.write_calls(rows_for("gpt-4o-mini", [{"streamed": False}]))
    stats = model_stats(reader_db, since_iso=SINCE)
    assert only(stats, "openai", "gpt-4o").ttft_p50_ms == pytest.approx(70.0)
    assert only(stats, "openai", "gpt-4o-mini").ttft_p50_ms is None


def test_unknown_tokens_and_costs_stay_unknown(writer: CallWriter, reader_db: Database) -> None:
    unknown = {"input_tokens": None, "output_tokens": None, "cost_usd": None}
    writer.write_calls(rows_for("llama3.2", [unknown, unknown], upstream="ollama"))
    writer.write_calls(
        rows_for(
            "gpt-4o",
            [
                {"input_tokens": 100, "output_tokens": 10, "cost_usd": 0.5},
                {"input_tokens": 50, "output_tokens": None, "cost_usd": None},
            ],
        )
    )
    stats = model_stats(reader_db, since_iso=SINCE)
    local = only(stats, "ollama", "llama3.2")
    assert (local.input_tokens, local.output_tokens, local.cost_usd) == (None, None, None)
    assert local.unpriced_calls == 2
    priced = only(stats, "openai", "gpt-4o")
    assert (priced.input_tokens, priced.output_tokens) == (150, 10)
    assert priced.cost_usd == pytest.approx(0.5)
    assert priced.unpriced_calls == 1


def test_groups_by_upstream_and_model_including_unknown_model(
    writer: CallWriter, reader_db: Database
) -> None:
    writer.write_calls(rows_for("gpt-4o", [{}], upstream="openrouter"))
    writer.write_calls(rows_for("gpt-4o", [{}, {}]))
    writer.write_calls(rows_for(None, [{"outcome": "upstream_unreachable"}]))
    stats = model_stats(reader_db, since_iso=SINCE)
    assert [(s.upstream, s.model, s.calls) for s in stats] == [
        ("openai", "gpt-4o", 2),
        ("openai", None, 1),
        ("openrouter", "gpt-4o", 1),
    ]
    unknown = only(stats, "openai", None)
    assert unknown.latency_p50_ms is None and unknown.error_rate == 1.0


def test_range_is_since_inclusive_until_exclusive(writer: CallWriter, reader_db: Database) -> None:
    writer.write_calls([make_row(id=str(i), started_at=at(i)) for i in range(5)])
    since, until = at(1), at(3)
    assert [r["id"] for r in iter_calls(reader_db, since_iso=since, until_iso=until)] == ["1", "2"]
    assert count_calls(reader_db, since_iso=since, until_iso=until) == 2
    assert model_stats(reader_db, since_iso=since, until_iso=until)[0].calls == 2
    assert count_calls(reader_db) == 5
    assert model_stats(reader_db, since_iso=at(10)) == []


def test_iter_calls_is_ordered_lazy_and_typed(writer: CallWriter, reader_db: Database) -> None:
    rows = [make_row(id=f"x{i}", started_at=at(10 - i), streamed=i % 2 == 0) for i in range(4)]
    writer.write_calls(rows)
    calls = iter_calls(reader_db, since_iso=SINCE)
    assert iter(calls) is calls
    listed = list(calls)
    assert [r["id"] for r in listed] == ["x3", "x2", "x1", "x0"]
    assert [r["streamed"] for r in listed] == [False, True, False, True]
    assert list(listed[0]) == call_columns(reader_db)


def test_counters_read_back(writer: CallWriter, reader_db: Database) -> None:
    assert counters(reader_db) == {}
    writer.add_counters({"dropped_records": 4})
    assert counters(reader_db) == {"dropped_records": 4}
