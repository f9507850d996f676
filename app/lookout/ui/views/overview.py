"""The Overview view: KPI cards against the previous period, calls/min and errors/min, top error
groups and open alerts, or the "connect your app" empty state when nothing was recorded yet.

Everything is read in one off-thread query (:func:`overview_data`) per refresh.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)
from sqlite_utils import Database

from lookout.core.clock import iso_utc
from lookout.core.models import Alert, ErrorGroup
from lookout.store.aggregates import KpiComparison, RateSeries, call_rates, kpis
from lookout.store.alerts import open_alerts
from lookout.store.group_queries import list_groups
from lookout.ui.charts import Chart, Series, fill_time_series, time_series_frame, update_time_series
from lookout.ui.charts_format import format_value
from lookout.ui.charts_kpi import Better, KpiCard
from lookout.ui.context import AppContext
from lookout.ui.turns import Job, TurnQueue, once
from lookout.ui.views.base import View
from lookout.ui.views.view_helpers import (
    EmptyState,
    Requests,
    Stale,
    ago,
    check,
    content_or_empty,
    never,
    section_title,
)

TOP_GROUPS = 5
# (KPI field, card title, unit, which way is good news)
CARDS: tuple[tuple[str, str, str, Better], ...] = (
    ("calls", "Calls", "", "neither"),
    ("error_rate", "Error rate", "%", "lower"),
    ("latency_p50_ms", "Latency p50", "ms", "lower"),
    ("latency_p95_ms", "Latency p95", "ms", "lower"),
    ("ttft_p50_ms", "TTFT p50", "ms", "lower"),
    ("tokens", "Tokens", "", "neither"),
    ("cost_usd", "Spend", "$", "neither"),
)


@dataclass(frozen=True, slots=True)
class OverviewData:
    any_calls: bool
    kpis: KpiComparison
    rates: RateSeries
    groups: list[ErrorGroup]
    alerts: list[Alert]


def overview_data(db: Database, start: float, end: float, *, stale: Stale = never) -> OverviewData:
    """Everything the Overview shows for ``[start, end)``; stops early once ``stale()`` (see Superseded)."""
    check(stale)
    any_calls = db.execute("SELECT EXISTS (SELECT 1 FROM calls)").fetchone()[0] == 1
    groups = list_groups(db, status="unresolved", since_iso=iso_utc(start), limit=50, now=end)
    groups.sort(key=lambda group: -group.count)
    current = kpis(db, start, end)
    check(stale)
    previous = kpis(db, start - (end - start), start)
    check(stale)
    return OverviewData(
        any_calls=any_calls,
        kpis=KpiComparison(current, previous),
        rates=call_rates(db, start, end),
        groups=groups[:TOP_GROUPS],
        alerts=open_alerts(db),
    )


def kpi_text(value: float | int | None, field: str, unit: str, unpriced: int) -> str:
    """A KPI as the card shows it; spend that is entirely unknown is "unpriced", never $0."""
    if value is None:
        return "unpriced" if field == "cost_usd" and unpriced else "–"
    if field == "error_rate":
        return format_value(float(value) * 100, "%")
    return format_value(float(value), unit)


class OverviewView(View):
    key = "overview"
    title = "Overview"
    shortcut = "Ctrl+1"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.cards = {field: KpiCard(title, better=better) for field, title, _, better in CARDS}
        # Built once and refilled: a chart frame takes ~30 ms to create (issue 6).
        self.calls_chart = _rate_chart("Calls per minute", "calls/min")
        self.errors_chart = _rate_chart("Errors per minute", "errors/min")
        # A part per event-loop turn, so showing new data never blocks input for long.
        self.turns = TurnQueue(self)
        self.requests = Requests()
        self.groups = _list()
        self.alerts = _list()
        self.groups.itemActivated.connect(self._open_group)
        self.alerts.itemActivated.connect(lambda _item: ctx.navigate_requested.emit("alerts"))
        self._charts_row = QHBoxLayout()
        self.empty = EmptyState(
            "No calls yet — connect your app", "Connect your app →", "connect", ctx.navigate_requested.emit
        )
        self.stack = content_or_empty(self, self._content(), self.empty)

    def refresh(self) -> None:
        start, end = self.ctx.time_range.bounds()
        stale = self.requests.next()
        self.ctx.run("overview", lambda db: overview_data(db, start, end, stale=stale), self.show_data)

    def show_data(self, data: OverviewData) -> None:
        self.stack.setCurrentIndex(0 if data.any_calls else 1)
        if not data.any_calls:
            self.turns.replace([])
            return
        rates = data.rates
        self.turns.replace([
            once(lambda: self._show_kpis(data)),
            once(lambda: self.cards["calls"].show_sparkline(rates.calls_per_min, "accent")),
            once(lambda: self.cards["error_rate"].show_sparkline(rates.errors_per_min, "error")),
            _rate_job(self.calls_chart, [Series("calls/min", rates.starts, rates.calls_per_min)]),
            _rate_job(self.errors_chart, [Series("errors/min", rates.starts, rates.errors_per_min)]),
            once(lambda: self._show_groups(data.groups)),
            once(lambda: self._show_alerts(data.alerts)),
        ])  # fmt: skip

    def _show_kpis(self, data: OverviewData) -> None:
        period = self.ctx.time_range.label
        current, previous = data.kpis.current, data.kpis.previous
        for field, _, unit, _ in CARDS:
            card = self.cards[field]
            card.show_value(kpi_text(getattr(current, field), field, unit, current.unpriced_calls))
            card.show_change(
                data.kpis.change(field) if getattr(previous, field) is not None else None, period
            )
        if current.unpriced_calls:
            note = f"+ {current.unpriced_calls:,} unpriced calls"
            self.cards["cost_usd"].show_value(self.cards["cost_usd"].value.text(), note=note)
        if current.approximate:
            for field in ("latency_p50_ms", "latency_p95_ms", "ttft_p50_ms"):
                card = self.cards[field]
                card.show_value("≈ " + card.value.text(), note="")

    def _content(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        grid = QGridLayout()
        for index, (field, *_rest) in enumerate(CARDS):
            grid.addWidget(self.cards[field], index // 4, index % 4)
        layout.addLayout(grid)
        for chart in (self.calls_chart, self.errors_chart):
            self._charts_row.addWidget(chart)
        layout.addLayout(self._charts_row, 1)
        lists = QHBoxLayout()
        for title, widget in (("Top error groups", self.groups), ("Open alerts", self.alerts)):
            column = QVBoxLayout()
            column.addWidget(section_title(title))
            column.addWidget(widget)
            lists.addLayout(column)
        layout.addLayout(lists)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(page)
        return scroll

    def _show_groups(self, groups: list[ErrorGroup]) -> None:
        self.groups.clear()
        if not groups:
            self.groups.addItem(QListWidgetItem("No unresolved error groups in this period"))
        for group in groups:
            item = QListWidgetItem(f"{group.count:>6,} × {group.title}  ·  last {ago(group.last_seen)}")
            item.setToolTip(group.title)
            item.setData(Qt.ItemDataRole.UserRole, group.id)
            self.groups.addItem(item)

    def _show_alerts(self, alerts: list[Alert]) -> None:
        self.alerts.clear()
        if not alerts:
            self.alerts.addItem(QListWidgetItem("No open alerts"))
        for alert in alerts:
            item = QListWidgetItem(f"[{alert.severity}] {alert.subject}: {alert.message}")
            item.setToolTip(f"opened {ago(alert.opened_at)}")
            self.alerts.addItem(item)

    def _open_group(self, item: QListWidgetItem) -> None:
        group_id = item.data(Qt.ItemDataRole.UserRole)
        if group_id:
            self.ctx.open_group_requested.emit(group_id)


def _rate_chart(title: str, unit: str) -> Chart:
    chart = time_series_frame(title=title, unit=unit, fill=True)
    chart.setMinimumHeight(200)
    return chart


def _rate_job(chart: Chart, series: list[Series]) -> Job:
    """Refill ``chart`` in place (keeping the user's zoom), or give it its line the first time."""
    if not update_time_series(chart, series):
        yield from fill_time_series(chart, series)


def _list() -> QListWidget:
    """A short list whose long lines are cut, not scrolled sideways (full text in the tooltip)."""
    widget = QListWidget()
    widget.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    widget.setTextElideMode(Qt.TextElideMode.ElideRight)
    widget.setMaximumHeight(180)
    return widget
