"""Spreading GUI work over event-loop turns, so no single turn holds input for long.

Building a view's charts can take a few hundred milliseconds in all; done at once
it would freeze the window (the budget is 50 ms per turn, issue 6). A
:class:`TurnQueue` runs its jobs a step per turn instead, on a 1 ms timer: input
and paint events are handled between steps. A job is an iterator whose every
``next`` is one step (e.g. :func:`lookout.ui.charts.fill_time_series`), or a plain
function wrapped by :func:`once`. Giving the queue new jobs drops the old ones, so a
fresher refresh always wins.

Example::

    self.turns = TurnQueue(self)
    self.turns.replace([once(lambda: update_chart(a)), fill_time_series(chart, series)])

Tests run whatever is pending with :func:`run_pending`.
"""

from __future__ import annotations

import weakref
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QWidget

Job = Iterator[None]

_queues: weakref.WeakSet[TurnQueue] = weakref.WeakSet()


class TurnQueue(QObject):
    """Jobs run in order, one step per event-loop turn."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs: deque[Job] = deque()
        # Not a zero timer: that may fire twice in one turn of the loop.
        self._timer = QTimer(self)
        self._timer.setInterval(1)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        # Re-armed after each step: a repeating timer overdue after a long step fires again
        # at once, running several steps in one turn, ahead of input and paint.
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._step)
        _queues.add(self)

    @property
    def busy(self) -> bool:
        return bool(self._jobs)

    def replace(self, jobs: Iterable[Job]) -> None:
        """Drop the jobs not yet done and run ``jobs`` instead, starting next turn."""
        self._jobs = deque(jobs)
        if self._jobs:
            self._timer.start()
        else:
            self._timer.stop()

    def run_all(self) -> None:
        """Run every pending step now (tests, or when the result is needed at once)."""
        while self._jobs:
            self._step()

    def _step(self) -> None:
        # One `next` per turn: the work a job does before it stops counts as its last step.
        if self._jobs:
            try:
                next(self._jobs[0])
            except StopIteration:
                self._jobs.popleft()
        if self._jobs:
            self._timer.start()
        else:
            self._timer.stop()


def once(step: Callable[[], None]) -> Job:
    """A job of one step."""
    step()
    yield from ()


def reveal(widgets: Sequence[QWidget]) -> Job:
    """Stop the widgets painting now, then let one more of them paint per step.

    For a view being shown: Qt paints all its widgets in one turn otherwise.
    """
    for widget in widgets:
        widget.setUpdatesEnabled(False)
    return _enable_one_per_step(list(widgets))


def _enable_one_per_step(widgets: list[QWidget]) -> Job:
    for widget in widgets:
        # The view may have been hidden or deleted meanwhile; re-enabling is harmless either way.
        if shiboken6.isValid(widget):
            widget.setUpdatesEnabled(True)
        yield


def run_pending() -> None:
    """Run every live queue's pending steps now (tests)."""
    for queue in list(_queues):
        # A queue whose widget Qt already deleted would build into deleted charts.
        if shiboken6.isValid(queue):
            queue.run_all()
