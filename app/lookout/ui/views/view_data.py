"""A view's data flow: at most one query per event-loop turn, and its results shown only while visible.

The window may ask a view to refresh several times in one turn (it is shown, the range
changed, F5); each request would otherwise start its own query, and two queries of a
month of calls on two threads take twice as long as one (they share the GIL and the
cores). A result that arrives while the view is hidden (the user moved on before its
query finished), and what is left of showing one when the view is hidden mid-way, waits
until the view is shown again rather than being drawn behind the view the user is
looking at (issue 6: a view's work competes with the visible one's for the GUI thread).

Showing data is a list of :class:`~lookout.ui.turns.TurnQueue` jobs that make the
view show exactly that data (updating what it already shows), so showing the same data
again finishes what was left, cheaply. Example::

    self.data = ViewData(self, self.turns, self._query, self._jobs)

    def refresh(self) -> None:
        self.data.request()

    def _query(self) -> None:
        self.ctx.run("cost", lambda db: cost_data(db, start, end), self.data.deliver)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QWidget

from lookout.ui.turns import Job, TurnQueue

T = TypeVar("T")


class ViewData(QObject, Generic[T]):
    """Coalesced queries and visibility-aware showing of their results for one view."""

    def __init__(
        self,
        view: QWidget,
        turns: TurnQueue,
        query: Callable[[], None],
        jobs: Callable[[T], Sequence[Job]],
    ) -> None:
        super().__init__(view)
        self._view, self._turns, self._jobs = view, turns, jobs
        self._unshown: T | None = None  # the latest data, until its jobs have all run
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(query)

    def request(self) -> None:
        """Query on the next turn of the event loop, once however often this is called before."""
        self._timer.start()

    def deliver(self, data: T) -> None:
        """Show ``data`` now if the view is visible, else when it is next shown."""
        self._unshown = data
        if self._view.isVisible():
            self._show()

    def shown(self) -> None:
        """Call from the view's ``showEvent``."""
        if self._unshown is not None:
            self._show()

    def hidden(self) -> None:
        """Call from the view's ``hideEvent``: what is left of showing the data waits."""
        self._turns.replace([])

    def _show(self) -> None:
        data = self._unshown
        assert data is not None
        self._turns.replace([*self._jobs(data), self._done(data)])

    def _done(self, data: T) -> Job:
        if self._unshown is data:
            self._unshown = None
        yield from ()
