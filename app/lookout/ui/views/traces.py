"""The Traces view: calls grouped by trace or session id, and the selected group's waterfall.

The list covers the selected time range, newest first, a page at a time: the
next page is read when the list is scrolled to its end. Selecting a group shows
its calls as a waterfall (see :mod:`lookout.ui.views.traces_waterfall`); clicking
a bar opens the call inspector. ``open_trace_requested`` (e.g. "Open trace" in
the inspector) shows that trace or session whenever it happened.
"""

from __future__ import annotations

import html
from typing import ClassVar

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from sqlite_utils import Database

from lookout.store.traces import (
    PAGE_SIZE,
    GroupBy,
    TracePage,
    TraceSummary,
    WaterfallRow,
    find_group,
    trace_calls,
    trace_page,
    waterfall,
)
from lookout.ui import theme
from lookout.ui.context import AppContext
from lookout.ui.models.cell_painter import CellPainter
from lookout.ui.models.rows import Column, RowsModel
from lookout.ui.views.base import View
from lookout.ui.views.traces_waterfall import WaterfallChart
from lookout.ui.views.view_helpers import (
    EmptyState,
    Requests,
    Stale,
    ago,
    check,
    duration_ms,
    list_table,
    local_time,
    money,
    when,
)

EMPTY_TEXT = (
    "No traced calls in this time range.<br>Send <code>x-lookout-trace</code> or "
    "<code>x-lookout-session</code> headers (or a W3C <code>traceparent</code>) with your calls "
    "to group them here."
)


def trace_columns() -> list[Column[TraceSummary]]:
    palette = theme.palette()
    return [
        Column("Started", lambda t: when(t.first_started), sort=lambda t: t.first_started,
               tooltip=lambda t: f"{local_time(t.first_started)} ({ago(t.first_started)})"),
        Column("Id", lambda t: t.id),
        Column("Calls", lambda t: f"{t.calls:,}", sort=lambda t: t.calls, numeric=True),
        Column("Errors", lambda t: f"{t.errors:,}" if t.errors else "", sort=lambda t: t.errors,
               numeric=True, color=lambda t: palette.error if t.errors else None),
        Column("Duration", lambda t: duration_ms(t.duration_ms), sort=lambda t: t.duration_ms, numeric=True),
        Column("Cost", lambda t: money(t.cost_usd), sort=lambda t: t.cost_usd, numeric=True),
        Column("Models", lambda t: ", ".join(t.models)),
    ]  # fmt: skip


class TracesView(View):
    key: ClassVar[str] = "traces"
    title: ClassVar[str] = "Traces"
    shortcut: ClassVar[str] = "Ctrl+7"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.group_by: GroupBy = "trace"
        self.selected: TraceSummary | None = None
        self.requests = Requests()  # each read of the list; a page of an older one is dropped
        self.model: RowsModel[TraceSummary] = RowsModel(trace_columns(), self)
        self.table = list_table(self.model, self)
        self.table.setItemDelegate(CellPainter(self.model, self.table))
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.waterfall = WaterfallChart()
        self.waterfall.call_clicked.connect(ctx.open_call_requested)
        self.heading = QLabel("Select a trace to see its calls.")
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        navigate = ctx.navigate_requested.emit
        self.empty = EmptyState(EMPTY_TEXT, "How to send these headers", "connect", navigate)
        self.pages = QStackedWidget()
        self.pages.addWidget(self._split())
        self.pages.addWidget(self.empty)
        layout = QVBoxLayout(self)
        layout.addLayout(self._toolbar())
        layout.addWidget(self.pages)
        # Keyboard: T and S switch grouping, Enter opens the first call of the selection.
        QShortcut(QKeySequence("T"), self, lambda: self.set_group_by("trace"))
        QShortcut(QKeySequence("S"), self, lambda: self.set_group_by("session"))

    def refresh(self) -> None:
        """Read the list again from the newest, as many rows as are loaded (so the place is kept)."""
        self._read(max(PAGE_SIZE, self.model.rowCount()))

    def _read(self, limit: int) -> None:
        since, until = self.ctx.time_range.iso_bounds()
        by, stale = self.group_by, self.requests.next()

        def first_pages(db: Database) -> TracePage:
            check(stale)  # a second refresh right after this one
            return trace_page(db, by=by, since_iso=since, until_iso=until, limit=limit)

        self.ctx.run("traces-list", first_pages, lambda page: self._show(stale, page, (since, until)))

    def set_group_by(self, by: GroupBy) -> None:
        if by != self.group_by:
            self.group_by = by
            self._buttons[by].setChecked(True)
            self.selected = None
            self._read(PAGE_SIZE)

    def open_item(self, item_id: str) -> None:
        """Show one trace (or session) by id, even outside the selected time range.

        The window calls this for ``open_trace_requested`` after switching to this view.
        """
        group_id = item_id
        self.ctx.run("traces-find", lambda db: find_group(db, group_id), self._found)

    def _toolbar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Group calls by"))
        group = QButtonGroup(self)
        self._buttons: dict[GroupBy, QPushButton] = {}
        choices: tuple[tuple[GroupBy, str], ...] = (("trace", "Trace (T)"), ("session", "Session (S)"))
        for by, text in choices:
            button = QPushButton(text)
            button.setCheckable(True)
            button.setChecked(by == self.group_by)
            button.clicked.connect(lambda _checked=False, chosen=by: self.set_group_by(chosen))
            group.addButton(button)
            self._buttons[by] = button
            bar.addWidget(button)
        bar.addStretch()
        self.count = QLabel("")
        bar.addWidget(self.count)
        return bar

    def _split(self) -> QSplitter:
        detail = QWidget()
        column = QVBoxLayout(detail)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.heading)
        column.addWidget(self.waterfall, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(detail)
        splitter.setSizes([520, 760])
        return splitter

    def _show(self, stale: Stale, page: TracePage, bounds: tuple[str, str]) -> None:
        traces = page.traces
        nothing = not traces and self.selected is None
        self.pages.setCurrentIndex(1 if nothing else 0)
        self.model.set_rows(traces)
        self._offer_next(stale, page, bounds)
        for column in range(self.model.columnCount() - 1):
            self.table.resizeColumnToContents(column)
        ids = [t.id for t in self.model.rows]  # in the user's sort, if they chose one
        keep = self.selected.id if self.selected is not None else None
        if keep in ids:
            self.table.selectRow(ids.index(keep))
        elif traces and self.selected is None:
            self.table.selectRow(0)

    def _offer_next(self, stale: Stale, page: TracePage, bounds: tuple[str, str]) -> None:
        """Offer the page after ``page`` if there is one, and say how many groups are listed."""
        if page.more:
            by, last = self.group_by, page.traces[-1]

            def next_page(db: Database) -> TracePage:
                return trace_page(db, by=by, since_iso=bounds[0], until_iso=bounds[1], after=last)

            fetch = lambda: self.ctx.run(  # noqa: E731
                "traces-page", next_page, lambda rows: self._append(stale, rows, bounds)
            )
            self.model.offer_more(fetch)
        noun = "traces" if self.group_by == "trace" else "sessions"
        listed, period = f"{self.model.rowCount():,} {noun}", self.ctx.time_range.label
        more = f"Newest {listed} of the last {period} (scroll for more)"
        self.count.setText(more if page.more else f"{listed} in the last {period}")

    def _append(self, stale: Stale, page: TracePage, bounds: tuple[str, str]) -> None:
        if not stale():  # else the list was read again meanwhile
            self.model.append_rows(page.traces)
            self._offer_next(stale, page, bounds)

    def _selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = selected.indexes()
        if rows:
            self._load(self.model.row(rows[0].row()))

    def _found(self, summary: TraceSummary | None) -> None:
        if summary is None:
            self.heading.setText("No calls with that trace or session id (they may have been purged).")
            self.waterfall.show_rows([])
            return
        self.pages.setCurrentIndex(0)
        regroup = summary.kind != self.group_by
        if regroup:
            self.group_by = summary.kind
            self._buttons[summary.kind].setChecked(True)
        self._load(summary)
        self._read(PAGE_SIZE if regroup else max(PAGE_SIZE, self.model.rowCount()))

    def _load(self, summary: TraceSummary) -> None:
        self.selected = summary

        def calls(db: Database) -> list[WaterfallRow]:
            return list(waterfall(summary, trace_calls(db, summary)))

        self.heading.setText(_heading(summary))
        self.ctx.run("traces-calls", calls, self.waterfall.show_rows)


def _heading(summary: TraceSummary) -> str:
    color = theme.palette().error
    errors = f", <span style='color:{color}'>{summary.errors} failed</span>" if summary.errors else ""
    return (
        f"<b>{summary.kind.capitalize()} {html.escape(summary.id)}</b> — {_calls(summary.calls)}{errors}, "
        f"{duration_ms(summary.duration_ms)}, from {local_time(summary.first_started)}. "
        "Hover a bar for details; click to open the call."
    )


def _calls(count: int) -> str:
    return f"{count} call" if count == 1 else f"{count} calls"
