"""The canary scan: canaries planted in every stored text never reach any report format.

The seeded rows bypass the recorder (nothing was redacted at capture), so this
tests the report's own second line of defence, in every format, with and
without bodies, including text extracted from the PDF and PNG text chunks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lookout.core.config import Config
from lookout.report.data import build_report
from lookout.report.model import Report, ReportOptions
from lookout.report.write import FORMATS, write_report
from lookout.store.db import open_reader
from tests.report.scan import leaks, pdf_text, readable
from tests.report.seed import PRIVATE_HOST, every_canary
from tests.store.factories import NOW


def _report(canary_dir: Path, config: Config, **options: object) -> Report:
    db = open_reader(canary_dir)
    try:
        return build_report(db, ReportOptions.last("24h", at=NOW, generated_at=NOW, **options), config)
    finally:
        db.close()


@pytest.fixture(scope="module", params=[False, True], ids=["metadata", "bodies"])
def report(request: pytest.FixtureRequest, canary_dir: Path, canary_config: Config) -> Report:
    return _report(canary_dir, canary_config, include_bodies=request.param)


def test_the_seeded_database_really_holds_the_canaries(canary_dir: Path) -> None:
    # Without this, a clean scan could mean the canaries never went in.
    stored = [(canary_dir / "lookout.db").read_bytes().decode("latin-1")]
    assert sorted(leaks(stored)) == sorted(every_canary())


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_canary_reaches_any_format(report: Report, fmt: str, tmp_path: Path) -> None:
    paths = write_report(report, fmt, tmp_path / f"report.{fmt}")  # type: ignore[arg-type]
    assert paths
    for path in paths:
        assert leaks(readable(path)) == [], path.name


def test_the_scan_sees_what_the_report_says(report: Report, tmp_path: Path) -> None:
    """The placeholders that replaced the canaries are there, in the extracted PDF text too."""
    pdf = write_report(report, "pdf", tmp_path / "report.pdf")[0]
    text = "".join(pdf_text(pdf).split())
    assert "Lookoutreport" in text
    assert "<EMAIL_ADDRESS>" in text
    assert "<hostofupstreammylab>" in text
    markdown = write_report(report, "md", tmp_path / "report.md")[0].read_text()
    assert "\\<EMAIL_ADDRESS\\>" in markdown


def test_bodies_are_in_the_report_only_when_asked_for(report: Report, tmp_path: Path) -> None:
    html = write_report(report, "html", tmp_path / "report.html")[0].read_text()
    assert ("Example failures" in html) is report.context.options.include_bodies
    if report.examples is not None:
        assert not isinstance(report.examples, type(None))
        assert "&lt;CREDIT_CARD&gt;" in html  # from a request body


def test_private_hosts_appear_only_with_show_hosts(
    canary_dir: Path, canary_config: Config, tmp_path: Path
) -> None:
    shown = _report(canary_dir, canary_config, show_hosts=True)
    text = write_report(shown, "md", tmp_path / "hosts.md")[0].read_text()
    assert f"http://{PRIVATE_HOST}:8000" in text
