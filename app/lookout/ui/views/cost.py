"""The Cost view: spend per day stacked by model, tokens in/out/cached per model, unpriced calls
counted and listed (never shown as $0), and the projected month-end spend.

Everything is read in one off-thread query (:func:`cost_data`, one pass over the range) per
refresh, and shown a part per event-loop turn; the spend chart is built once and its bars
updated in place (:class:`~lookout.ui.charts_bars.StackedBars`). Days are local days;
ranges of two days or less are drawn per hour instead.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlite_utils import Database

from lookout.store.aggregates_models import (
    DailySpend,
    ModelUsage,
    MonthProjection,
    UnpricedCall,
    unpriced_calls,
)
from lookout.store.cost_reads import cost_summary
from lookout.ui.charts_bars import StackedBars
from lookout.ui.charts_format import format_value
from lookout.ui.charts_kpi import KpiCard
from lookout.ui.context import AppContext
from lookout.ui.turns import Job, TurnQueue, once
from lookout.ui.views.base import View
from lookout.ui.views.view_data import ViewData
from lookout.ui.views.view_helpers import EmptyState, content_or_empty, local_time, money, section_title

HOUR_S = 3600.0
DAY_S = 86_400.0
UNPRICED_LIMIT = 200
USAGE_COLUMNS = (
    "Model",
    "Upstream",
    "Calls",
    "Input tokens",
    "Output tokens",
    "Cached tokens",
    "Spend",
    "Unpriced",
)
UNPRICED_COLUMNS = ("Time", "Upstream", "Model", "Operation", "Input tokens", "Output tokens", "Cost")


@dataclass(frozen=True, slots=True)
class CostData:
    spend: DailySpend
    period_s: float
    usage: list[ModelUsage]
    unpriced: list[UnpricedCall]
    projection: MonthProjection


def cost_data(db: Database, start: float, end: float, *, utc_offset_s: float) -> CostData:
    """What the Cost view shows for ``[start, end)``; the projection is for the month containing ``end``."""
    period = HOUR_S if end - start <= 2 * DAY_S else DAY_S
    summary = cost_summary(db, start, end, utc_offset_s=utc_offset_s, period_s=period)
    return CostData(
        spend=summary.spend,
        period_s=period,
        usage=summary.usage,
        unpriced=unpriced_calls(db, start, end, limit=UNPRICED_LIMIT),
        projection=summary.projection,
    )


def local_utc_offset(at: float) -> float:
    """This machine's UTC offset in seconds at ``at`` (days and months are local)."""
    return float(time.localtime(at).tm_gmtoff)


def tokens(value: int | None) -> str:
    """A token count; unknown is "–", not 0."""
    return "–" if value is None else f"{value:,}"


class CostView(View):
    key = "cost"
    title = "Cost"
    shortcut = "Ctrl+6"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.spend_card = KpiCard("Spend in period (priced calls)")
        self.unpriced_card = KpiCard("Unpriced calls")
        self.projection_card = KpiCard("Projected month-end spend")
        self.spend: StackedBars | None = None  # built with the first data, then updated in place
        self._chart_box = QVBoxLayout()
        self.usage = _table(USAGE_COLUMNS)
        self.unpriced = _table(UNPRICED_COLUMNS)
        self.unpriced_title = section_title("Unpriced calls")
        self.unpriced.doubleClicked.connect(self._open_call)
        self.empty = EmptyState(
            "No calls in this period — connect your app or pick a longer range",
            "Connect your app →",
            "connect",
            ctx.navigate_requested.emit,
        )
        # A part per event-loop turn, so showing new data never blocks input for long (issue 6).
        self.turns = TurnQueue(self)
        self.data: ViewData[CostData] = ViewData(self, self.turns, self._query, self._jobs)
        self.stack = content_or_empty(self, self._content(), self.empty)

    def refresh(self) -> None:
        self.data.request()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.data.shown()

    def hideEvent(self, event: QHideEvent) -> None:
        self.data.hidden()
        super().hideEvent(event)

    def _query(self) -> None:
        start, end = self.ctx.time_range.bounds()
        offset = local_utc_offset(end)
        self.ctx.run("cost", lambda db: cost_data(db, start, end, utc_offset_s=offset), self.data.deliver)

    def _jobs(self, data: CostData) -> list[Job]:
        self.stack.setCurrentIndex(0 if data.usage else 1)
        if not data.usage:
            return []
        return [
            once(lambda: self._show_cards(data)),
            *([] if self.spend is not None else [once(self._build_chart)]),
            once(lambda: self._show_chart(data)),
            self._label_chart(),
            once(lambda: self._show_usage(data.usage)),
            once(lambda: self._show_unpriced(data)),
        ]

    def _content(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        cards = QHBoxLayout()
        for card in (self.spend_card, self.unpriced_card, self.projection_card):
            cards.addWidget(card)
        layout.addLayout(cards)
        layout.addLayout(self._chart_box)
        layout.addWidget(section_title("Tokens and spend by model"))
        layout.addWidget(self.usage)
        layout.addWidget(self.unpriced_title)
        layout.addWidget(self.unpriced)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(page)
        return scroll

    def _show_cards(self, data: CostData) -> None:
        priced = [u.cost_usd for u in data.usage if u.cost_usd is not None]
        unpriced = sum(u.unpriced_calls for u in data.usage)
        self.spend_card.show_value(
            format_value(sum(priced), "$") if priced else "unpriced",
            note=f"excludes {unpriced:,} unpriced calls" if unpriced else "",
        )
        self.unpriced_card.show_value(
            f"{unpriced:,}",
            note="models without a price: their cost is unknown, not $0" if unpriced else "",
        )
        p = data.projection
        month = time.strftime("%B", time.localtime(p.month_start + 86_400))
        note = f"+ {p.unpriced_calls:,} unpriced calls this month" if p.unpriced_calls else ""
        self.projection_card.show_value(format_value(p.projected_usd, "$"), note=note)
        self.projection_card.change.setText(
            f"{month}: {format_value(p.spent_usd, '$')} so far, {format_value(p.daily_rate_usd, '$')}/day "
            "over the last 7 days"
        )

    def _build_chart(self) -> None:
        self.spend = StackedBars(unit="$")
        self.spend.chart.setMinimumHeight(300)
        self._chart_box.addWidget(self.spend.chart)

    def _show_chart(self, data: CostData) -> None:
        assert self.spend is not None
        per = "hour" if data.period_s < DAY_S else "day"
        stacks = data.spend.by_model or {"no priced calls": data.spend.days * 0}
        self.spend.show(data.spend.days, stacks, bar_width_s=data.period_s, title=f"Spend per {per} by model")

    def _label_chart(self) -> Job:
        assert self.spend is not None
        yield from self.spend.label()

    def _show_usage(self, usage: list[ModelUsage]) -> None:
        rows = [
            (
                u.label,
                u.upstream,
                f"{u.calls:,}",
                tokens(u.input_tokens),
                tokens(u.output_tokens),
                tokens(u.cached_tokens),
                money(u.cost_usd),
                f"{u.unpriced_calls:,}" if u.unpriced_calls else "",
            )
            for u in usage
        ]
        _fill(self.usage, rows)

    def _show_unpriced(self, data: CostData) -> None:
        total = sum(u.unpriced_calls for u in data.usage)
        shown = f" (latest {len(data.unpriced)})" if total > len(data.unpriced) else ""
        self.unpriced_title.setText(f"Unpriced calls: {total:,}{shown}")
        rows = [
            (
                local_time(c.started_at),
                c.upstream,
                c.model or "–",
                c.operation or "–",
                tokens(c.input_tokens),
                tokens(c.output_tokens),
                "unpriced",
            )
            for c in data.unpriced
        ]
        _fill(self.unpriced, rows, ids=[c.id for c in data.unpriced])

    def _open_call(self) -> None:
        row = self.unpriced.currentRow()
        item = self.unpriced.item(row, 0)
        if item is not None:
            self.ctx.open_call_requested.emit(item.data(Qt.ItemDataRole.UserRole))


def _table(columns: tuple[str, ...]) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(columns)
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.verticalHeader().hide()
    table.horizontalHeader().setStretchLastSection(True)
    # Fitting columns measures 1000 rows by default: ~50 ms for the unpriced list (issue 6).
    table.horizontalHeader().setResizeContentsPrecision(40)
    table.setMinimumHeight(200)
    return table


def _fill(table: QTableWidget, rows: Sequence[tuple[str, ...]], ids: list[str] | None = None) -> None:
    table.setSortingEnabled(False)
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            item = QTableWidgetItem(value)
            if c >= 2 and (value[:1].isdigit() or value[:1] in ("$", "–") or value == "unpriced"):
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if ids is not None and c == 0:
                item.setData(Qt.ItemDataRole.UserRole, ids[r])
            table.setItem(r, c, item)
    table.resizeColumnsToContents()
