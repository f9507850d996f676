"""Adapters from the analysis stores (error groups, alerts, drift, per-model aggregates) to report sections.

Each function reads through the owning store module's read functions
(:mod:`lookout.store.group_queries`, :mod:`lookout.store.alerts`,
:mod:`lookout.store.drift`, :mod:`lookout.store.aggregates_models`) and maps
the result to the report's model; no SQL here. A table an older database
lacks, or a range in which drift never ran, makes the section read "not
available" (see :func:`lookout.report.data.section`).

``--upstream``/``--model`` filters go to the aggregates, which read only those
calls; groups, alerts and drift findings tagged with other upstreams or models
are left out here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
from sqlite_utils import Database

from lookout.core.clock import iso_utc
from lookout.core.models import ErrorGroup
from lookout.report.model import (
    AlertRow,
    AlertsSection,
    Callout,
    Chart,
    DayCost,
    DriftFinding,
    DriftSection,
    ErrorsSection,
    GroupRow,
    Point,
    ReportOptions,
    SectionUnavailable,
    TimeSeries,
)
from lookout.store import aggregates_models, alerts, drift, group_queries, groups
from lookout.store.aggregates import Floats

GROUPS_READ = 1000  # groups seen in the range considered for the top list
HOURLY_HORIZON_S = 48 * 3600.0  # hourly group histograms are kept this long
DRIFT_SEVERITIES = ("major", "moderate")  # findings; "none" and "insufficient" are not


def errors_section(db: Database, options: ReportOptions) -> ErrorsSection:
    """The top groups by events in the range, new and regressed ones called out."""
    since, until = options.iso()
    at = options.end
    found = [
        group
        for group in group_queries.list_groups(db, since_iso=since, limit=GROUPS_READ, now=at)
        if group.first_seen < until and _matches(options, group.upstreams, group.models)
    ]
    granularity: groups.Granularity = "hour" if _hourly(options) else "day"
    counts = group_queries.group_histograms(db, [group.id for group in found], granularity, since, until)
    in_range = [(group, counts[group.id]) for group in found if sum(counts[group.id])]
    in_range.sort(key=lambda item: (-sum(item[1]), item[0].id))
    callouts = {group.id: _callout(group, since, until) for group, _ in in_range}
    rows = [
        GroupRow(
            id=group.id,
            title=group.title,
            status=group.status,
            substatus=group.substatus,
            count=sum(series),
            total_count=group.count,
            first_seen=group.first_seen,
            last_seen=group.last_seen,
            models=list(group.models),
            sparkline=series,
            callout=callouts[group.id],
        )
        for group, series in in_range[: options.top_groups]
    ]
    return ErrorsSection(
        groups=rows,
        total_groups=len(in_range),
        new_groups=sum(1 for value in callouts.values() if value == "new"),
        regressed_groups=sum(1 for value in callouts.values() if value == "regressed"),
    )


def alerts_section(db: Database, options: ReportOptions) -> AlertsSection:
    """Alerts opened in the range, and alerts resolved in it."""
    since, until = options.iso()
    found = [
        alert
        for alert in alerts.list_alerts(db, since_iso=since)
        if _matches(options, [alert.upstream] if alert.upstream else [], [alert.model] if alert.model else [])
    ]
    rows = [
        AlertRow(
            id=alert.id or 0,
            rule=alert.rule,
            subject=alert.subject,
            severity=alert.severity,
            status=alert.status,
            opened_at=alert.opened_at,
            resolved_at=alert.resolved_at,
            message=alert.message,
        )
        for alert in found
    ]
    return AlertsSection(
        raised=[row for row in rows if since <= row.opened_at < until],
        resolved=[row for row in rows if row.resolved_at is not None and since <= row.resolved_at < until],
    )


def drift_section(db: Database, options: ReportOptions) -> DriftSection:
    """The findings (moderate or major) among each unit's and metric's latest result within the range."""
    since, until = options.iso()
    snapshots = drift.snapshots_in_range(db, since, until)
    if not snapshots:
        raise SectionUnavailable("drift was not computed in this range (or its results were purged)")
    findings = [
        DriftFinding(
            upstream=snap.upstream,
            model=snap.model,
            metric=snap.metric,
            severity=snap.severity,
            summary=_drift_summary(snap),
            verdict=snap.verdict,
            change=snap.change,
            test=snap.test,
            p_value=snap.p_adjusted if snap.p_adjusted is not None else snap.p_value,
            computed_at=snap.computed_at,
        )
        for snap in snapshots
        if snap.severity in DRIFT_SEVERITIES and _matches(options, [snap.upstream], [snap.model])
    ]
    findings.sort(key=lambda finding: DRIFT_SEVERITIES.index(finding.severity))
    return DriftSection(findings)


def _drift_summary(snap: drift.Snapshot) -> str:
    """E.g. "gpt-4o-mini latency_ms +38 % (KS p=0.001)"."""
    subject = snap.model or snap.upstream
    change = f" {snap.change * 100:+.0f} %" if snap.change is not None else ""
    p_value = snap.p_adjusted if snap.p_adjusted is not None else snap.p_value
    test = f" ({snap.test.upper()}" + (f" p={p_value:.2g})" if p_value is not None else ")")
    return f"{subject} {snap.metric}{change}{test}"


def latency_charts(db: Database, options: ReportOptions) -> list[Chart]:
    """Latency p50/p95 per model over time, and TTFT p50 per model (streamed calls)."""
    models = aggregates_models.model_performance(
        db, options.start, options.end, upstreams=options.upstreams, models=options.models
    ).models
    latency = [
        _series(f"{series.label} {name}", series.label, dash, series.starts, values)
        for series in models
        for name, dash, values in _latency_lines(series)
    ]
    ttft = [
        _series(f"{series.label} p50", series.label, "solid", series.starts, series.ttft_p50_ms)
        for series in models
        if np.isfinite(series.ttft_p50_ms).any()
    ]
    charts = [Chart("latency", "Latency p50 (solid) and p95 (dashed) by model", "ms", "lines", latency)]
    if ttft:
        charts.append(Chart("ttft", "Time to first token p50 by model (streamed calls)", "ms", "lines", ttft))
    return charts


def _latency_lines(
    series: aggregates_models.ModelSeries,
) -> list[tuple[str, Literal["solid", "dash"], Floats]]:
    return [("p50", "solid", series.latency_p50_ms), ("p95", "dash", series.latency_p95_ms)]


def cost_by_day(db: Database, options: ReportOptions) -> list[DayCost]:
    """Priced spend per UTC day and model."""
    spend = aggregates_models.spend_per_day(
        db, options.start, options.end, upstreams=options.upstreams, models=options.models
    )
    return [
        DayCost(day=iso_utc(float(day))[:10], model=label, cost_usd=float(values[i]))
        for label, values in spend.by_model.items()
        for i, day in enumerate(spend.days)
    ]


def cost_charts(days: list[DayCost]) -> list[Chart]:
    """Spend per day stacked by model."""
    if not days:
        return []
    by_model: dict[str, list[Point]] = {}
    for day in days:
        by_model.setdefault(day.model or "unknown model", []).append(
            Point(f"{day.day}T00:00:00.000Z", day.cost_usd)
        )
    series = [TimeSeries(name, name, "solid", points) for name, points in by_model.items()]
    return [Chart("cost_by_day", "Spend per day (UTC) by model", "$", "stacked_bars", series)]


def _series(
    name: str, group: str, dash: Literal["solid", "dash"], starts: Floats, values: Floats
) -> TimeSeries:
    points = [
        Point(iso_utc(float(t)), float(v) if math.isfinite(float(v)) else None)
        for t, v in zip(starts, values, strict=True)
    ]
    return TimeSeries(name=name, group=group, dash=dash, points=points)


def _matches(options: ReportOptions, upstreams: Sequence[str | None], models: Sequence[str | None]) -> bool:
    """Whether something tagged with these upstreams and models passes the filters."""
    if options.upstreams and not set(options.upstreams) & set(upstreams):
        return False
    return not (options.models and not set(options.models) & set(models))


def _hourly(options: ReportOptions) -> bool:
    generated = options.generated_at if options.generated_at is not None else options.end
    return options.end - options.start <= 2 * 86_400 and options.start >= generated - HOURLY_HORIZON_S


def _callout(group: ErrorGroup, since: str, until: str) -> Callout | None:
    if since <= group.first_seen < until:
        return "new"
    changed = group.status_changed_at
    if group.substatus == "regressed" and changed is not None and since <= changed < until:
        return "regressed"
    return None
