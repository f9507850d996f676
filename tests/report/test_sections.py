"""Report sections from real databases: figures, callouts, the audit, filters, and "not available"."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from sqlite_utils import Database

from lookout.core.clock import iso_utc
from lookout.core.config import Config
from lookout.report.data import build_report
from lookout.report.jsonout import report_dict
from lookout.report.markdown import markdown_lines
from lookout.report.model import Report, ReportOptions, Unavailable
from lookout.store.db import open_reader
from lookout.store.rollup_cells import MAX_RELATIVE_ERROR
from lookout.store.schema import migrate
from lookout.store.writer import CallWriter
from tests.report.seed import GROUP_ID
from tests.store.factories import NOW, bulk_insert_generated, spread_rows

SCHEMA = json.loads(resources.files("lookout.resources").joinpath("report_schema.json").read_text())


def _build(data_dir: Path, config: Config | None = None, **options: object) -> Report:
    db = open_reader(data_dir)
    try:
        return build_report(
            db, ReportOptions.last("24h", at=NOW, generated_at=NOW, **options), config or Config(data_dir)
        )
    finally:
        db.close()


def test_the_json_matches_its_schema(canary_dir: Path, canary_config: Config) -> None:
    for bodies in (False, True):
        jsonschema.validate(report_dict(_build(canary_dir, canary_config, include_bodies=bodies)), SCHEMA)


def test_an_older_database_reports_missing_sections_as_not_available(tmp_path: Path) -> None:
    db = Database(str(tmp_path / "lookout.db"))
    migrate(db, target=2)  # before error groups, alerts, drift and rollups existed
    db.close()
    bulk_insert_generated(str(tmp_path / "lookout.db"), 30, start=NOW - 3600, step_s=60)
    report = _build(tmp_path)
    assert isinstance(report.errors, Unavailable) and isinstance(report.alerts, Unavailable)
    assert isinstance(report.drift, Unavailable)
    # What the database does have still renders: figures come from the calls themselves, exactly.
    kpis = {k.key: k for k in report.summary.kpis}
    assert kpis["calls"].value == 30 and kpis["latency_p50_ms"].value is not None
    assert not kpis["latency_p50_ms"].approximate
    assert report.latency.models[0].calls == 30 and not isinstance(report.latency.charts, Unavailable)
    jsonschema.validate(report_dict(report), SCHEMA)
    markdown = "\n".join(markdown_lines(report))
    assert markdown.count("_Not available:") >= 3


def test_kpis_compare_with_the_previous_period(tmp_path: Path) -> None:
    writer = CallWriter(_writer_db(tmp_path))
    writer.write_calls(list(spread_rows(10, start=NOW - 86400 - 3600, step_s=60, latency_ms=200.0)))
    writer.write_calls(
        list(spread_rows(30, start=NOW - 3600, step_s=60, latency_ms=300.0))[10:]  # ids differ from the above
    )
    writer.close()
    kpis = {k.key: k for k in _build(tmp_path).summary.kpis}
    assert (kpis["calls"].value, kpis["calls"].previous, kpis["calls"].change) == (20, 10, 1.0)
    assert kpis["latency_p50_ms"].value == pytest.approx(300, rel=0.05)
    assert kpis["latency_p50_ms"].change == pytest.approx(0.5, rel=0.1)


def test_errors_alerts_and_audit(canary_dir: Path, canary_config: Config) -> None:
    report = _build(canary_dir, canary_config)
    assert not isinstance(report.errors, Unavailable)
    (group,) = report.errors.groups
    assert (group.id, group.count, group.callout, report.errors.new_groups) == (GROUP_ID, 10, "new", 1)
    assert "<EMAIL_ADDRESS>" in group.title
    assert not isinstance(report.alerts, Unavailable)
    assert (len(report.alerts.raised), len(report.alerts.resolved)) == (2, 1)
    audit = report.audit
    assert not isinstance(audit, Unavailable)
    assert (audit.payloads, audit.bodies_stored, audit.redaction_failures) == (40, 39, 1)
    assert {c.name: c.count for c in audit.entities} == {"EMAIL_ADDRESS": 80, "API_KEY": 40}
    assert [(c.name, c.count) for c in audit.metadata_only] == [("redaction failed", 1)]
    assert {c.name: c.count for c in audit.counters} == {"dropped_payloads": 3, "redaction_failures": 1}


def test_filters_narrow_every_section(canary_dir: Path, canary_config: Config) -> None:
    report = _build(canary_dir, canary_config, upstreams=("mylab",))
    assert {row.upstream for row in report.latency.models} == {"mylab"}
    assert report.header.upstreams == ["mylab"] and report.header.filter_upstreams == ["mylab"]
    kpis = {k.key: k for k in report.summary.kpis}
    assert (kpis["calls"].value, kpis["error_rate"].value) == (8, 0.25)  # every figure, filters or not
    assert kpis["latency_p50_ms"].value is not None and kpis["ttft_p50_ms"].value is not None
    assert not isinstance(report.audit, Unavailable) and report.audit.payloads == 8
    one = _build(canary_dir, canary_config, upstreams=("openai",), models=("gpt-4o-mini",))
    kpis = {k.key: k for k in one.summary.kpis}
    assert (kpis["calls"].value, kpis["error_rate"].value) == (16, 0.5)
    # A 24 h range reads the hourly rollup: percentiles are estimates, and say so.
    assert kpis["latency_p50_ms"].approximate and not kpis["calls"].approximate
    assert kpis["latency_p50_ms"].value == pytest.approx(420.0, rel=MAX_RELATIVE_ERROR)
    assert kpis["ttft_p50_ms"].value is not None
    (row,) = one.latency.models
    assert row.approximate and row.latency_p50_ms == kpis["latency_p50_ms"].value
    markdown = "\n".join(markdown_lines(one))
    assert f"≈ {row.latency_p50_ms:.0f} ms" in markdown and "within 4.4 %" in markdown
    assert not isinstance(one.cost, Unavailable) and not isinstance(one.cost.by_day, Unavailable)
    assert {day.model for day in one.cost.by_day} == {"gpt-4o-mini"}


def test_a_range_with_no_calls_still_renders(canary_dir: Path, canary_config: Config) -> None:
    db = open_reader(canary_dir)
    options = ReportOptions(start=NOW - 400 * 86400, end=NOW - 399 * 86400, generated_at=NOW)
    report = build_report(db, options, canary_config)
    db.close()
    assert report.latency.models == [] and report.header.upstreams == []
    jsonschema.validate(report_dict(report), SCHEMA)
    assert iso_utc(options.start) == report.header.range_from


def _writer_db(tmp_path: Path) -> Database:
    from lookout.store.db import open_writer

    return open_writer(tmp_path)


def test_drift_shows_what_was_found_within_the_range(tmp_path: Path) -> None:
    db = _writer_db(tmp_path)
    base = {"upstream": "openai", "model": "gpt-4o-mini", "kind": "numeric", "test": "ks", "detail": "{}"}
    last_week, earlier = NOW - 7 * 86400, NOW - 7 * 86400 - 3600
    db.table("drift_snapshots").insert_all(
        [
            # A week ago: latency drifted (the earlier run of that day had not seen it yet).
            {**base, "computed_at": iso_utc(earlier), "metric": "latency_ms", "severity": "none",
             "change": 0.02, "p_value": 0.6, "verdict": "no change"},
            {**base, "computed_at": iso_utc(last_week), "metric": "latency_ms", "severity": "major",
             "change": 0.38, "p_value": 0.001, "verdict": "slower: p95 latency +38 %"},
            {**base, "computed_at": iso_utc(last_week), "metric": "output_tokens", "severity": "moderate",
             "change": -0.2, "p_value": 0.01, "verdict": "shorter answers"},
            # An hour ago: latency is back to normal, output tokens still shorter.
            {**base, "computed_at": iso_utc(NOW - 3600), "metric": "latency_ms", "severity": "none",
             "change": 0.01, "p_value": 0.8, "verdict": "no change"},
            {**base, "computed_at": iso_utc(NOW - 3600), "metric": "output_tokens", "severity": "moderate",
             "change": -0.21, "p_value": 0.01, "verdict": "shorter answers"},
        ]
    )  # fmt: skip
    db.close()
    today = _build(tmp_path)
    assert not isinstance(today.drift, Unavailable)
    assert [f.metric for f in today.drift.findings] == ["output_tokens"]
    db = open_reader(tmp_path)
    then = ReportOptions(start=last_week - 86400, end=last_week + 60, generated_at=NOW)
    past = build_report(db, then, Config(tmp_path))
    empty = build_report(db, ReportOptions(start=NOW - 10 * 86400, end=NOW - 9 * 86400), Config(tmp_path))
    db.close()
    assert not isinstance(past.drift, Unavailable)
    assert [(f.severity, f.summary) for f in past.drift.findings] == [
        ("major", "gpt-4o-mini latency_ms +38 % (KS p=0.001)"),
        ("moderate", "gpt-4o-mini output_tokens -20 % (KS p=0.01)"),
    ]
    assert isinstance(empty.drift, Unavailable) and "not computed in this range" in empty.drift.reason
