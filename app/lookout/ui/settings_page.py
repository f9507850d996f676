"""What every Settings page shares: the config file it edits, saving off the GUI thread, a status line.

A page collects its changes as key paths (``("proxy", "port")``) and calls
:meth:`SettingsPage.save`; :func:`lookout.core.config_file.update_config` validates
and writes them atomically on the page's worker. The engine reads the config at
start, so the status line says when a change needs an engine restart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QVBoxLayout, QWidget

from lookout.core.config import Config, ConfigError, load_config
from lookout.core.config_file import KeyPath, update_config
from lookout.ui import theme
from lookout.ui.context import AppContext
from lookout.ui.views.view_helpers import Worker

RESTART_NOTE = "Restart the engine (status bar) for it to take effect."


class SettingsPage(QWidget):
    """One tab of the Settings view."""

    title = ""

    def __init__(self, ctx: AppContext, config_path: Callable[[], Path], worker: Worker) -> None:
        super().__init__()
        self.ctx = ctx
        self.config_path = config_path
        self.worker = worker
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.layout_ = QVBoxLayout(self)
        self.build()
        self.layout_.addWidget(self.status)
        self.layout_.addStretch()

    def build(self) -> None:
        """Create the page's widgets (the status line goes under them)."""

    def load(self) -> None:
        """Re-read what the page shows (called when the Settings view is shown)."""

    def current(self) -> Config:
        """The settings the file holds now (the running app's when there is no file or it is broken)."""
        path = self.config_path()
        if not path.exists():
            return self.ctx.config
        try:
            return load_config(path)
        except ConfigError as exc:
            self.say(f"The config file has a problem, showing the running settings: {exc}", error=True)
            return self.ctx.config

    def save(self, changes: Mapping[KeyPath, Any], done: Callable[[Config], None] | None = None) -> None:
        path = self.config_path()

        def finished(result: Config | Exception) -> None:
            if isinstance(result, Exception):
                self.say(f"Not saved: {result}", error=True)
                return
            self.say(f"Saved to {path}. {RESTART_NOTE}")
            if done is not None:
                done(result)

        self.worker.start(lambda: update_config(path, changes), finished)

    def say(self, text: str, *, error: bool = False) -> None:
        color = theme.palette().error if error else theme.palette().muted
        self.status.setStyleSheet(f"color: {color};")
        self.status.setText(text)

    def group(self, title: str) -> QFormLayout:
        """A titled box of form rows, added to the page."""
        box = QGroupBox(title)
        form = QFormLayout(box)
        # Number fields keep their natural width; text fields that need room set a minimum.
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        self.layout_.addWidget(box)
        return form
