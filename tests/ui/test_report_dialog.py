"""The "Export report…" dialog: real reports from a seeded database, progress, cancel, errors, Ctrl+E."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot

from lookout.core.clock import iso_utc
from lookout.store.browse import CallFilter
from lookout.store.db import open_writer
from lookout.store.writer import CallWriter
from lookout.ui import theme
from lookout.ui.context import AppContext, TimeRange
from lookout.ui.report_dialog import ReportDialog, view_filters
from lookout.ui.views.calls import CallsView
from lookout.ui.window import MainWindow
from tests.store.factories import NOW, make_payload, make_row
from tests.ui.conftest import MakeCtx, Settle

HOUR = 3600.0
EXPORT_TIMEOUT_MS = 120_000


@pytest.fixture
def ctx(seeded_data_dir: Path, make_ctx: MakeCtx) -> AppContext:
    """A context over 30 calls in the day before NOW, a third of them failed, on a custom range."""
    writer = CallWriter(open_writer(seeded_data_dir))
    rows = [
        make_row(
            id=f"r{i:03d}",
            started_at=iso_utc(NOW - 20 * HOUR + i * 1800),
            model="claude-haiku-4-5" if i % 2 else "gpt-4o-mini",
            upstream="anthropic" if i % 2 else "openai",
            outcome="error" if i % 3 == 0 else "ok",
            status_code=500 if i % 3 == 0 else 200,
        )
        for i in range(30)
    ]
    writer.write_calls(rows, [make_payload(row.id, created_at=row.started_at) for row in rows])
    writer.close()
    context = make_ctx(seeded_data_dir)
    context.set_time_range(TimeRange(preset=None, start=NOW - 86_400, end=NOW))
    return context


def _export(qtbot: QtBot, dialog: ReportDialog, fmt: str, out: Path) -> list[float]:
    """Export as ``fmt`` to ``out``; the progress values the bar showed."""
    seen: list[float] = []
    dialog.progress.valueChanged.connect(seen.append)
    dialog.format_box.setCurrentIndex(dialog.format_box.findData(fmt))
    dialog.out_edit.setText(str(out))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert dialog.running and not dialog.export_button.isEnabled() and dialog.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: not dialog.running, timeout=EXPORT_TIMEOUT_MS)
    return seen


def test_writes_markdown_and_html_from_the_window_range(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path
) -> None:
    dialog = ReportDialog(ctx)
    qtbot.addWidget(dialog)
    assert dialog.range_box.currentText() == "Custom" and dialog.from_edit.isEnabled()
    assert dialog.options(NOW).start == NOW - 86_400  # prefilled from the window's range
    seen = _export(qtbot, dialog, "md", tmp_path / "day.md")
    markdown = (tmp_path / "day.md").read_text()
    assert markdown.startswith("# Lookout report") and "- **Calls**: 30" in markdown
    assert seen[-1] == 100 and seen == sorted(seen)
    assert dialog.status.text() == f"Wrote {tmp_path / 'day.md'}" and dialog.export_button.isEnabled()
    with qtbot.waitSignal(dialog.exported, timeout=EXPORT_TIMEOUT_MS) as written:
        _export(qtbot, dialog, "html", tmp_path / "day.html")
    assert written.args == [[tmp_path / "day.html"]]
    html = (tmp_path / "day.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and "data:image/png;base64," in html  # charts drawn
    assert dialog.progress.value() == 100


def test_the_form_is_what_the_cli_flags_are(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    dialog = ReportDialog(ctx, ("anthropic",), ())
    qtbot.addWidget(dialog)
    dialog.range_box.setCurrentText("7d")
    dialog.bodies_box.setChecked(True)
    assert not dialog.from_edit.isEnabled() and dialog.bodies_spin.isEnabled()
    dialog.format_box.setCurrentIndex(dialog.format_box.findData("csv"))
    assert dialog.table_box.isEnabled() and dialog.out_edit.text().endswith(".csv")  # suffix follows
    options = dialog.options(NOW)
    assert (options.start, options.range_label, options.upstreams) == (
        NOW - 7 * 86_400,
        "last 7d",
        ("anthropic",),
    )
    assert options.include_bodies and options.bodies_per_group == 3
    dialog.range_box.setCurrentText("24h")
    dialog.table_box.setCurrentIndex(dialog.table_box.findData("calls"))
    _export(qtbot, dialog, "json", tmp_path / "anthropic.json")
    data = json.loads((tmp_path / "anthropic.json").read_text())
    assert data["header"]["filter_upstreams"] == ["anthropic"] and data["examples"]["available"]


@pytest.mark.parametrize(
    ("out", "message"),
    [("/nonexistent-dir/r.md", "does not exist"), ("", "choose the file")],
)
def test_bad_choices_are_shown_without_running(qtbot: QtBot, ctx: AppContext, out: str, message: str) -> None:
    dialog = ReportDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.out_edit.setText(out)
    dialog.export()
    assert not dialog.running and message in dialog.status.text()
    assert theme.palette().error in dialog.status.styleSheet()  # shown as an error


def test_a_failure_in_the_worker_is_shown(qtbot: QtBot, make_ctx: MakeCtx, tmp_path: Path) -> None:
    dialog = ReportDialog(make_ctx(tmp_path / "no-database"))
    qtbot.addWidget(dialog)
    _export(qtbot, dialog, "md", tmp_path / "r.md")
    assert (
        "The report was not written" in dialog.status.text() and "no Lookout database" in dialog.status.text()
    )
    assert dialog.progress.value() == 0 and not (tmp_path / "r.md").exists()
    dialog.range_box.setCurrentText("Custom")
    dialog.to_edit.setDateTime(dialog.from_edit.dateTime())
    dialog.export()
    assert "range is empty" in dialog.status.text()


def test_cancel_writes_nothing(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    dialog = ReportDialog(ctx)
    qtbot.addWidget(dialog)
    out = tmp_path / "out"
    out.mkdir()
    dialog.format_box.setCurrentIndex(dialog.format_box.findData("pdf"))
    dialog.out_edit.setText(str(out / "r.pdf"))
    dialog.export()
    # The worker stops at its next step; if it had already finished, the GUI thread's chart
    # drawing, which can only start once this test yields, would see the cancel instead.
    dialog.cancel()
    qtbot.waitUntil(lambda: not dialog.running, timeout=EXPORT_TIMEOUT_MS)
    assert dialog.status.text() == "Cancelled: nothing was written."
    assert list(out.iterdir()) == []  # no report, no partial file


def test_the_window_opens_it_with_ctrl_e_and_the_view_filters(
    qtbot: QtBot, ctx: AppContext, settle: Settle, tmp_path: Path
) -> None:
    calls = CallsView(ctx)
    qtbot.addWidget(calls)
    calls.model.set_filter(CallFilter(upstream="openai", model="gpt-4o-mini"))
    settle(ctx)
    assert view_filters(calls) == (("openai",), ("gpt-4o-mini",))
    assert view_filters(None) == ((), ())
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(ctx, views=[CallsView], settings=settings)
    qtbot.addWidget(window)
    window.views["calls"].model.set_filter(CallFilter(model="gpt-4o-mini"))  # type: ignore[attr-defined]
    settle(ctx)
    assert window.export_action.shortcut().toString() == "Ctrl+E"
    window.export_action.trigger()
    dialog = window.findChild(ReportDialog)
    assert dialog is not None and dialog.isVisible()
    assert (dialog.upstreams_edit.text(), dialog.models_edit.text()) == ("", "gpt-4o-mini")
    dialog.reject()
