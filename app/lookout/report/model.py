"""The report's data model: what a report says, as frozen dataclasses with no Qt and no IO.

A :class:`Report` is assembled by :func:`lookout.report.data.build_report` and
rendered by the writers in :mod:`lookout.report.write`. Every text in it has
been through the redactor a second time (:mod:`lookout.report.scrub`), so a
renderer may print any field as is.

A section whose source is missing (an analysis this build or this database
does not have) is an :class:`Unavailable` with a reason, never an error: the
rest of the report still renders. Times are storage timestamps (ISO-8601 UTC
with milliseconds); money is USD; ``None`` means unknown, never zero.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from lookout.core.clock import iso_utc, parse_duration

if TYPE_CHECKING:
    from lookout.report.scrub import Scrubber

FORMAT_VERSION = 1
# (message, fraction done in 0..1), called from whatever thread does the work.
Progress = Callable[[str, float], None]
KpiUnit = Literal["count", "ratio", "ms", "tokens", "usd"]
Callout = Literal["new", "regressed"]


def no_progress(message: str, fraction: float) -> None:
    """The default progress callback: says nothing."""


class SectionUnavailable(Exception):
    """Raised by a section builder whose source is missing; the message is shown to the reader."""


@dataclass(frozen=True, slots=True)
class Unavailable:
    """A section that could not be assembled, and why (shown as "not available")."""

    reason: str


@dataclass(frozen=True, slots=True)
class ReportOptions:
    """What to report on: ``[start, end)`` in epoch seconds, optional filters, and extras.

    ``upstreams``/``models`` empty means all. ``generated_at`` is the clock the
    report is stamped with (tests pass it; ``None`` means now, at build time).
    """

    start: float
    end: float
    upstreams: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    include_bodies: bool = False
    bodies_per_group: int = 3
    top_groups: int = 10
    show_hosts: bool = False
    generated_at: float | None = None
    range_label: str = "custom"

    def __post_init__(self) -> None:
        if not self.start < self.end:
            raise ValueError(
                f"the report range is empty: {iso_utc(self.start)} is not before {iso_utc(self.end)}"
            )
        if self.bodies_per_group < 1 or self.top_groups < 1:
            raise ValueError("bodies per group and top groups must be at least 1")

    @classmethod
    def last(cls, duration: str, *, at: float, **extras: Any) -> ReportOptions:
        """The ``duration`` (``7d``, ``24h``…) ending at ``at``; ``extras`` are the other fields."""
        span = parse_duration(duration)
        return cls(start=at - span, end=at, range_label=f"last {duration.strip()}", **extras)

    @classmethod
    def between(cls, start: float, end: float, **extras: Any) -> ReportOptions:
        """The range ``[start, end)`` (epoch seconds), labelled by its UTC dates when it spans several."""
        first, last = iso_utc(start)[:10], iso_utc(end)[:10]
        return cls(
            start=start, end=end, range_label=f"{first} to {last}" if first != last else "custom", **extras
        )

    @property
    def previous(self) -> tuple[float, float]:
        """The period of the same length just before this one, for "vs previous" figures."""
        return self.start - (self.end - self.start), self.start

    def iso(self) -> tuple[str, str]:
        return iso_utc(self.start), iso_utc(self.end)


@dataclass(frozen=True, slots=True)
class UpstreamHost:
    """An upstream's base URL: listed only when the user asked for hosts (``--show-hosts``)."""

    name: str
    url: str


@dataclass(frozen=True, slots=True)
class Header:
    title: str
    range_label: str
    range_from: str
    range_to: str
    previous_from: str
    previous_to: str
    generated_at: str
    lookout_version: str
    upstreams: list[str]  # covered: seen in the range, after filters
    models: list[str]
    filter_upstreams: list[str]
    filter_models: list[str]
    redaction_mode: str
    redaction_operators: list[str]  # "default: replace", "EMAIL_ADDRESS: hash"
    retention_calls: str
    retention_payloads: str
    retention_max_db_mb: int
    # Only with --show-hosts: the user asked for them, so they are not re-redacted.
    hosts: list[UpstreamHost] = field(default_factory=list, metadata={"verbatim": True})


@dataclass(frozen=True, slots=True)
class Kpi:
    """One headline figure, the same figure over the previous period, and the relative change."""

    key: str
    label: str
    unit: KpiUnit
    value: float | None
    previous: float | None
    change: float | None  # (value - previous) / previous; None when either is unknown or previous is 0
    approximate: bool  # a percentile estimated from the hourly rollup's histograms (shown with "≈")


@dataclass(frozen=True, slots=True)
class Summary:
    kpis: list[Kpi]


@dataclass(frozen=True, slots=True)
class ModelRow:
    """Per (upstream, model) figures over the range."""

    upstream: str
    model: str | None
    calls: int
    errors: int
    error_rate: float
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    ttft_p50_ms: float | None
    input_tokens: int | None
    output_tokens: int | None
    cost_usd: float | None
    unpriced_calls: int
    approximate: bool  # the percentiles were estimated from the hourly rollup (shown with "≈")


@dataclass(frozen=True, slots=True)
class Point:
    t: str
    value: float | None


@dataclass(frozen=True, slots=True)
class TimeSeries:
    """One line of a chart. Series of one ``group`` (a model) share a colour; ``dash`` tells p50 from p95."""

    name: str
    group: str | None
    dash: Literal["solid", "dash", "dot"]
    points: list[Point]


@dataclass(frozen=True, slots=True)
class Chart:
    """The data of one chart; :mod:`lookout.report.render_qt` draws it with the app's chart code."""

    key: str
    title: str
    unit: str  # "ms", "$", "calls"
    kind: Literal["lines", "stacked_bars"]
    series: list[TimeSeries]


@dataclass(frozen=True, slots=True)
class LatencySection:
    models: list[ModelRow]
    charts: list[Chart] | Unavailable


@dataclass(frozen=True, slots=True)
class GroupRow:
    id: str
    title: str
    status: str
    substatus: str | None
    count: int  # events in the range
    total_count: int
    first_seen: str
    last_seen: str
    models: list[str]
    sparkline: list[int]  # events per bucket across the range
    callout: Callout | None


@dataclass(frozen=True, slots=True)
class ErrorsSection:
    groups: list[GroupRow]
    total_groups: int
    new_groups: int
    regressed_groups: int


@dataclass(frozen=True, slots=True)
class DriftFinding:
    upstream: str
    model: str | None
    metric: str
    severity: str
    summary: str  # e.g. "gpt-4o-mini p95 latency +38 % (KS p=0.001)"
    verdict: str
    change: float | None
    test: str | None
    p_value: float | None
    computed_at: str


@dataclass(frozen=True, slots=True)
class DriftSection:
    findings: list[DriftFinding]


@dataclass(frozen=True, slots=True)
class AlertRow:
    id: int
    rule: str
    subject: str
    severity: str
    status: str
    opened_at: str
    resolved_at: str | None
    message: str


@dataclass(frozen=True, slots=True)
class AlertsSection:
    raised: list[AlertRow]  # opened in the range
    resolved: list[AlertRow]  # resolved in the range


@dataclass(frozen=True, slots=True)
class DayCost:
    day: str  # YYYY-MM-DD (UTC)
    model: str | None
    cost_usd: float | None


@dataclass(frozen=True, slots=True)
class CostSection:
    total_usd: float | None
    priced_calls: int
    unpriced_calls: int
    by_model: list[ModelRow]
    by_day: list[DayCost] | Unavailable
    charts: list[Chart]


@dataclass(frozen=True, slots=True)
class Count:
    name: str
    count: int


@dataclass(frozen=True, slots=True)
class AuditSection:
    """What redaction did to the calls in the range, and the engine's all-time drop counters."""

    entities: list[Count]  # entity type -> spans redacted
    payloads: int  # calls in the range with a payload row
    bodies_stored: int
    metadata_only: list[Count]  # reason -> calls stored without bodies
    calls_without_payload: int  # e.g. payload dropped by the engine, or purged by retention
    redaction_failures: int  # in the range: failed or over budget, so stored metadata-only
    counters: list[Count]  # since the database was created


@dataclass(frozen=True, slots=True)
class ExampleCall:
    group_id: str
    call_id: str
    started_at: str
    model: str | None
    status_code: int | None
    outcome: str
    request_body: str | None
    response_body: str | None
    note: str | None  # why a body is missing or shortened


@dataclass(frozen=True, slots=True)
class ExamplesSection:
    per_group: int
    calls: list[ExampleCall]


Section = (
    Summary
    | LatencySection
    | ErrorsSection
    | DriftSection
    | AlertsSection
    | CostSection
    | AuditSection
    | ExamplesSection
)


@dataclass(frozen=True, slots=True)
class ReportContext:
    """What a writer needs beyond the data (streaming the calls table). Never rendered."""

    options: ReportOptions
    data_dir: Path
    scrubber: Scrubber


@dataclass(frozen=True, slots=True)
class Report:
    header: Header
    summary: Summary
    latency: LatencySection
    errors: ErrorsSection | Unavailable
    drift: DriftSection | Unavailable
    alerts: AlertsSection | Unavailable
    cost: CostSection | Unavailable
    audit: AuditSection | Unavailable
    examples: ExamplesSection | Unavailable | None  # None: bodies were not asked for
    context: ReportContext = field(repr=False, compare=False, metadata={"internal": True})
    format_version: int = FORMAT_VERSION
