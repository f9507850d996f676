"""The "Export report…" dialog: ``lookout report``'s options in the app, exported off the GUI thread.

The range starts as the window's time range and the upstream/model filters as
those of the current view (:func:`view_filters`). Exporting runs in three steps
so that the GUI never waits on the database or the disk:

1. a worker thread assembles the report (:func:`lookout.report.data.build_report`,
   its own read-only connection);
2. for HTML and PDF, the GUI thread draws the charts (they are the app's chart
   widgets, which live on that thread);
3. a worker thread writes the file(s) (:func:`lookout.report.write.write_report`).

Progress runs 0–100 % across the three. Cancel takes effect at the next
progress step; files are renamed into place only when complete, so a cancelled
or failed export leaves nothing behind. Errors are shown in the dialog.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from PySide6.QtCore import QDateTime, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from lookout.core.clock import now
from lookout.report.model import Report, ReportOptions
from lookout.report.write import FORMATS, Format, Table, default_file_name
from lookout.store.browse import CallFilter
from lookout.ui import theme
from lookout.ui.context import PRESET_RANGES, AppContext
from lookout.ui.views.view_helpers import Worker

CUSTOM = "Custom"
FORMAT_LABELS = {"html": "HTML", "pdf": "PDF", "md": "Markdown", "json": "JSON", "csv": "CSV"}
SUFFIXES = {f".{fmt}" for fmt in FORMATS}
# Where each step's progress (0..1) lands on the bar: building, drawing charts, writing.
BUILD_SHARE, CHARTS_SHARE = 0.6, 0.1


class Cancelled(Exception):
    """Raised from the progress callback when the user cancels; the job unwinds without writing."""


def view_filters(view: QWidget | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The upstream and model the view is filtered to, as report filters (the Calls view has them)."""
    shown = getattr(getattr(view, "model", None), "filter", None)
    if not isinstance(shown, CallFilter):
        return (), ()
    return _one(shown.upstream), _one(shown.model)


class ReportDialog(QDialog):
    """Choose what to report and where, then export it with a progress bar and a cancel button."""

    progressed = Signal(str, float)  # step, fraction of the whole export; emitted from workers
    exported = Signal(list)  # the paths written

    def __init__(
        self,
        ctx: AppContext,
        upstreams: tuple[str, ...] = (),
        models: tuple[str, ...] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Export report")
        self.setMinimumWidth(560)
        self._cancel = threading.Event()
        self._busy = False  # from Export until the file is written, the export failed, or was cancelled
        self._close_when_done = False
        self._build_form(upstreams, models)
        self._build_buttons()
        self.range_box.currentTextChanged.connect(self._enable_inputs)
        self.format_box.currentIndexChanged.connect(self._on_format)
        self.bodies_box.toggled.connect(self._enable_inputs)
        self.progressed.connect(self._show_progress)
        self._worker = Worker(self)  # one job at a time; its pool waits for a job still running
        self._enable_inputs()

    # -- the form --

    def _build_form(self, upstreams: tuple[str, ...], models: tuple[str, ...]) -> None:
        self.range_box = QComboBox()
        self.range_box.addItems([*PRESET_RANGES, CUSTOM])
        start, end = self.ctx.time_range.bounds()
        self.from_edit, self.to_edit = _time_edit(start), _time_edit(end)
        self.range_box.setCurrentText(self.ctx.time_range.preset or CUSTOM)
        self.upstreams_edit = _list_edit(upstreams, "all upstreams (comma-separated names)")
        self.models_edit = _list_edit(models, "all models (comma-separated names)")
        self.format_box = QComboBox()
        for fmt in FORMATS:
            self.format_box.addItem(FORMAT_LABELS[fmt], fmt)
        self.table_box = QComboBox()
        self.table_box.addItem("Calls and error groups (two files)", None)
        self.table_box.addItem("Calls only", "calls")
        self.table_box.addItem("Error groups only", "groups")
        self.out_edit = QLineEdit(str(Path.home() / default_file_name("html", end)))
        self.browse_button = QPushButton("Choose…")
        self.browse_button.clicked.connect(self._choose_file)
        self.bodies_box = QCheckBox("Include redacted bodies of recent failures")
        self.bodies_spin = _spin(1, 50, 3, " per top group")
        self.top_spin = _spin(1, 100, 10, " groups")
        self.hosts_box = QCheckBox("Name your own upstreams' hosts (hidden by default)")
        out_row = QHBoxLayout()
        out_row.addWidget(self.out_edit, 1)
        out_row.addWidget(self.browse_button)
        form = QFormLayout()
        form.addRow("Range", self.range_box)
        form.addRow("From", self.from_edit)
        form.addRow("To", self.to_edit)
        form.addRow("Upstreams", self.upstreams_edit)
        form.addRow("Models", self.models_edit)
        form.addRow("Format", self.format_box)
        form.addRow("CSV tables", self.table_box)
        form.addRow("Save to", out_row)
        form.addRow("Top error groups", self.top_spin)
        form.addRow("", self.bodies_box)
        form.addRow("Bodies", self.bodies_spin)
        form.addRow("", self.hosts_box)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._layout = QVBoxLayout(self)
        self._layout.addLayout(form)
        self._layout.addWidget(self.progress)
        self._layout.addWidget(self.status)

    def _build_buttons(self) -> None:
        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton("Cancel export", QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.export)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.reject)
        self._layout.addWidget(self.buttons)

    @property
    def running(self) -> bool:
        return self._busy

    @property
    def chosen_format(self) -> Format:
        return cast("Format", self.format_box.currentData())

    def options(self, at: float) -> ReportOptions:
        """The :class:`ReportOptions` the form describes (raises ValueError for an empty range)."""
        extras: dict[str, Any] = {
            "upstreams": _names(self.upstreams_edit.text()),
            "models": _names(self.models_edit.text()),
            "include_bodies": self.bodies_box.isChecked(),
            "bodies_per_group": self.bodies_spin.value(),
            "top_groups": self.top_spin.value(),
            "show_hosts": self.hosts_box.isChecked(),
            "generated_at": at,
        }
        preset = self.range_box.currentText()
        if preset in PRESET_RANGES:
            return ReportOptions.last(preset, at=at, **extras)
        start = float(self.from_edit.dateTime().toSecsSinceEpoch())
        end = float(self.to_edit.dateTime().toSecsSinceEpoch())
        return ReportOptions.between(start, end, **extras)

    def _enable_inputs(self) -> None:
        idle = not self.running
        custom = self.range_box.currentText() == CUSTOM
        self.from_edit.setEnabled(idle and custom)
        self.to_edit.setEnabled(idle and custom)
        inputs: tuple[QWidget, ...] = (
            self.range_box,
            self.upstreams_edit,
            self.models_edit,
            self.format_box,
            self.out_edit,
            self.browse_button,
            self.bodies_box,
            self.top_spin,
            self.hosts_box,
        )
        for widget in inputs:
            widget.setEnabled(idle)
        self.table_box.setEnabled(idle and self.chosen_format == "csv")
        self.bodies_spin.setEnabled(idle and self.bodies_box.isChecked())
        self.export_button.setEnabled(idle)
        self.cancel_button.setEnabled(not idle)

    def _on_format(self) -> None:
        """Keep the file's suffix in step with the format, unless the user named it otherwise."""
        path = Path(self.out_edit.text())
        if path.suffix.lower() in SUFFIXES:
            self.out_edit.setText(str(path.with_suffix(f".{self.chosen_format}")))
        self._enable_inputs()

    def _choose_file(self) -> None:
        fmt = self.chosen_format
        chosen, _ = QFileDialog.getSaveFileName(
            self, "Save report as", self.out_edit.text(), f"{FORMAT_LABELS[fmt]} (*.{fmt})"
        )
        if chosen:
            self.out_edit.setText(chosen)

    # -- exporting --

    def export(self) -> None:
        """Start exporting what the form describes; a bad choice is shown as an error instead."""
        if self._busy:
            return
        try:
            options = self.options(now())
            path = self._target()
        except ValueError as exc:
            self._show_error(str(exc))
            return
        fmt = self.chosen_format
        table: Table | None = self.table_box.currentData() if fmt == "csv" else None
        self._busy = True
        self._cancel.clear()
        self._enable_inputs()
        self.progress.setValue(0)
        self._show_status("Assembling the report…")
        self._start(lambda: self._build(options), lambda report: self._draw(report, fmt, path, table))

    def cancel(self) -> None:
        """Stop the running export at its next step; nothing is written."""
        if self._busy:
            self._cancel.set()
            self.cancel_button.setEnabled(False)
            self._show_status("Cancelling…")

    def reject(self) -> None:
        if self._busy:  # a worker still runs: close once it has stopped
            self._close_when_done = True
            self.cancel()
            return
        super().reject()

    def _build(self, options: ReportOptions) -> Report:
        from lookout.report.data import build_report
        from lookout.store.db import open_reader

        db = open_reader(self.ctx.config.data_dir)
        try:
            return build_report(db, options, self.ctx.config, progress=self._step(0.0, BUILD_SHARE))
        finally:
            db.close()

    def _draw(self, report: Report, fmt: Format, path: Path, table: Table | None) -> None:
        """On the GUI thread: draw the charts HTML and PDF embed, then write off it."""
        from lookout.report.write import write_report

        start, images = BUILD_SHARE, None
        try:
            if self._cancel.is_set():  # Markdown and JSON report no progress until written
                raise Cancelled
            if fmt in ("html", "pdf"):
                self._step(start, start + CHARTS_SHARE)("drawing charts", 0.0)
                from lookout.report.render_qt import chart_images

                images = chart_images(report)
                start += CHARTS_SHARE
        except Exception as exc:  # the same path as a worker's failure
            self._failed(exc)
            return
        progress = self._step(start, 1.0)
        self._start(
            lambda: write_report(report, fmt, path, table=table, images=images, progress=progress),
            self._written,
        )

    def _written(self, paths: list[Path]) -> None:
        self.progress.setValue(100)
        self._show_status("Wrote " + ", ".join(str(path) for path in paths))
        self._finish()
        self.exported.emit(paths)

    def _failed(self, exc: BaseException) -> None:
        from lookout.redaction import KeyringUnavailable

        self.progress.setValue(0)
        if isinstance(exc, Cancelled):
            self._show_status("Cancelled: nothing was written.")
        elif isinstance(exc, KeyringUnavailable):
            self._show_error(f"Cannot re-redact the report, so none was written: {exc}")
        else:
            self._show_error(f"The report was not written: {exc or type(exc).__name__}")
        self._finish()

    def _finish(self) -> None:
        self._busy = False
        self._enable_inputs()
        if self._close_when_done:
            super().reject()

    def _start(self, work: Callable[[], Any], then: Callable[[Any], None]) -> None:
        def done(result: Any) -> None:
            if isinstance(result, Exception):
                self._failed(result)
            else:
                then(result)

        self._worker.start(work, done)

    def _step(self, low: float, high: float) -> Callable[[str, float], None]:
        """A progress callback mapping one step's 0..1 onto ``[low, high]`` of the bar.

        Once the user cancelled, it raises :class:`Cancelled`, which unwinds the step; not at
        1.0, though: the step's work is done then (a file may be in place), too late to undo.
        """

        def progress(message: str, fraction: float) -> None:
            if fraction < 1.0 and self._cancel.is_set():
                raise Cancelled
            self.progressed.emit(message, low + (high - low) * fraction)

        return progress

    def _target(self) -> Path:
        text = self.out_edit.text().strip()
        if not text:
            raise ValueError("choose the file to save the report to")
        path = Path(text).expanduser()
        if not path.parent.is_dir():
            raise ValueError(f"cannot write {path}: directory {path.parent} does not exist")
        return path

    @Slot(str, float)
    def _show_progress(self, message: str, fraction: float) -> None:
        if self._busy and not self._cancel.is_set():
            self.progress.setValue(round(fraction * 100))
            self._show_status(f"{message[:1].upper()}{message[1:]}…")

    def _show_status(self, text: str) -> None:
        self.status.setStyleSheet("")
        self.status.setText(text)

    def _show_error(self, text: str) -> None:
        self.status.setStyleSheet(f"color: {theme.palette().error};")
        self.status.setText(text)


def _time_edit(epoch: float) -> QDateTimeEdit:
    edit = QDateTimeEdit(QDateTime.fromSecsSinceEpoch(int(epoch)))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd HH:mm")
    return edit


def _list_edit(names: tuple[str, ...], placeholder: str) -> QLineEdit:
    edit = QLineEdit(", ".join(names))
    edit.setPlaceholderText(placeholder)
    return edit


def _spin(low: int, high: int, value: int, suffix: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setSuffix(suffix)
    return spin


def _names(text: str) -> tuple[str, ...]:
    return tuple(name for name in (part.strip() for part in text.split(",")) if name)


def _one(value: str | None) -> tuple[str, ...]:
    return () if value is None else (value,)
