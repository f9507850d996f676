"""Report sections built from the store's aggregates: summary KPIs and the per-model rows.

Mapping only: the figures come from :mod:`lookout.store.aggregates` (KPIs of
the range and of the previous period) and :mod:`lookout.store.aggregates_models`
(per-model KPIs), read by :mod:`lookout.report.data`; no SQL of its own.
"""

from __future__ import annotations

from collections.abc import Sequence

from lookout.report.model import Kpi, KpiUnit, ModelRow, Summary
from lookout.store.aggregates import KpiComparison
from lookout.store.aggregates_models import ModelKpis

# (key, label, unit, the Kpis field): the summary's figures, in order.
SUMMARY_FIGURES: tuple[tuple[str, str, KpiUnit, str], ...] = (
    ("calls", "Calls", "count", "calls"),
    ("error_rate", "Error rate", "ratio", "error_rate"),
    ("latency_p50_ms", "Latency p50", "ms", "latency_p50_ms"),
    ("latency_p95_ms", "Latency p95", "ms", "latency_p95_ms"),
    ("ttft_p50_ms", "TTFT p50", "ms", "ttft_p50_ms"),
    ("tokens", "Tokens", "tokens", "tokens"),
    ("spend_usd", "Spend", "usd", "cost_usd"),
)


def summary(comparison: KpiComparison) -> Summary:
    """The headline KPIs, each against the previous period; percentiles flagged when estimated."""
    now, before = comparison.current, comparison.previous
    kpis = []
    for key, label, unit, field in SUMMARY_FIGURES:
        value = getattr(now, field)
        approximate = unit == "ms" and value is not None and now.approximate  # counts and sums are exact
        kpis.append(kpi(key, label, unit, value, getattr(before, field), approximate))
    return Summary(kpis)


def model_rows(rows: Sequence[ModelKpis]) -> list[ModelRow]:
    return [
        ModelRow(
            upstream=row.upstream,
            model=row.model,
            calls=row.kpis.calls,
            errors=row.kpis.errors,
            error_rate=row.kpis.error_rate or 0.0,
            latency_p50_ms=row.kpis.latency_p50_ms,
            latency_p95_ms=row.kpis.latency_p95_ms,
            ttft_p50_ms=row.kpis.ttft_p50_ms,
            input_tokens=row.kpis.input_tokens,
            output_tokens=row.kpis.output_tokens,
            cost_usd=row.kpis.cost_usd,
            unpriced_calls=row.kpis.unpriced_calls,
            approximate=row.kpis.approximate,
        )
        for row in rows
    ]


def kpi(
    key: str, label: str, unit: KpiUnit, value: float | None, previous: float | None, approximate: bool
) -> Kpi:
    change = None
    if value is not None and previous:
        change = (value - previous) / previous
    return Kpi(key, label, unit, value, previous, change, approximate)
