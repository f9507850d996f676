"""The Errors view: error groups with their 24-hour sparklines, status actions, and a group's detail.

Actions change a group's lifecycle (resolve, ignore for a while or for a number
of events, reopen) through ``store.groups.update_group_state`` on a short-lived
writer connection, off the GUI thread; the recorder may be writing at the same
time, and the store's write transaction makes that safe. Keys: R resolves,
I opens the ignore choices, U reopens, Enter in the events list opens the call.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from PySide6.QtCore import QItemSelection, QModelIndex, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from sqlite_utils import Database

from lookout.analysis import lifecycle
from lookout.analysis.lifecycle import GroupState
from lookout.core.clock import iso_utc, now, parse_iso
from lookout.core.models import ErrorGroup
from lookout.store.db import open_writer
from lookout.store.group_queries import GroupCall, group_histogram, group_histograms, latest_events
from lookout.store.group_queries import list_groups as store_list_groups
from lookout.store.groups import Granularity, update_group_state
from lookout.ui import theme
from lookout.ui.charts_bars import stacked_bar_chart
from lookout.ui.context import AppContext
from lookout.ui.models.groups import SPARK_COLUMN, GroupRow, GroupsModel, SparklineDelegate, status_text
from lookout.ui.models.rows import Column, RowsModel
from lookout.ui.views.base import View
from lookout.ui.views.view_helpers import EmptyState, Worker, duration_ms, list_table, local_time, when

STATUSES = ("unresolved", "resolved", "ignored", "all")
HISTOGRAM_SPAN_S: dict[Granularity, float] = {"hour": 48 * 3600.0, "day": 30 * 86400.0}
# (label, ignore for seconds, ignore until this many more events)
IGNORE_CHOICES: tuple[tuple[str, float | None, int | None], ...] = (
    ("Ignore forever", None, None),
    ("Ignore for 1 hour", 3600.0, None),
    ("Ignore for 24 hours", 86400.0, None),
    ("Ignore for 7 days", 7 * 86400.0, None),
    ("Ignore until 10 more events", None, 10),
    ("Ignore until 100 more events", None, 100),
)
EMPTY_TEXT = "No error groups here. Failed calls are grouped by cause as they arrive."
Change = Callable[[GroupState], GroupState]


@dataclass(frozen=True, slots=True)
class GroupDetail:
    histogram: list[tuple[str, int]]
    events: list[GroupCall]


def group_rows(db: Database, status: str, at: float) -> list[GroupRow]:
    """The groups with the given status and their hourly counts for the last 24 hours."""
    groups = store_list_groups(db, status=status, limit=500, now=at)
    hourly = group_histograms(db, [g.id for g in groups], "hour", iso_utc(at - 23 * 3600), iso_utc(at))
    return [GroupRow(group, tuple(hourly[group.id])) for group in groups]


def change_state(data_dir: Path, group_id: str, change: Change) -> GroupState:
    """Apply a lifecycle change on a writer connection opened for just this."""
    db = open_writer(data_dir)
    try:
        return update_group_state(db, group_id, change)
    finally:
        db.close()


def event_columns() -> list[Column[GroupCall]]:
    return [
        Column("Time", lambda e: when(e.started_at), sort=lambda e: e.started_at,
               tooltip=lambda e: local_time(e.started_at)),
        Column("Model", lambda e: e.model or "–"),
        Column("Upstream", lambda e: e.upstream),
        Column("Status", lambda e: str(e.status_code or e.outcome)),
        Column("Latency", lambda e: duration_ms(e.latency_ms), sort=lambda e: e.latency_ms, numeric=True),
        Column("Message (redacted)", lambda e: e.error_message or "–", tooltip=lambda e: e.error_message),
    ]  # fmt: skip


class ErrorsView(View):
    key: ClassVar[str] = "errors"
    title: ClassVar[str] = "Errors"
    shortcut: ClassVar[str] = "Ctrl+3"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.status = "unresolved"
        self.granularity: Granularity = "hour"
        self.selected: ErrorGroup | None = None
        self._wanted: str | None = None  # a group to select once the list arrives
        self.worker = Worker(self)
        self.model = GroupsModel(self)
        self.table = list_table(self.model, self)
        self.table.setItemDelegateForColumn(SPARK_COLUMN, SparklineDelegate(self.table))
        self.table.setColumnWidth(0, 380)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.events: RowsModel[GroupCall] = RowsModel(event_columns(), self)
        self.events_table = list_table(self.events, self)
        self.events_table.activated.connect(self._open_event)
        self.message = QLabel("")
        self.empty = EmptyState(EMPTY_TEXT, "See all calls", "calls", ctx.navigate_requested.emit)
        self.pages = QStackedWidget()
        self.pages.addWidget(self._split())
        self.pages.addWidget(self.empty)
        layout = QVBoxLayout(self)
        layout.addLayout(self._toolbar())
        layout.addWidget(self.pages)
        for key, action in (("R", self.resolve), ("I", self.ignore_button.showMenu), ("U", self.reopen)):
            QShortcut(QKeySequence(key), self, action)

    # ------------------------------------------------------------------ data

    def refresh(self) -> None:
        status, at = self.status, now()
        self.ctx.run("errors-list", lambda db: group_rows(db, status, at), self._show)

    def open_item(self, item_id: str) -> None:
        """Select a group by id, showing every status if the current filter hides it."""
        self._wanted = item_id
        if item_id not in self.model.group_ids() and self.status != "all":
            self.set_status("all")
        else:
            self._select_wanted()

    def set_status(self, status: str) -> None:
        if self.status_box.currentIndex() != STATUSES.index(status):
            self.status_box.setCurrentIndex(STATUSES.index(status))  # refreshes via _status_chosen
        else:
            self._status_chosen(STATUSES.index(status))

    def _status_chosen(self, index: int) -> None:
        self.status = STATUSES[index]
        self.refresh()

    def set_granularity(self, granularity: Granularity) -> None:
        self.granularity = granularity
        if self.selected is not None:
            self._load(self.selected)

    # ------------------------------------------------------------------ actions

    def resolve(self) -> None:
        self._change("Resolved", lambda state: lifecycle.resolve(state, now()))

    def ignore(self, for_s: float | None = None, until_count: int | None = None) -> None:
        self._change(
            "Ignored", lambda state: lifecycle.ignore(state, now(), for_s=for_s, until_count=until_count)
        )

    def reopen(self) -> None:
        new_days = self.ctx.config.errors.new_days
        self._change("Reopened", lambda state: lifecycle.reopen(state, now(), new_days))

    def _ignore_action(self, for_s: float | None, count: int | None) -> Callable[[], None]:
        return lambda: self.ignore(for_s, count)

    def _change(self, done_text: str, change: Change) -> None:
        group = self.selected
        if group is None:
            self.message.setText("Select a group first.")
            return
        data_dir = self.ctx.config.data_dir

        def finished(result: GroupState | Exception) -> None:
            if isinstance(result, Exception):
                self.message.setText(f"Could not change the group: {result}")
                return
            self.message.setText(f"{done_text}: {group.title[:60]}")
            self.refresh()

        self.worker.start(lambda: change_state(data_dir, group.id, change), finished)

    # ------------------------------------------------------------------ layout

    def _toolbar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        self.status_box = QComboBox()
        self.status_box.addItems([s.capitalize() for s in STATUSES])
        self.status_box.currentIndexChanged.connect(self._status_chosen)
        bar.addWidget(QLabel("Show"))
        bar.addWidget(self.status_box)
        self.resolve_button = QPushButton("Resolve (R)")
        self.resolve_button.clicked.connect(self.resolve)
        self.ignore_button = QPushButton("Ignore (I)")
        menu = QMenu(self.ignore_button)
        for label, for_s, count in IGNORE_CHOICES:
            menu.addAction(label, self._ignore_action(for_s, count))
        self.ignore_button.setMenu(menu)
        self.reopen_button = QPushButton("Reopen (U)")
        self.reopen_button.clicked.connect(self.reopen)
        for button in (self.resolve_button, self.ignore_button, self.reopen_button):
            bar.addWidget(button)
        bar.addWidget(self.message, 1)
        return bar

    def _split(self) -> QSplitter:
        self.detail_title = QLabel("Select a group to see when it happens and its latest events.")
        self.detail_title.setWordWrap(True)
        self.detail_title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.chart_slot = QVBoxLayout()
        granularity = QHBoxLayout()
        group = QButtonGroup(self)
        for value, text in (("hour", "Hourly (48 h)"), ("day", "Daily (30 d)")):
            button = QPushButton(text)
            button.setCheckable(True)
            button.setChecked(value == self.granularity)
            button.clicked.connect(lambda _c=False, g=value: self.set_granularity(g))
            group.addButton(button)
            granularity.addWidget(button)
        granularity.addStretch()
        detail = QWidget()
        column = QVBoxLayout(detail)
        column.addWidget(self.detail_title)
        column.addLayout(granularity)
        column.addLayout(self.chart_slot, 2)
        column.addWidget(QLabel("Latest events: Enter or double-click opens the call"))
        column.addWidget(self.events_table, 3)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(detail)
        splitter.setSizes([330, 470])
        return splitter

    # ------------------------------------------------------------------ results

    def _show(self, rows: list[GroupRow]) -> None:
        self.pages.setCurrentIndex(0 if rows or self.status != "unresolved" else 1)
        keep = self._wanted or (self.selected.id if self.selected else None)
        self.model.set_rows(rows)
        ids = self.model.group_ids()
        if keep in ids:
            self._wanted = keep
            self._select_wanted()
        elif rows:
            self.table.selectRow(0)
        else:
            self.selected = None

    def _select_wanted(self) -> None:
        ids = self.model.group_ids()
        if self._wanted in ids:
            self.table.selectRow(ids.index(self._wanted))
            self._wanted = None

    def _selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if indexes:
            self._load(self.model.row(indexes[0].row()).group)

    def _load(self, group: ErrorGroup) -> None:
        self.selected = group
        self.detail_title.setText(_describe(group))
        granularity, at = self.granularity, now()
        since = iso_utc(at - HISTOGRAM_SPAN_S[granularity])

        def detail(db: Database) -> GroupDetail:
            return GroupDetail(group_histogram(db, group.id, granularity, since), latest_events(db, group.id))

        self.ctx.run("errors-detail", detail, self._show_detail)

    def _show_detail(self, detail: GroupDetail) -> None:
        while self.chart_slot.count():
            item = self.chart_slot.takeAt(0)
            old = item.widget() if item is not None else None
            if old is not None:
                old.deleteLater()
        starts = [parse_iso(bucket) for bucket, _ in detail.histogram]
        counts = [count for _, count in detail.histogram]
        width = 3600.0 if self.granularity == "hour" else 86400.0
        title = "Events per hour" if self.granularity == "hour" else "Events per day"
        self.histogram = stacked_bar_chart(starts, {"events": counts}, title=title, unit="events",
                                           bar_width_s=width)  # fmt: skip
        self.chart_slot.addWidget(self.histogram)
        self.events.set_rows(detail.events)

    def _open_event(self, index: QModelIndex) -> None:
        self.ctx.open_call_requested.emit(self.events.row(index.row()).id)


def _describe(group: ErrorGroup) -> str:
    color = theme.palette().error if group.status == "unresolved" else theme.palette().muted
    where = ", ".join(group.upstreams) or "–"
    return (
        f"<b>{html.escape(group.title)}</b><br>"
        f"<span style='color:{color}'>{status_text(group)}</span> · {group.count:,} events · "
        f"{html.escape(group.failure or 'failure')} · {html.escape(where)} · "
        f"first {local_time(group.first_seen)}, "
        f"last {local_time(group.last_seen)} · id <code>{group.id}</code>"
    )
