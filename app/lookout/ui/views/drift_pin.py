"""Pinned baselines from the Drift view: the "Pin baseline" dialog and the writes behind it.

A pinned baseline is a named date range ("the week before I changed my prompt")
that the drift table can compare against instead of the rolling default. The
writes go through ``store.drift.pin_baseline`` / ``unpin_baseline`` on a writer
connection opened just for them, off the GUI thread (the view's
:class:`~lookout.ui.views.view_helpers.Worker`), like ``lookout drift pin``; the
store validates the name and the range and says what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from lookout.core.clock import iso_utc
from lookout.store.db import open_writer
from lookout.store.drift import Baseline, pin_baseline, unpin_baseline


@dataclass(frozen=True, slots=True)
class PinRequest:
    """What the user asked to pin: ``[start, end)`` in epoch seconds."""

    name: str
    start: float
    end: float
    note: str | None


def pin(data_dir: Path, request: PinRequest, *, at: float) -> Baseline:
    """Store the baseline (replacing one of the same name). Raises ValueError for a bad name or range."""
    db = open_writer(data_dir)
    try:
        return pin_baseline(
            db, request.name, iso_utc(request.start), iso_utc(request.end), created_at=iso_utc(at),
            note=request.note,
        )  # fmt: skip
    finally:
        db.close()


def unpin(data_dir: Path, name: str) -> bool:
    """Delete the baseline; whether it existed."""
    db = open_writer(data_dir)
    try:
        return unpin_baseline(db, name)
    finally:
        db.close()


class PinDialog(QDialog):
    """Name, date range and note of a baseline to pin. Read :meth:`request` once accepted."""

    def __init__(self, start: float, end: float, existing: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Pin a drift baseline")
        self._existing = set(existing)
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. before-prompt-v2")
        self.start = _date_edit(start)
        self.end = _date_edit(end)
        self.note = QLineEdit()
        self.note.setPlaceholderText("optional, e.g. old system prompt")
        self.hint = QLabel("")
        self.hint.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Pin")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        intro = QLabel("Compare recent traffic with a period you trust, such as the week before a change.")
        intro.setWordWrap(True)
        form.addRow(intro)
        form.addRow("Name", self.name)
        form.addRow("From", self.start)
        form.addRow("To", self.end)
        form.addRow("Note", self.note)
        form.addRow(self.hint)
        form.addRow(self.buttons)
        for signal in (self.name.textChanged, self.start.dateTimeChanged, self.end.dateTimeChanged):
            signal.connect(self._check)
        self._check()

    def request(self) -> PinRequest:
        note = self.note.text().strip()
        return PinRequest(
            self.name.text().strip(),
            float(self.start.dateTime().toSecsSinceEpoch()),
            float(self.end.dateTime().toSecsSinceEpoch()),
            note or None,
        )

    def _check(self) -> None:
        """Enable Pin only for a name and a range that starts before it ends; say why not."""
        request = self.request()
        problem = ""
        if not request.name:
            problem = "Give the baseline a name: letters, digits, '.', '_' or '-', starting with a letter."
        elif request.start >= request.end:
            problem = "The range must start before it ends."
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)
        replaces = request.name in self._existing
        self.hint.setText(problem or (f"Replaces the pinned baseline “{request.name}”." if replaces else ""))


def _date_edit(epoch: float) -> QDateTimeEdit:
    edit = QDateTimeEdit(QDateTime.fromSecsSinceEpoch(int(epoch)))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd HH:mm")
    return edit
