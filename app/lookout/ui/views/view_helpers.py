"""Small pieces the Errors, Drift, Traces, Alerts, Settings and Connect views share.

Formatting of stored values for people (local times, "3 min ago", durations,
money where unknown is not zero), the empty-state panel that points somewhere
useful, a list table set up the same way everywhere, a way for a superseded
query to stop early, and a worker for blocking work that is not a database read
(writes, network probes, redaction).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from lookout.core.clock import parse_iso
from lookout.ui import theme
from lookout.ui.charts_format import format_value

T = TypeVar("T")


def local_time(iso: str | None, *, with_date: bool = True) -> str:
    """A stored timestamp as local wall-clock time ("–" when missing)."""
    if not iso:
        return "–"
    pattern = "%Y-%m-%d %H:%M:%S" if with_date else "%H:%M:%S"
    return time.strftime(pattern, time.localtime(parse_iso(iso)))


def when(iso: str | None, now: float | None = None) -> str:
    """Time of day for the last 24 hours, date and time before that."""
    if not iso:
        return "–"
    recent = (time.time() if now is None else now) - parse_iso(iso) < 86400
    return local_time(iso, with_date=False) if recent else local_time(iso)[:-3]


def ago(iso: str | None, now: float | None = None) -> str:
    """How long before ``now`` a stored timestamp was: "just now", "5 min ago", "3 d ago"."""
    if not iso:
        return "–"
    seconds = max(0.0, (time.time() if now is None else now) - parse_iso(iso))
    for limit, unit, size in ((60, "", 1), (3600, "min", 60), (86400, "h", 3600)):
        if seconds < limit:
            return "just now" if not unit else f"{int(seconds // size)} {unit} ago"
    return f"{int(seconds // 86400)} d ago"


def duration_ms(value: float | None) -> str:
    return "–" if value is None else format_value(value, "ms")


def money(value: float | None) -> str:
    """USD, or "unpriced" for unknown: unknown is not $0."""
    return "unpriced" if value is None else format_value(value, "$")


class EmptyState(QLabel):
    """A centred explanation with a link to the view that helps (e.g. "connect" for Connect)."""

    def __init__(self, text: str, link_text: str, target: str, navigate: Callable[[str], None]) -> None:
        super().__init__(f"{text}<br><br><a href='{target}'>{link_text}</a>")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setStyleSheet(f"color: {theme.palette().muted}; font-size: 14px; padding: 40px;")
        self.linkActivated.connect(navigate)


def list_table(model: Any, parent: QWidget | None = None) -> QTableView:
    """A row-selecting, sortable table with a stretching last column."""
    table = QTableView(parent)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    # No sort indicator at first: rows keep the order the query chose until the user sorts.
    table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
    table.setSortingEnabled(True)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(26)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    header = table.horizontalHeader()
    header.setStretchLastSection(True)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setHighlightSections(False)
    # Fitting a column to its contents measures every row by default (1000): with a few
    # hundred rows that alone blocks input for ~250 ms (issue 6); the first rows suffice.
    header.setResizeContentsPrecision(40)
    return table


def section_title(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet("font-weight: 600; font-size: 13px; padding: 4px 0;")
    return label


def padded(*widgets: QWidget) -> QWidget:
    """Widgets stacked in a plainly padded column."""
    box = QWidget()
    layout = QVBoxLayout(box)
    for widget in widgets:
        layout.addWidget(widget)
    return box


def content_or_empty(view: QWidget, content: QWidget, empty: QWidget) -> QStackedWidget:
    """Fill ``view`` with a stack of its content (page 0) and its empty state (page 1)."""
    stack = QStackedWidget()
    stack.addWidget(content)
    stack.addWidget(empty)
    layout = QVBoxLayout(view)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(stack)
    return stack


class Superseded(Exception):
    """Raised by a view's query that a newer one replaced before it finished; never shown.

    ``AppContext.run`` delivers only the newest answer per key, so a superseded query
    (a second refresh right after the first, a range picked while the last one loads)
    may stop at its next step instead of finishing work nobody will see.
    """


Stale = Callable[[], bool]


def never() -> bool:
    """The check of a query that nothing supersedes."""
    return False


class Requests:
    """Numbers a view's requests so that a query can tell it was superseded (see :class:`Superseded`).

    Example::

        stale = self.requests.next()
        self.ctx.run("overview", lambda db: overview_data(db, start, end, stale=stale), self.show)
    """

    def __init__(self) -> None:
        self._latest = 0

    def next(self) -> Stale:
        """A new request; the returned check is true once a newer one was made."""
        self._latest += 1
        mine = self._latest
        return lambda: self._latest != mine


def check(stale: Stale) -> None:
    """Stop a superseded query here (raises :class:`Superseded`)."""
    if stale():
        raise Superseded


class _Relay(QObject):
    done = Signal(object, object)  # callback, result (an Exception on failure)


class _Task(QRunnable):
    def __init__(self, work: Callable[[], Any], relay: _Relay, done: Callable[[Any], None]) -> None:
        super().__init__()
        self._work, self._relay, self._done = work, relay, done

    def run(self) -> None:
        try:
            result = self._work()
        except Exception as exc:  # handed to the GUI thread, which shows it
            result = exc
        self._relay.done.emit(self._done, result)


class Worker(QObject):
    """Runs blocking work that is not a store read off the GUI thread, one job at a time.

    ``done`` receives the result, or the exception the work raised; the caller
    decides what to show. Tests call :meth:`wait` to let the job finish.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._relay = _Relay(self)
        self._relay.done.connect(lambda done, result: done(result))

    def start(self, work: Callable[[], T], done: Callable[[T | Exception], None]) -> None:
        self._pool.start(_Task(work, self._relay, done))

    def wait(self, timeout_ms: int = 30_000) -> bool:
        return self._pool.waitForDone(timeout_ms)
