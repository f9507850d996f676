"""The Markdown format: for pasting into an issue tracker. Tables and a summary, no links, no images.

Cell text is escaped so that redaction placeholders such as ``<EMAIL_ADDRESS>``
stay visible (an unescaped ``<…>`` is swallowed as an HTML tag) and a ``|`` in
an error title cannot break a table. Bodies go in fenced code blocks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from typing import TextIO, TypeVar

from lookout.report import fmt
from lookout.report.model import (
    AlertRow,
    AlertsSection,
    AuditSection,
    CostSection,
    DriftSection,
    ErrorsSection,
    ExamplesSection,
    Header,
    LatencySection,
    Report,
    Summary,
    Unavailable,
)

_SPECIAL = re.compile(r"([\\`*<>\[\]|])")
S = TypeVar("S")


def write_markdown(report: Report, out: TextIO) -> None:
    out.write("\n".join(markdown_lines(report)))
    out.write("\n")


def markdown_lines(report: Report) -> Iterator[str]:
    yield from _header(report.header)
    yield from _summary(report.summary)
    yield from _latency(report.latency)
    yield from _section("Errors", report.errors, _errors)
    yield from _section("Drift", report.drift, _drift)
    yield from _section("Alerts", report.alerts, _alerts)
    yield from _section("Cost", report.cost, _cost)
    yield from _section("Redaction audit", report.audit, _audit)
    if report.examples is not None:
        yield from _section("Example failures", report.examples, _examples)


def escape(text: str) -> str:
    """``text`` safe inside a Markdown table cell or paragraph."""
    return _SPECIAL.sub(r"\\\1", text).replace("\r", " ").replace("\n", " ")


def table(headings: Sequence[str], rows: Sequence[Sequence[str]]) -> Iterator[str]:
    yield "| " + " | ".join(escape(h) for h in headings) + " |"
    yield "|" + "|".join("---" for _ in headings) + "|"
    for row in rows:
        yield "| " + " | ".join(escape(cell) for cell in row) + " |"
    yield ""


def _section(title: str, value: S | Unavailable, render: Callable[[S], Iterator[str]]) -> Iterator[str]:
    yield f"## {title}"
    yield ""
    if isinstance(value, Unavailable):
        yield f"_Not available: {escape(value.reason)}._"
        yield ""
        return
    yield from render(value)


def _header(header: Header) -> Iterator[str]:
    yield f"# {escape(header.title)}: {fmt.when(header.range_from)} to {fmt.when(header.range_to)}"
    yield ""
    rows = [
        (
            "Range",
            f"{header.range_label}, compared with "
            f"{fmt.when(header.previous_from)} to {fmt.when(header.previous_to)}",
        ),
        ("Upstreams", ", ".join(header.upstreams) or "none"),
        ("Models", ", ".join(header.models) or "none"),
        ("Generated", f"{fmt.when(header.generated_at)} by Lookout {header.lookout_version}"),
        ("Redaction", f"{header.redaction_mode}; operators {', '.join(header.redaction_operators)}"),
        (
            "Retention",
            f"calls {header.retention_calls}, bodies {header.retention_payloads}, "
            f"database cap {header.retention_max_db_mb} MB",
        ),
    ]
    if header.filter_upstreams or header.filter_models:
        filters = ", ".join([*header.filter_upstreams, *header.filter_models])
        rows.insert(1, ("Filtered to", filters))
    rows += [(f"Host of {host.name}", host.url) for host in header.hosts]
    yield from table(("", ""), rows)


def _summary(summary: Summary) -> Iterator[str]:
    yield "## Summary"
    yield ""
    for item in summary.kpis:
        yield f"- **{escape(item.label)}**: {fmt.kpi_value(item)} ({fmt.change(item)})"
    yield ""
    if any(item.approximate for item in summary.kpis):
        yield f"_{escape(fmt.APPROXIMATE_NOTE)}_"
        yield ""


def _latency(latency: LatencySection) -> Iterator[str]:
    yield "## Latency and TTFT"
    yield ""
    rows = [
        (
            row.upstream,
            fmt.model_name(row.model),
            fmt.count(row.calls),
            fmt.ratio(row.error_rate),
            fmt.ms(row.latency_p50_ms, row.approximate),
            fmt.ms(row.latency_p95_ms, row.approximate),
            fmt.ms(row.ttft_p50_ms, row.approximate),
        )
        for row in latency.models
    ]
    yield from table(("Upstream", "Model", "Calls", "Errors", "p50", "p95", "TTFT p50"), rows)
    if any(row.approximate for row in latency.models):
        yield f"_{escape(fmt.APPROXIMATE_NOTE)}_"
        yield ""
    if isinstance(latency.charts, Unavailable):
        yield f"_Charts not available: {escape(latency.charts.reason)}._"
        yield ""


def _errors(errors: ErrorsSection) -> Iterator[str]:
    yield (
        f"{errors.total_groups} groups in the range; {errors.new_groups} new, "
        f"{errors.regressed_groups} regressed. Top {len(errors.groups)}:"
    )
    yield ""
    rows = [
        (
            f"{group.title}" + (f" ({group.callout.upper()})" if group.callout else ""),
            fmt.count(group.count),
            fmt.when(group.first_seen),
            fmt.when(group.last_seen),
            group.status + (f" / {group.substatus}" if group.substatus else ""),
            ", ".join(group.models),
            fmt.sparkline(group.sparkline),
        )
        for group in errors.groups
    ]
    yield from table(("Group", "Events", "First seen", "Last seen", "Status", "Models", "Trend"), rows)


def _drift(drift: DriftSection) -> Iterator[str]:
    if not drift.findings:
        yield "No drift findings in the range."
        yield ""
        return
    for finding in drift.findings:
        yield f"- **{escape(finding.severity)}**: {escape(finding.summary)}. {escape(finding.verdict)}"
    yield ""


def _alerts(alerts: AlertsSection) -> Iterator[str]:
    yield f"{len(alerts.raised)} raised and {len(alerts.resolved)} resolved in the range."
    yield ""
    for title, rows in (("Raised", alerts.raised), ("Resolved", alerts.resolved)):
        if rows:
            yield f"### {title}"
            yield ""
            yield from table(
                ("Severity", "Rule", "Subject", "Opened", "Resolved", "Message"), _alert_rows(rows)
            )


def _alert_rows(rows: Sequence[AlertRow]) -> list[tuple[str, ...]]:
    return [
        (row.severity, row.rule, row.subject, fmt.when(row.opened_at), fmt.when(row.resolved_at), row.message)
        for row in rows
    ]


def _cost(cost: CostSection) -> Iterator[str]:
    yield (
        f"Total {fmt.usd(cost.total_usd)} over {fmt.count(cost.priced_calls)} priced calls; "
        f"{fmt.count(cost.unpriced_calls)} successful calls unpriced (not free: no known price)."
    )
    yield ""
    rows = [
        (
            row.upstream,
            fmt.model_name(row.model),
            fmt.usd(row.cost_usd),
            fmt.count(row.calls),
            fmt.count(row.unpriced_calls),
        )
        for row in cost.by_model
    ]
    yield from table(("Upstream", "Model", "Spend", "Calls", "Unpriced"), rows)
    if isinstance(cost.by_day, Unavailable):
        yield f"_Cost by day not available: {escape(cost.by_day.reason)}._"
        yield ""
    elif cost.by_day:
        yield "### By day"
        yield ""
        days = [(day.day, fmt.model_name(day.model), fmt.usd(day.cost_usd)) for day in cost.by_day]
        yield from table(("Day (UTC)", "Model", "Spend"), days)


def _audit(audit: AuditSection) -> Iterator[str]:
    yield (
        f"{fmt.count(audit.payloads)} calls with a payload record, "
        f"{fmt.count(audit.bodies_stored)} with bodies; "
        f"{fmt.count(audit.redaction_failures)} redaction failures (stored metadata-only)."
    )
    yield ""
    yield "### Redacted, by entity type"
    yield ""
    yield from table(
        ("Entity", "Spans"),
        [(item.name, fmt.count(item.count)) for item in audit.entities] or [("none", "0")],
    )
    yield "### Stored metadata-only"
    yield ""
    yield from table(
        ("Reason", "Calls"),
        [(item.name, fmt.count(item.count)) for item in audit.metadata_only] or [("none", "0")],
    )
    yield "### Engine counters (since the database was created)"
    yield ""
    yield from table(
        ("Counter", "Value"),
        [(item.name, fmt.count(item.count)) for item in audit.counters] or [("none", "0")],
    )


def _examples(examples: ExamplesSection) -> Iterator[str]:
    yield f"Up to {examples.per_group} most recent failures per top group; bodies redacted."
    yield ""
    for call in examples.calls:
        yield (
            f"### {escape(call.group_id)}: {fmt.when(call.started_at)}, "
            f"{escape(fmt.model_name(call.model))}, {escape(call.outcome)} {call.status_code or ''}".rstrip()
        )
        yield ""
        if call.note:
            yield f"_{escape(call.note)}_"
            yield ""
        for label, body in (("Request", call.request_body), ("Response", call.response_body)):
            if body is not None:
                yield f"{label}:"
                yield ""
                yield from _fenced(body)


def _fenced(body: str) -> Iterator[str]:
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    yield fence
    yield body
    yield fence
    yield ""
