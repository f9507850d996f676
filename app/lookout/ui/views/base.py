"""The base class of the main window's views: a title, a shortcut, and a refresh hook.

The window owns the poll timer and the time-range selector. It calls
:meth:`View.refresh` on the visible view when the data or the range changes, so
hidden views cost nothing. A view fetches through ``ctx.run`` and never blocks.
"""

from __future__ import annotations

from typing import ClassVar

import pyqtgraph as pg
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QWidget

from lookout.ui.context import AppContext
from lookout.ui.turns import TurnQueue, reveal


class View(QWidget):
    """One sidebar entry. Subclasses set the class attributes and implement :meth:`refresh`."""

    key: ClassVar[str]  # stable id, e.g. "overview"
    title: ClassVar[str]  # sidebar label
    shortcut: ClassVar[str]  # e.g. "Ctrl+1"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._reveal = TurnQueue(self)

    def showEvent(self, event: QShowEvent) -> None:
        # Shown, every chart of a view would paint in the same turn: 15-40 ms each (issue 6).
        self._reveal.replace([reveal(self.findChildren(pg.PlotWidget))])
        super().showEvent(event)

    def refresh(self) -> None:
        """Re-query what the view shows (called when visible and data or range changed)."""
        raise NotImplementedError

    def open_item(self, item_id: str) -> None:
        """Show one item (a call, trace or error group id) after cross-view navigation.

        The window calls it after switching to this view for ``open_*_requested``;
        views that list such items override it.
        """
