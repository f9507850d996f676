"""Writing a report to a file in any format: :func:`write_report`, for the CLI and the app.

Only HTML and PDF load Qt (for chart images and the PDF), and only when asked
for, so Markdown, JSON and CSV exports stay light. Files are written next to
their destination and renamed into place, so a failed export never leaves a
half-written report behind.

Charts are drawn by the app's chart widgets, which live on the GUI thread: the
app draws them there (:func:`lookout.report.render_qt.chart_images`) and hands
them in as ``images``, then writes off the GUI thread; the CLI lets
:func:`write_report` draw them itself.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal, TextIO

from lookout.report.csvout import write_calls_csv, write_groups_csv
from lookout.report.html import Images, render_html
from lookout.report.jsonout import write_json
from lookout.report.markdown import write_markdown
from lookout.report.model import Progress, Report, Unavailable, no_progress
from lookout.store.db import open_reader

Format = Literal["html", "pdf", "md", "json", "csv"]
Table = Literal["calls", "groups"]
FORMATS: tuple[Format, ...] = ("html", "pdf", "md", "json", "csv")
TABLES: tuple[Table, ...] = ("calls", "groups")


class ReportUnavailable(RuntimeError):
    """What was asked for is not in the report (e.g. groups CSV without error groups)."""


def write_report(
    report: Report,
    fmt: Format,
    path: Path,
    *,
    table: Table | None = None,
    images: Images | None = None,
    progress: Progress = no_progress,
) -> list[Path]:
    """Write ``report`` as ``fmt`` to ``path``; return the files written.

    HTML and PDF use ``images`` (chart PNGs already drawn), else draw them here,
    which must then happen on the thread that owns the QApplication.

    CSV writes one file per table: ``table`` picks one (written to ``path``),
    otherwise ``<stem>-calls.csv`` and ``<stem>-groups.csv`` go next to ``path``.
    The calls table streams from the database the report was built from.
    """
    if fmt == "csv":
        return _write_csv(report, path, table, progress)
    if fmt == "md":
        with _atomic(path) as out:
            write_markdown(report, out)
    elif fmt == "json":
        with _atomic(path) as out:
            write_json(report, out)
    elif fmt in ("html", "pdf"):
        _write_rendered(report, fmt, path, images, progress)
    else:
        raise ValueError(f"unknown report format {fmt!r}: use one of {', '.join(FORMATS)}")
    progress(f"wrote {path}", 1.0)
    return [path]


def default_file_name(fmt: str, end: float) -> str:
    """``lookout-report-YYYYMMDD.EXT``, dated by the range's end (UTC)."""
    return f"lookout-report-{time.strftime('%Y%m%d', time.gmtime(end))}.{fmt}"


def csv_paths(path: Path, table: Table | None) -> dict[Table, Path]:
    """Where each CSV table goes for ``--out path``."""
    if table is not None:
        return {table: path}
    stem = path.with_suffix("") if path.suffix.lower() == ".csv" else path
    return {name: stem.with_name(f"{stem.name}-{name}.csv") for name in TABLES}


def _write_rendered(
    report: Report, fmt: Format, path: Path, images: Images | None, progress: Progress
) -> None:
    from lookout.report import render_qt  # Qt loads only for the formats that draw

    if images is None:
        progress("drawing charts", 0.1)
        images = render_qt.chart_images(report)
    if fmt == "html":
        progress("writing HTML", 0.8)
        with _atomic(path) as out:
            out.write(render_html(report, images))
        return
    progress("laying out the PDF", 0.3)
    partial = _partial(path)
    try:
        render_qt.write_pdf(
            report, images, partial, lambda done: progress("writing PDF pages", 0.3 + 0.7 * done)
        )
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def _write_csv(report: Report, path: Path, table: Table | None, progress: Progress) -> list[Path]:
    targets = csv_paths(path, table)
    written: list[Path] = []
    if "groups" in targets:
        if isinstance(report.errors, Unavailable):
            if table == "groups":
                raise ReportUnavailable(f"error groups are not available: {report.errors.reason}")
            progress(f"skipped the groups table: {report.errors.reason}", 0.0)
        else:
            with _atomic(targets["groups"]) as out:
                write_groups_csv(report.errors, out)
            written.append(targets["groups"])
    if "calls" in targets:
        context = report.context
        db = open_reader(context.data_dir)
        try:
            with _atomic(targets["calls"]) as out:
                write_calls_csv(
                    db, context.options, context.scrubber, out, lambda done: progress("writing calls", done)
                )
        finally:
            db.close()
        written.append(targets["calls"])
    progress(f"wrote {', '.join(str(p) for p in written)}", 1.0)
    return written


def _partial(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.part")


@contextmanager
def _atomic(path: Path) -> Iterator[TextIO]:
    partial = _partial(path)
    try:
        with partial.open("w", encoding="utf-8", newline="") as out:
            yield out
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
