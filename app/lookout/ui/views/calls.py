"""The Calls view: a live, filterable table of calls with the call inspector beside it.

Filters (upstream, model, outcome, status, the window's time range) and a
full-text search over the redacted bodies narrow the table; the search waits
for a pause in typing. On new data only the rows recorded since the last look
are fetched and merged in; while the user is scrolled down, the rows they are
reading stay where they are.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlite_utils import Database

from lookout.store.browse import CallFilter, distinct_values, status_clause
from lookout.ui.context import AppContext, TimeRange
from lookout.ui.models.calls import COLUMNS, CallsTableModel
from lookout.ui.models.cell_painter import CellPainter
from lookout.ui.views.base import View
from lookout.ui.views.inspector import CallInspector

SEARCH_DELAY_MS = 250
ROW_HEIGHT = 22
STATUS_CHOICES = ("", "2xx", "4xx", "429", "5xx", "none")
_WIDTHS = {
    "Time": 95,
    "Upstream": 75,
    "Model": 150,
    "Operation": 85,
    "Status": 95,
    "Latency": 65,
    "TTFT": 65,
    "Tokens": 95,
    "Cost": 90,
}


class CallsTable(QTableView):
    """A table that keeps the rows being read in place when newer rows are inserted above them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setShowGrid(False)
        self.setCornerButtonEnabled(False)
        vertical = self.verticalHeader()
        vertical.hide()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(ROW_HEIGHT)
        # Always there: a scroll bar appearing with the first page would narrow the viewport
        # and repaint the whole table a second time.
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)

    def keep_position_after_insert(self, _parent: QModelIndex, first: int, last: int) -> None:
        bar = self.verticalScrollBar()
        if bar.value() == 0:
            return  # at the top: follow the newest calls, like a log tail
        if first * ROW_HEIGHT > bar.value():
            return  # inserted below the first visible row: nothing moves
        self.updateGeometries()  # the scroll range must include the new rows first
        bar.setValue(bar.value() + (last - first + 1) * ROW_HEIGHT)


class CallsView(View):
    key = "calls"
    title = "Calls"
    shortcut = "Ctrl+2"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.model = CallsTableModel(ctx, self)
        self.table = CallsTable()
        self.table.setModel(self.model)
        self.table.setItemDelegate(CellPainter(self.model, self.table))
        self.model.rowsInserted.connect(self.table.keep_position_after_insert)
        self.model.loaded.connect(self._on_loaded)
        self.model.modelReset.connect(self._on_loaded)
        self.table.selectionModel().currentRowChanged.connect(self._on_current)
        self.inspector = CallInspector(ctx)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search redacted bodies…  (Ctrl+K)")
        self.search.setClearButtonEnabled(True)
        self.upstream = _combo("All upstreams")
        self.model_box = _combo("All models")
        self.outcome = _combo("All outcomes")
        self.status = QComboBox()
        self.status.setEditable(True)
        self.status.addItems(STATUS_CHOICES)
        edit = self.status.lineEdit()
        if edit is not None:
            edit.setPlaceholderText("Any status")
        self.status.setToolTip("An HTTP status (429), a class (4xx), or none for calls without a response")
        self.summary = QLabel()
        # A fixed width: a count that changes every page must not relayout (and repaint) the view.
        self.summary.setFixedWidth(190)
        self.empty = QLabel()
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.linkActivated.connect(self.ctx.navigate_requested.emit)
        self._stack = QStackedWidget()
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_filters)
        self._applied_range: TimeRange | None = None
        self._sized = False
        self._layout()
        self._connect_filters()

    def _layout(self) -> None:
        filters = QHBoxLayout()
        filters.addWidget(self.search, 3)
        for box in (self.upstream, self.model_box, self.outcome, self.status):
            filters.addWidget(box, 1)
        filters.addWidget(self.summary)
        self._stack.addWidget(self.table)
        self._stack.addWidget(self.empty)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self._stack)
        splitter.addWidget(self.inspector)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 1)
        self._splitter = splitter
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(splitter, 1)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        for column, width in _WIDTHS.items():
            self.table.setColumnWidth(COLUMNS.index(column), width)

    def _connect_filters(self) -> None:
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.search.returnPressed.connect(self.apply_filters)
        for box in (self.upstream, self.model_box, self.outcome):
            box.currentIndexChanged.connect(lambda _i: self.apply_filters())
        self.status.currentTextChanged.connect(lambda _text: self.apply_filters())

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._sized:  # sizes only mean something once the view has its real width
            self._sized = True
            width = self._splitter.width()
            self._splitter.setSizes([width * 2 // 3, width - width * 2 // 3])

    # -- View --

    def refresh(self) -> None:
        """New time range: start over. Same range: fetch only what was recorded since."""
        if self._applied_range != self.ctx.time_range or not self.model.started:
            self.apply_filters()
        else:
            self.model.refresh_new()
        self.ctx.run("calls-choices", _choices, self._on_choices)

    def open_item(self, item_id: str) -> None:
        row = self.model.row_of(item_id)
        if row is not None:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))
        else:
            self.table.clearSelection()
        self.inspector.show_call(item_id)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    # -- filters --

    def current_filter(self) -> CallFilter:
        time_range = self.ctx.time_range
        since, until = time_range.iso_bounds()
        return CallFilter(
            since_iso=since,
            until_iso=None if time_range.preset else until,  # a preset range keeps growing
            upstream=_value(self.upstream),
            model=_value(self.model_box),
            outcome=_value(self.outcome),
            status=self.status.currentText().strip() or None,
            search=self.search.text().strip() or None,
        )

    def apply_filters(self) -> None:
        self._search_timer.stop()
        f = self.current_filter()
        try:
            status_clause(f.status)
        except ValueError as exc:
            self.summary.setText(str(exc).split(":")[0])
            self.status.setToolTip(str(exc))
            return
        self._applied_range = self.ctx.time_range
        self.summary.setText("Loading…")
        self.model.set_filter(f)

    def _on_choices(self, choices: dict[str, list[str]]) -> None:
        for box, column in (
            (self.upstream, "upstream"),
            (self.model_box, "model"),
            (self.outcome, "outcome"),
        ):
            known = {box.itemText(i) for i in range(1, box.count())}
            box.blockSignals(True)  # adding choices is not choosing one
            for value in choices[column]:
                if value not in known:
                    box.addItem(value, value)
            box.blockSignals(False)

    # -- table state --

    def _on_loaded(self) -> None:
        rows = self.model.rowCount()
        if self.model.loading and rows == 0:
            return
        more = " (scroll for more)" if self.model.canFetchMore(QModelIndex()) else ""
        self.summary.setText(f"{rows:,} calls{more}" if rows else "")
        if rows:
            self._stack.setCurrentWidget(self.table)
        else:
            self.empty.setText(self._empty_text())
            self._stack.setCurrentWidget(self.empty)

    def _empty_text(self) -> str:
        f = self.model.filter
        narrowed = any((f.upstream, f.model, f.outcome, f.status, f.search))
        if narrowed:
            return "No calls match these filters."
        return (
            f"No calls in the last {self.ctx.time_range.label}. "
            "Point your app at the proxy to see its calls here: "
            "<a href='connect'>connect your app</a>, or run <code>lookout demo</code>."
        )

    def _on_current(self, current: QModelIndex | QPersistentModelIndex, _previous: object) -> None:
        if current.isValid():
            call_id = self.model.call_at(current.row()).id
            if call_id != self.inspector.call_id:
                self.inspector.show_call(call_id)


def _choices(db: Database) -> dict[str, list[str]]:
    return {column: distinct_values(db, column) for column in ("upstream", "model", "outcome")}


def _combo(any_label: str) -> QComboBox:
    box = QComboBox()
    box.addItem(any_label, None)
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    return box


def _value(box: QComboBox) -> str | None:
    data = box.currentData()
    return data if isinstance(data, str) else None
