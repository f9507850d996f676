"""The Performance view: per model over time, latency p50/p95/p99, TTFT p50/p95, throughput and
calls/min; and latency histograms in separate panels for text, embeddings and image operations,
whose scales differ by orders of magnitude.

All time charts share a date axis, hover tooltips, zoom and pan on time, and a
legend; hiding a model in one legend hides it in every chart, and it stays hidden
across refreshes. A model keeps its colour in every chart. Data comes from one
off-thread query (:func:`performance_data`) per refresh. Chart frames are built
once, one per event-loop turn; their lines are kept by name and updated in place
(:class:`~lookout.ui.charts_pool.LinePool`), a few per turn, so a refresh keeps the
user's zoom and never blocks input for long (issue 6). Each chart paints once per
refresh; a stale view being shown waits for its fresh data rather than painting the old.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtGui import QHideEvent, QShowEvent
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
from lookout.ui.charts import Chart, histogram_frame, time_series_frame
from lookout.ui.charts_pool import Line, LinePool
from lookout.ui.context import AppContext
from lookout.ui.turns import Job, TurnQueue, once
from lookout.ui.views.base import View
from lookout.ui.views.view_data import ViewData
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


def chart_lines(models: list[ModelSeries], metrics: tuple[tuple[str, Metric, str], ...]) -> list[Line]:
    """One line per model and metric; lines of a model share its colour and legend entry."""
    return [
        Line(f"{model.label} {suffix}".strip(), model.label, model.starts, metric(model), dash)
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
        self._pools: dict[Chart, LinePool] = {}
        self.hidden: set[str] = set()  # models the user hid in a legend
        self._colours: dict[str, int] = {}  # model -> series colour, the same in every chart
        self.turns = TurnQueue(self)
        self.data: ViewData[PerformanceData] = ViewData(self, self.turns, self._query, self._jobs)
        self._resume = QTimer(self)  # shows what is left of the last data, unless a refresh comes first
        self._resume.setSingleShot(True)
        self._resume.setInterval(0)
        self._resume.timeout.connect(self.data.shown)
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
        # Fresher data is on its way. Finishing the drawing of the old (left when the view was
        # hidden mid-way), or painting the charts of a stale view just shown, would only hold
        # the GUI thread, and the GIL, against the query: each chart paints once, when synced.
        self._resume.stop()
        if self._reveal.busy:
            self._reveal.replace([])
        self.data.request()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # Next turn: the window refreshes a stale view right after showing it.
        self._resume.start()

    def hideEvent(self, event: QHideEvent) -> None:
        self._resume.stop()
        self.data.hidden()
        super().hideEvent(event)

    def _query(self) -> None:
        start, end = self.ctx.time_range.bounds()
        self.ctx.run("performance", lambda db: performance_data(db, start, end), self.data.deliver)

    def _jobs(self, data: PerformanceData) -> list[Job]:
        models = data.performance.models
        self.stack.setCurrentIndex(0 if models else 1)
        if not models:
            return []
        for model in models:
            self._colours.setdefault(model.label, len(self._colours))
        minutes = data.performance.bucket_s / 60
        size = f"{minutes:.0f}-minute" if minutes < 60 else f"{minutes / 60:.0f}-hour"
        exactness = "≈ within 4.4% (hourly rollup)" if data.performance.approximate else "exact"
        self.note.setText(f"Per {size} bucket · percentiles {exactness} · drag to pan, wheel to zoom time")
        classes = sorted(data.histograms, key=lambda hist: _class_order(hist.operation_class))
        self._drop_panels({hist.operation_class for hist in classes})
        # Every missing frame first: adding one re-lays the others out, which repaints those shown.
        frames = [
            *(
                once(partial(self._time_frame, i))
                for i, spec in enumerate(TIME_CHARTS)
                if spec[0] not in self.charts
            ),
            *(once(partial(self._panel, c)) for c in classes if c.operation_class not in self.histograms),
        ]
        lines = [
            *((key, chart_lines(models, metrics)) for key, _, _, metrics in TIME_CHARTS),
            *((hist.operation_class, _histogram_lines(hist)) for hist in classes),
        ]
        return [*frames, *(self._sync(key, wanted) for key, wanted in lines)]

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

    def _time_frame(self, index: int) -> None:
        """Build one time chart's frame (~30 ms: a step of its own), painting only once synced."""
        key, title, unit, _ = TIME_CHARTS[index]
        chart = time_series_frame(title=title, unit=unit)
        chart.setMinimumHeight(260)
        chart.setUpdatesEnabled(False)
        self.charts[key] = chart
        self._pools[chart] = self._pool(chart, histogram=False)
        self._time_grid.addWidget(chart, index // 2, index % 2)

    def _panel(self, hist: ClassHistogram) -> None:
        """Build one class's histogram panel, in its place in the row (text, embeddings, images, other)."""
        chart = histogram_frame(title=CLASS_TITLES[hist.operation_class], unit="ms")
        chart.setMinimumHeight(240)
        chart.setUpdatesEnabled(False)
        order = _class_order(hist.operation_class)
        self._hist_row.insertWidget(sum(_class_order(name) < order for name in self.histograms), chart)
        self.histograms[hist.operation_class] = chart
        self._pools[chart] = self._pool(chart, histogram=True)

    def _drop_panels(self, wanted: set[str]) -> None:
        """Panels are kept while their class has calls (a new panel would resize every chart)."""
        for name in [name for name in self.histograms if name not in wanted]:
            chart = self.histograms.pop(name)
            del self._pools[chart]
            self._hist_row.removeWidget(chart)
            chart.deleteLater()

    def _sync(self, key: str, lines: list[Line]) -> Job:
        """Show ``lines`` in the chart of ``key`` (a time chart's key or an operation class)."""
        chart = self.charts[key] if key in self.charts else self.histograms[key]
        yield from self._pools[chart].sync(lines)

    def _pool(self, chart: Chart, *, histogram: bool) -> LinePool:
        return LinePool(
            chart, colour_of=self._colours.__getitem__, on_toggle=self._toggle, hidden=self.hidden,
            histogram=histogram,
        )  # fmt: skip

    def _toggle(self, model: str, visible: bool) -> None:
        """A legend entry was clicked: show or hide the model in every chart, now and after refreshes."""
        if visible:
            self.hidden.discard(model)
        else:
            self.hidden.add(model)
        for pool in self._pools.values():
            pool.show_group(model, visible)


def _histogram_lines(hist: ClassHistogram) -> list[Line]:
    return [Line(model.label, model.label, hist.edges, model.counts) for model in hist.models]


def _class_order(operation_class: str) -> int:
    """Where a class's histogram panel sits in the row: text, embeddings, images, other."""
    return list(CLASS_TITLES).index(operation_class)
