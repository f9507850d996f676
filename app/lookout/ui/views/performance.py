"""The Performance view: per model over time, latency p50/p95/p99, TTFT p50/p95, throughput and
calls/min; and latency histograms in separate panels for text, embeddings and image operations,
whose scales differ by orders of magnitude.

All time charts share a date axis, hover tooltips, zoom and pan on time, and a
legend per chart; hiding a model in one legend hides it in every chart. Data
comes from one off-thread query (:func:`performance_data`) per refresh; charts
are updated in place while the set of models stays the same, so a refresh
keeps the user's zoom. Charts are built and updated one per event-loop turn
(a few lines per turn when they are many: :class:`~lookout.ui.turns.TurnQueue`),
so a refresh never blocks input for long.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)
from sqlite_utils import Database

from lookout.store.aggregates_models import (
    ClassHistogram,
    ModelSeries,
    Performance,
    performance_and_histograms,
)
from lookout.ui.charts import (
    Chart,
    Histogram,
    Series,
    fill_histograms,
    fill_time_series,
    histogram_frame,
    time_series_frame,
    update_histograms,
    update_time_series,
)
from lookout.ui.context import AppContext
from lookout.ui.turns import Job, TurnQueue
from lookout.ui.views.base import View
from lookout.ui.views.view_helpers import EmptyState, content_or_empty

CLASS_TITLES = {
    "text": "Latency histogram — text",
    "embeddings": "Latency histogram — embeddings",
    "image": "Latency histogram — images",
    "other": "Latency histogram — audio and other",
}
Metric = Callable[[ModelSeries], np.ndarray]
# (chart key, title, unit, [(series suffix, metric, dash)])
TIME_CHARTS: tuple[tuple[str, str, str, tuple[tuple[str, Metric, str], ...]], ...] = (
    (
        "latency",
        "Latency — solid p50 · dashed p95 · dotted p99",
        "ms",
        (
            ("p50", lambda m: m.latency_p50_ms, "solid"),
            ("p95", lambda m: m.latency_p95_ms, "dash"),
            ("p99", lambda m: m.latency_p99_ms, "dot"),
        ),
    ),
    (
        "ttft",
        "Time to first token (streams) — solid p50 · dashed p95",
        "ms",
        (("p50", lambda m: m.ttft_p50_ms, "solid"), ("p95", lambda m: m.ttft_p95_ms, "dash")),
    ),
    (
        "throughput",
        "Throughput — output tokens per second",
        "tokens/s",
        (("", lambda m: m.tokens_per_s, "solid"),),
    ),
    ("rate", "Calls per minute", "calls/min", (("", lambda m: m.calls_per_min, "solid"),)),
)


@dataclass(frozen=True, slots=True)
class PerformanceData:
    performance: Performance
    histograms: list[ClassHistogram]


def performance_data(db: Database, start: float, end: float) -> PerformanceData:
    """What the Performance view shows for ``[start, end)``."""
    return PerformanceData(*performance_and_histograms(db, start, end))


def chart_series(models: list[ModelSeries], metrics: tuple[tuple[str, Metric, str], ...]) -> list[Series]:
    """One line per model and metric; lines of a model share its colour and legend entry."""
    return [
        Series(f"{model.label} {suffix}".strip(), model.starts, metric(model), group=model.label, dash=dash)
        for model in models
        for suffix, metric, dash in metrics
    ]


class PerformanceView(View):
    key = "performance"
    title = "Performance"
    shortcut = "Ctrl+4"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.charts: dict[str, Chart] = {}
        self.histograms: dict[str, Chart] = {}
        self.turns = TurnQueue(self)
        self.note = QLabel("")
        self._time_grid = QGridLayout()
        self._hist_row = QHBoxLayout()
        self.empty = EmptyState(
            "No calls in this period — connect your app or pick a longer range",
            "Connect your app →",
            "connect",
            ctx.navigate_requested.emit,
        )
        self.stack = content_or_empty(self, self._content(), self.empty)

    def refresh(self) -> None:
        start, end = self.ctx.time_range.bounds()
        self.ctx.run("performance", lambda db: performance_data(db, start, end), self.show_data)

    def show_data(self, data: PerformanceData) -> None:
        models = data.performance.models
        self.stack.setCurrentIndex(0 if models else 1)
        if not models:
            self.turns.replace([])
            return
        minutes = data.performance.bucket_s / 60
        size = f"{minutes:.0f}-minute" if minutes < 60 else f"{minutes / 60:.0f}-hour"
        exactness = "≈ within 4.4% (hourly rollup)" if data.performance.approximate else "exact"
        self.note.setText(f"Per {size} bucket · percentiles {exactness} · drag to pan, wheel to zoom time")
        jobs = [
            self._time_chart(index, key, title, unit, chart_series(models, metrics))
            for index, (key, title, unit, metrics) in enumerate(TIME_CHARTS)
        ]
        self.turns.replace([*jobs, *self._histogram_jobs(data.histograms)])

    def _content(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.note.setStyleSheet("color: palette(placeholder-text); font-size: 11px;")
        layout.addWidget(self.note)
        layout.addLayout(self._time_grid, 2)
        layout.addLayout(self._hist_row, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(page)
        return scroll

    def _time_chart(self, index: int, key: str, title: str, unit: str, series: list[Series]) -> Job:
        """Update one time chart in place, or (re)fill it a few lines per step."""
        chart = self.charts.get(key)
        if chart is None:
            chart = time_series_frame(title=title, unit=unit)
            chart.setMinimumHeight(260)
            self.charts[key] = chart
            self._time_grid.addWidget(chart, index // 2, index % 2)
            yield
        elif update_time_series(chart, series):
            return
        yield from fill_time_series(chart, series)
        self._link_legend(chart)

    def _histogram_jobs(self, classes: list[ClassHistogram]) -> list[Job]:
        """Panels kept while their class has calls (a new panel would resize every chart)."""
        wanted = {hist.operation_class for hist in classes}
        for name in [name for name in self.histograms if name not in wanted]:
            chart = self.histograms.pop(name)
            self._hist_row.removeWidget(chart)
            chart.deleteLater()
        ordered = sorted(classes, key=lambda hist: _class_order(hist.operation_class))
        return [self._histogram(hist) for hist in ordered]

    def _histogram(self, hist: ClassHistogram) -> Job:
        """Update one class's histogram panel in place, or (re)fill it."""
        panels = [Histogram(model.label, hist.edges, model.counts) for model in hist.models]
        chart = self.histograms.get(hist.operation_class)
        if chart is None:
            chart = histogram_frame(title=CLASS_TITLES[hist.operation_class], unit="ms")
            chart.setMinimumHeight(240)
            order = _class_order(hist.operation_class)
            self._hist_row.insertWidget(sum(_class_order(name) < order for name in self.histograms), chart)
            self.histograms[hist.operation_class] = chart
            yield
        elif update_histograms(chart, panels):
            return
        yield from fill_histograms(chart, panels)

    def _link_legend(self, chart: Chart) -> None:
        """Hiding a model in this chart's legend hides it in the other charts too."""
        for name, curve in chart.curves.items():
            if _is_leader(chart, name):
                curve.visibleChanged.connect(self._follow(chart, chart.groups[name]))

    def _follow(self, source: Chart, group: str) -> Callable[[], None]:
        def follow() -> None:
            visible = next(c for n, c in source.curves.items() if source.groups[n] == group).isVisible()
            for chart in self.charts.values():
                if chart is source:
                    continue
                for name, curve in chart.curves.items():
                    if chart.groups[name] == group and curve.isVisible() != visible:
                        curve.setVisible(visible)

        return follow


def _class_order(operation_class: str) -> int:
    """Where a class's histogram panel sits in the row: text, embeddings, images, other."""
    return list(CLASS_TITLES).index(operation_class)


def _is_leader(chart: Chart, name: str) -> bool:
    """Whether ``name`` is the first series of its group (the one its legend entry toggles)."""
    group = chart.groups[name]
    return next(n for n in chart.curves if chart.groups[n] == group) == name
