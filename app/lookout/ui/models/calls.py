"""The Calls table's Qt model: lazily fetched pages of calls, with new rows streaming in.

An adapter only: rows come from :mod:`lookout.store.browse` through ``ctx.run``
(off the GUI thread), a page at a time as the view scrolls (``canFetchMore`` /
``fetchMore``). Rows recorded later are merged in by :meth:`CallsTableModel.refresh_new`
at their sorted place, usually the top; the view keeps its scroll position.

Unknown numbers are shown as "—" and an unknown price as "unpriced", never as 0.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QColor

from lookout.store.browse import (
    PAGE_SIZE,
    CallFilter,
    CallSummary,
    Page,
    SortKey,
    calls_page,
    calls_recorded_since,
)
from lookout.ui import theme
from lookout.ui.context import AppContext
from lookout.ui.models.cell_painter import Cell

Index = QModelIndex | QPersistentModelIndex
DISPLAY = Qt.ItemDataRole.DisplayRole.value
ALIGNMENT = Qt.ItemDataRole.TextAlignmentRole.value
FOREGROUND = Qt.ItemDataRole.ForegroundRole.value
TOOLTIP = Qt.ItemDataRole.ToolTipRole.value
CALL_ID_ROLE = Qt.ItemDataRole.UserRole.value + 1
COLUMNS = ("Time", "Upstream", "Model", "Operation", "Status", "Latency", "TTFT", "Tokens", "Cost", "Trace")
NUMERIC = frozenset({"Latency", "TTFT", "Tokens", "Cost"})
OUTCOME_LABELS = {
    "ok": "ok",
    "error": "error",
    "client_aborted": "aborted",
    "upstream_unreachable": "unreachable",
    "upstream_timeout": "timeout",
}
DASH = "—"
_ids = itertools.count()


class CallsTableModel(QAbstractTableModel):
    """Calls matching a :class:`CallFilter`, newest first."""

    loaded = Signal()  # a page or new rows arrived (or a query failed): counts and empty states update

    def __init__(self, ctx: AppContext, parent: Any = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._key = f"calls-{next(_ids)}"
        self._filter = CallFilter()
        self._rows: list[CallSummary] = []
        self._ids: set[str] = set()
        self._cells: dict[str, tuple[str, ...]] = {}  # formatted once per row, on first paint
        self._colors: dict[str, QColor] = {}
        self._deferred: list[CallSummary] = []  # recorded late, older than every loaded row
        self._more = False
        self._loading = False
        self._epoch = 0  # bumped on reset: late answers for an old filter are dropped
        self._page_snapshot: int | None = None
        self._resume: SortKey | None = None
        self._new_since: int | None = None
        ctx.query_failed.connect(self._on_failed)
        theme.watcher().changed.connect(self._restyle)

    # -- what the view and tests use --

    @property
    def filter(self) -> CallFilter:
        return self._filter

    @property
    def loading(self) -> bool:
        return self._loading

    @property
    def started(self) -> bool:
        """True once the first page of the current filter has arrived."""
        return self._page_snapshot is not None

    def set_filter(self, f: CallFilter) -> None:
        """Show calls matching ``f``, from the newest."""
        self.beginResetModel()
        self._filter = f
        self._rows, self._ids, self._deferred = [], set(), []
        self._cells.clear()
        self._more, self._loading = False, False
        self._epoch += 1
        self._page_snapshot = self._new_since = None
        self._resume = None
        self.endResetModel()
        self._fetch_page()

    def refresh_new(self) -> None:
        """Merge in calls recorded since the last look (cheap: a rowid range)."""
        since = self._new_since
        if since is None:
            return  # the first page is not in yet; it will include them
        f, epoch = self._filter, self._epoch
        self._ctx.run(
            f"{self._key}-new",
            lambda db: calls_recorded_since(db, f, since),
            lambda page: self._on_new(epoch, page),
        )

    def call_at(self, row: int) -> CallSummary:
        return self._rows[row]

    def row_of(self, call_id: str) -> int | None:
        if call_id not in self._ids:
            return None
        return next(i for i, row in enumerate(self._rows) if row.id == call_id)

    # -- QAbstractTableModel --

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == DISPLAY:
            return COLUMNS[section]
        if role == ALIGNMENT:
            return _ALIGNMENTS[section]
        return None

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        # Called thousands of times per paint: plain ints, cached cells, no enum arithmetic.
        row, column = index.row(), index.column()
        if not (0 <= row < len(self._rows) and 0 <= column < len(COLUMNS)):
            return None
        if role == DISPLAY:
            return self._cells_at(row)[column]
        if role == ALIGNMENT:
            return _ALIGNMENTS[column]
        if role == FOREGROUND:
            return self._foreground(row, column)
        if role == CALL_ID_ROLE:
            return self._rows[row].id
        if role == TOOLTIP:
            return tooltip(self._rows[row], COLUMNS[column])
        return None

    def cell(self, row: int, column: int) -> Cell:
        """What one cell shows, for :class:`~lookout.ui.models.cell_painter.CellPainter`."""
        return self._cells_at(row)[column], _ALIGNMENTS[column], self._foreground(row, column)

    def _cells_at(self, row: int) -> tuple[str, ...]:
        call = self._rows[row]
        cells = self._cells.get(call.id)
        if cells is None:
            cells = self._cells[call.id] = tuple(_FORMATTERS[column](call) for column in COLUMNS)
        return cells

    def _foreground(self, row: int, column: int) -> QColor | None:
        if column == _STATUS_COLUMN:
            tone = theme.palette().outcome_color(self._rows[row].outcome)
        elif self._cells_at(row)[column] in (DASH, "unpriced"):
            tone = theme.palette().muted
        else:
            return None
        color = self._colors.get(tone)
        if color is None:
            color = self._colors[tone] = QColor(tone)
        return color

    @Slot(object)
    def _restyle(self, _palette: theme.Palette) -> None:
        self._colors.clear()
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(COLUMNS) - 1))

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._more and not self._loading

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self._fetch_page()

    # -- loading --

    def _fetch_page(self) -> None:
        f, epoch, upto = self._filter, self._epoch, self._page_snapshot
        after: SortKey | None = self._resume or (self._rows[-1].key if self._rows else None)
        self._loading = True
        self._ctx.run(
            f"{self._key}-page",
            lambda db: calls_page(db, f, after=after, upto=upto),
            lambda page: self._on_page(epoch, page),
        )

    def _on_page(self, epoch: int, page: Page) -> None:
        if epoch != self._epoch:
            return
        self._loading = False
        if self._page_snapshot is None:
            self._page_snapshot = self._new_since = page.snapshot
        self._more = page.more
        self._resume = page.after
        rows = [row for row in page.rows if row.id not in self._ids]
        if self._deferred:
            rows = self._take_deferred(rows, page)
        if rows:
            self._insert_block(len(self._rows), rows)
        self.loaded.emit()
        if page.more and len(page.rows) < PAGE_SIZE:
            self._fetch_page()  # a search window ran out first: go on without waiting for a scroll

    def _take_deferred(self, rows: list[CallSummary], page: Page) -> list[CallSummary]:
        """Late rows that belong in this page's stretch, merged into it in order."""
        floor = page.rows[-1].key if page.rows and page.more else None
        due = [row for row in self._deferred if floor is None or row.key > floor]
        self._deferred = [row for row in self._deferred if row not in due]
        return sorted(rows + due, key=lambda row: row.key, reverse=True)

    def _on_new(self, epoch: int, page: Page) -> None:
        if epoch != self._epoch:
            return
        self._new_since = page.snapshot
        rows = sorted(page.rows, key=lambda r: r.key, reverse=True)
        if (
            rows
            and all(r.id not in self._ids for r in rows)
            and (not self._rows or rows[-1].key > self._rows[0].key)
        ):
            self._insert_block(0, rows)  # the usual case: all newer than the top, one insert
        else:
            for row in rows:
                self._merge(row)
        self.loaded.emit()
        if page.more:
            self.refresh_new()

    def _merge(self, row: CallSummary) -> None:
        if row.id in self._ids:  # the recorder re-sent it: update in place
            at = self.row_of(row.id)
            if at is not None:
                self._rows[at] = row
                self._cells.pop(row.id, None)
                self.dataChanged.emit(self.index(at, 0), self.index(at, len(COLUMNS) - 1))
            return
        at = _insert_position(self._rows, row.key)
        if at == len(self._rows) and self._more:
            self._deferred.append(row)  # older than every loaded row: it comes with its page
            return
        self._insert_block(at, [row])

    def _insert_block(self, at: int, rows: list[CallSummary]) -> None:
        self.beginInsertRows(QModelIndex(), at, at + len(rows) - 1)
        self._rows[at:at] = rows
        self._ids.update(row.id for row in rows)
        self.endInsertRows()

    @Slot(str, str)
    def _on_failed(self, key: str, _message: str) -> None:
        if key.startswith(self._key):
            self._loading = False
            self._more = False
            self.loaded.emit()


def _insert_position(rows: Sequence[CallSummary], key: SortKey) -> int:
    """Where ``key`` goes in rows sorted by key, descending."""
    lo, hi = 0, len(rows)
    while lo < hi:
        mid = (lo + hi) // 2
        if rows[mid].key > key:
            lo = mid + 1
        else:
            hi = mid
    return lo


def display(call: CallSummary, column: str) -> str:
    """The text of one cell."""
    return _FORMATTERS[column](call)


def tooltip(call: CallSummary, column: str) -> str | None:
    if column == "Time":
        return f"{local_time(call.started_at).isoformat(sep=' ', timespec='milliseconds')} (local)"
    if column == "Cost" and call.cost_usd is None and call.outcome == "ok":
        return "No price is known for this model: not counted as $0"
    if column == "Trace":
        parts = [
            f"trace {call.trace_id}" if call.trace_id else "",
            f"session {call.session_id}" if call.session_id else "",
        ]
        return "\n".join(p for p in parts if p) or None
    if column == "Status":
        return f"outcome: {call.outcome}" + ("" if call.status_code is None else f", HTTP {call.status_code}")
    return None


def local_time(started_at: str) -> datetime:
    return datetime.fromisoformat(started_at.replace("Z", "+00:00")).astimezone()


def milliseconds(value: float | None) -> str:
    if value is None:
        return DASH
    return f"{value:.0f} ms" if value < 1000 else f"{value / 1000:.2f} s"


def dollars(value: float) -> str:
    """Two significant digits below a dollar, cents above: $0.000038, $0.0043, $0.43, $1.50."""
    if value >= 1 or value == 0:
        return f"${value:,.2f}"
    return f"${value:.{1 - math.floor(math.log10(value))}f}"


def _time(call: CallSummary) -> str:
    moment = local_time(call.started_at)
    today = datetime.now().astimezone().date()
    pattern = "%H:%M:%S.%f" if moment.date() == today else "%b %d %H:%M:%S.%f"
    return moment.strftime(pattern)[:-3]


def _status(call: CallSummary) -> str:
    code = DASH if call.status_code is None else str(call.status_code)
    return f"{code} · {OUTCOME_LABELS.get(call.outcome, call.outcome)}"


def _tokens(call: CallSummary) -> str:
    if call.input_tokens is None and call.output_tokens is None:
        return DASH
    count_in = "?" if call.input_tokens is None else f"{call.input_tokens:,}"
    count_out = "?" if call.output_tokens is None else f"{call.output_tokens:,}"
    return f"{count_in} → {count_out}"


def _cost(call: CallSummary) -> str:
    if call.cost_usd is not None:
        return dollars(call.cost_usd)
    return "unpriced" if call.outcome == "ok" else DASH


def _trace(call: CallSummary) -> str:
    ident = call.trace_id or call.session_id
    if not ident:
        return ""
    return ident if len(ident) <= 16 else ident[:15] + "…"


_FORMATTERS: dict[str, Callable[[CallSummary], str]] = {
    "Time": _time,
    "Upstream": lambda call: call.upstream,
    "Model": lambda call: call.model or DASH,
    "Operation": lambda call: call.operation or DASH,
    "Status": _status,
    "Latency": lambda call: milliseconds(call.latency_ms),
    "TTFT": lambda call: milliseconds(call.ttft_ms),
    "Tokens": _tokens,
    "Cost": _cost,
    "Trace": _trace,
}


def _alignment(column: str) -> int:
    horizontal = Qt.AlignmentFlag.AlignRight if column in NUMERIC else Qt.AlignmentFlag.AlignLeft
    return int((horizontal | Qt.AlignmentFlag.AlignVCenter).value)


_ALIGNMENTS = tuple(_alignment(column) for column in COLUMNS)
_STATUS_COLUMN = COLUMNS.index("Status")
