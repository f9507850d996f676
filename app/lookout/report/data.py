"""Assembling a report: :func:`build_report` reads the store and returns a re-redacted :class:`Report`.

No Qt: the CLI and the app's "Export report…" (off the GUI thread) call it the
same way::

    db = open_reader(config.data_dir)
    report = build_report(db, ReportOptions.last("7d", at=now()), config, progress=print_progress)
    write_report(report, "html", Path("report.html"))

Each section is built on its own; one whose source is missing (an older
database, an analysis this build lacks) comes out as
:class:`~lookout.report.model.Unavailable` and the others still render. The
whole report then goes through the redactor again (:mod:`lookout.report.scrub`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TypeVar

from sqlite_utils import Database

from lookout import __version__
from lookout.core.clock import iso_utc, now
from lookout.core.config import Config
from lookout.proxy.routing import Router
from lookout.report import sections, sources
from lookout.report.audit import audit_section
from lookout.report.examples import examples_section
from lookout.report.model import (
    CostSection,
    ErrorsSection,
    Header,
    LatencySection,
    ModelRow,
    Progress,
    Report,
    ReportContext,
    ReportOptions,
    SectionUnavailable,
    Unavailable,
    UpstreamHost,
    no_progress,
)
from lookout.report.scrub import Scrubber, private_hosts
from lookout.store.aggregates import compare_kpis
from lookout.store.aggregates_models import model_kpis

S = TypeVar("S")


def build_report(
    db: Database, options: ReportOptions, config: Config, *, progress: Progress = no_progress
) -> Report:
    """The report for ``options``, every text re-redacted with ``config``'s redaction settings.

    Safe to call off the GUI thread with that thread's own reader connection.
    """
    progress("preparing the redactor", 0.0)
    scrubber = Scrubber(config.redaction, None if options.show_hosts else private_hosts(config.upstreams))
    only = {"upstreams": options.upstreams, "models": options.models}  # the --upstream/--model filters
    progress("reading per-model figures", 0.15)
    models = sections.model_rows(model_kpis(db, options.start, options.end, **only))
    progress("reading error groups, drift and alerts", 0.4)
    errors = section(lambda: sources.errors_section(db, options))
    drift = section(lambda: sources.drift_section(db, options))
    alerts = section(lambda: sources.alerts_section(db, options))
    progress("reading aggregates", 0.55)
    summary = sections.summary(compare_kpis(db, options.start, options.end, **only))
    latency = LatencySection(models, section(lambda: sources.latency_charts(db, options)))
    cost = section(lambda: _cost(db, options, models))
    progress("auditing redaction", 0.7)
    audit = section(lambda: audit_section(db, options, calls_in_range=sum(row.calls for row in models)))
    examples = None
    if options.include_bodies:
        progress("collecting example failures", 0.8)
        examples = section(lambda: examples_section(db, options, _group_ids(errors), scrubber))
    report = Report(
        header=_header(options, config, models, scrubber.mode),
        summary=summary,
        latency=latency,
        errors=errors,
        drift=drift,
        alerts=alerts,
        cost=cost,
        audit=audit,
        examples=examples,
        context=ReportContext(options=options, data_dir=config.data_dir, scrubber=scrubber),
    )
    progress("re-redacting every text", 0.9)
    scrubbed = scrubber.scrubbed(report)
    progress("report assembled", 1.0)
    return scrubbed


def section(build: Callable[[], S]) -> S | Unavailable:
    """``build()``, or :class:`Unavailable` when its source is missing."""
    try:
        return build()
    except SectionUnavailable as exc:
        return Unavailable(str(exc))
    except sqlite3.OperationalError as exc:  # e.g. a table an older database lacks
        return Unavailable(f"not in this database ({exc})")


def _cost(db: Database, options: ReportOptions, models: list[ModelRow]) -> CostSection:
    priced = [row.cost_usd for row in models if row.cost_usd is not None]
    by_day = section(lambda: sources.cost_by_day(db, options))
    return CostSection(
        total_usd=sum(priced) if priced else None,
        priced_calls=sum(row.calls - row.unpriced_calls for row in models if row.cost_usd is not None),
        unpriced_calls=sum(row.unpriced_calls for row in models),
        by_model=sorted(models, key=lambda row: -(row.cost_usd or 0.0)),
        by_day=by_day,
        charts=[] if isinstance(by_day, Unavailable) else sources.cost_charts(by_day),
    )


def _group_ids(errors: ErrorsSection | Unavailable) -> list[str]:
    return [] if isinstance(errors, Unavailable) else [group.id for group in errors.groups]


def _header(options: ReportOptions, config: Config, models: list[ModelRow], mode: str) -> Header:
    since, until = options.iso()
    previous = options.previous
    upstreams = sorted({row.upstream for row in models})
    redaction = config.redaction
    operators = [f"default: {redaction.default_operator}"]
    operators += [f"{entity}: {operator}" for entity, operator in sorted(redaction.operators.items())]
    hosts: list[UpstreamHost] = []
    if options.show_hosts:
        router = Router(config.upstreams)
        hosts = [UpstreamHost(name, url) for name in upstreams if (url := router.base_url(name))]
    return Header(
        title="Lookout report",
        range_label=options.range_label,
        range_from=since,
        range_to=until,
        previous_from=iso_utc(previous[0]),
        previous_to=iso_utc(previous[1]),
        generated_at=iso_utc(options.generated_at if options.generated_at is not None else now()),
        lookout_version=__version__,
        upstreams=upstreams,
        models=sorted({row.model for row in models if row.model is not None}),
        filter_upstreams=list(options.upstreams),
        filter_models=list(options.models),
        redaction_mode=mode,
        redaction_operators=operators,
        retention_calls=duration_label(config.retention.calls_max_age_s),
        retention_payloads=duration_label(config.retention.payloads_max_age_s),
        retention_max_db_mb=config.retention.max_db_bytes // (1024 * 1024),
        hosts=hosts,
    )


def duration_label(seconds: float) -> str:
    """``2592000`` -> ``30d``: the largest whole unit."""
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"
