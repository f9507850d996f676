"""The status bar's engine section: a coloured dot, the engine's one-line status, and Restart.

The dot follows the engine's state (running, capture paused, starting, stopped
or blocked by another program on the port). "Restart engine" appears only when
the engine died, so the fix is one click away from the message that says so.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from lookout.ui import theme
from lookout.ui.engine import EngineStatus


def status_color(status: EngineStatus, p: theme.Palette) -> str:
    """The colour of the engine's state, shared by the status bar and the tray icon."""
    if status.state == "running":
        return p.warning if status.paused else p.ok
    if status.state == "starting":
        return p.muted
    return p.error


class EngineStatusWidget(QWidget):
    """Shows an :class:`EngineStatus`; emits :attr:`restart_requested` from its button."""

    restart_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.dot = QLabel("●")
        self.text = QLabel()
        self.restart = QPushButton("Restart engine")
        self.restart.clicked.connect(self.restart_requested.emit)
        self.restart.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(self.dot)
        layout.addWidget(self.text)
        layout.addWidget(self.restart)
        self._status: EngineStatus | None = None
        theme.watcher().changed.connect(self._restyle)

    def show_status(self, status: EngineStatus) -> None:
        self._status = status
        self.text.setText(status.message)
        self.text.setToolTip(status.message)
        self.restart.setVisible(status.state == "dead")
        self._paint()

    def _restyle(self, _palette: theme.Palette) -> None:
        self._paint()

    def _paint(self) -> None:
        if self._status is not None:
            self.dot.setStyleSheet(f"color: {status_color(self._status, theme.palette())}")
