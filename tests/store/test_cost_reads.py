"""The Cost view's one-pass reads give the same figures as the per-figure queries they replace."""

from __future__ import annotations

import math
from dataclasses import asdict

import numpy as np
import pytest
from sqlite_utils import Database

from lookout.core.clock import iso_utc
from lookout.store import aggregates_models as agm
from lookout.store.cost_reads import cost_summary, month_projection
from lookout.store.writer import CallWriter
from tests.store.factories import NOW, make_row, mixed_calls

HOUR = 3600.0
DAY = 86_400.0


@pytest.mark.parametrize(
    ("span_s", "period_s", "offset_s"),
    [(3 * HOUR, HOUR, 0.0), (DAY + 1234.5, HOUR, 19_800.0), (9 * DAY + 77.0, DAY, -25_200.0)],
)
def test_summary_matches_spend_per_day_and_usage_by_model(
    writer: CallWriter, reader_db: Database, span_s: float, period_s: float, offset_s: float
) -> None:
    writer.write_calls(list(mixed_calls(3000, end=NOW, span_s=10 * DAY, seed=5)))
    start, end = NOW - span_s - 900.0, NOW - 900.0  # partial first and last hours
    summary = cost_summary(reader_db, start, end, utc_offset_s=offset_s, period_s=period_s)
    spend = agm.spend_per_day(reader_db, start, end, utc_offset_s=offset_s, period_s=period_s)
    assert np.array_equal(summary.spend.days, spend.days)
    assert list(summary.spend.by_model) == list(spend.by_model)
    for model, values in spend.by_model.items():
        assert np.allclose(summary.spend.by_model[model], values)
    assert np.array_equal(summary.spend.unpriced_calls, spend.unpriced_calls)
    usage = agm.usage_by_model(reader_db, start, end)
    assert len(summary.usage) == len(usage) > 3
    for got, want in zip(summary.usage, usage, strict=True):
        got_fields, want_fields = asdict(got), asdict(want)
        got_cost, want_cost = got_fields.pop("cost_usd"), want_fields.pop("cost_usd")
        assert got_fields == want_fields
        assert (got_cost is None) == (want_cost is None)
        assert got_cost is None or math.isclose(got_cost, want_cost, rel_tol=1e-9)


@pytest.mark.parametrize(
    ("now", "offset_s"),
    [
        (NOW - 1800.0, 0.0),  # late in a month, inside an hour
        (NOW + 3 * DAY + 600.0, 0.0),  # the first hour of a month (2026-12-01)
        (NOW + 3 * DAY + 600.0, 19_800.0),  # a half-hour offset: the month starts mid-hour
        (NOW + 2 * DAY + 18.5 * HOUR + 600.0, 19_800.0),  # ... 10 minutes ago, inside this hour
        (NOW - 5 * DAY, -25_200.0),
    ],
)
def test_projection_matches_project_month_end(
    writer: CallWriter, reader_db: Database, now: float, offset_s: float
) -> None:
    writer.write_calls(list(mixed_calls(3000, end=NOW + 4 * DAY, span_s=40 * DAY, seed=9)))
    got = month_projection(reader_db, now, utc_offset_s=offset_s)
    want = agm.project_month_end(reader_db, now, utc_offset_s=offset_s)
    assert (got.month_start, got.month_end, got.unpriced_calls) == (
        want.month_start,
        want.month_end,
        want.unpriced_calls,
    )
    for field in ("spent_usd", "daily_rate_usd", "projected_usd"):
        assert math.isclose(getattr(got, field), getattr(want, field), rel_tol=1e-9), field


def test_projection_of_known_spend(writer: CallWriter, reader_db: Database) -> None:
    # NOW is 2026-11-28T00:00Z. $1 a day for the last 10 days (3 of them before the 7-day basis),
    # one failed priced call and two unpriced successful calls this month.
    rows = [make_row(id=f"d{i}", started_at=iso_utc(NOW - (i + 0.5) * DAY), cost_usd=1.0) for i in range(10)]
    rows += [
        make_row(id="u1", started_at=iso_utc(NOW - 120), model="llama3.2", cost_usd=None),
        make_row(id="u2", started_at=iso_utc(NOW - 3 * HOUR), model="llama3.2", cost_usd=None),
        make_row(id="x", started_at=iso_utc(NOW - 60), outcome="error", cost_usd=None),
    ]
    writer.write_calls(rows)
    got = month_projection(reader_db, NOW - 30.0)
    assert got.spent_usd == pytest.approx(10.0)
    assert got.daily_rate_usd == pytest.approx(1.0)
    # Three days and 30 s are left of November at $1 a day.
    assert got.projected_usd == pytest.approx(10.0 + (3 * DAY + 30.0) / DAY)
    assert got.unpriced_calls == 2
