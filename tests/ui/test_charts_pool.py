"""Line pools: lines kept by name, painted by one item, one repaint per sync, legend, hover, theme, export."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPointF
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from lookout.ui import theme
from lookout.ui.charts import Chart, histogram_frame, render_png, time_series_frame
from lookout.ui.charts_lineset import LineHandle
from lookout.ui.charts_pool import Line, LinePool
from lookout.ui.turns import Job
from tests.store.factories import NOW

HOURS = NOW + np.arange(0, 24 * 3600, 3600.0)
MODELS = {"gpt-4o-mini": 400.0, "claude-haiku-4-5": 700.0}
PAINTS_SETTLE_MS = 50  # the offscreen window flushes its paints over a few event-loop turns


def _lines(models: dict[str, float], xs: np.ndarray = HOURS) -> list[Line]:
    return [
        Line(f"{model} {q}", model, xs, np.full(len(xs), base * factor), dash)
        for model, base in models.items()
        for q, factor, dash in (("p50", 1, "solid"), ("p95", 2, "dash"), ("p99", 3, "dot"))
    ]


class _Pool:
    """A time chart and its pool, with the toggles it reports (as the Performance view wires it)."""

    def __init__(self, palette: theme.Palette | None = theme.LIGHT, *, histogram: bool = False) -> None:
        frame = histogram_frame if histogram else time_series_frame
        self.chart: Chart = frame(title="Latency", unit="ms", palette=palette)
        self.hidden: set[str] = set()
        self.toggles: list[tuple[str, bool]] = []
        colours = {model: i for i, model in enumerate(MODELS)}
        self.pool = LinePool(
            self.chart, colour_of=colours.__getitem__, on_toggle=self._toggled, hidden=self.hidden,
            histogram=histogram,
        )  # fmt: skip

    def _toggled(self, group: str, visible: bool) -> None:
        self.toggles.append((group, visible))
        (self.hidden.discard if visible else self.hidden.add)(group)
        self.pool.show_group(group, visible)


def _run(job: Job) -> None:
    for _ in job:
        QApplication.processEvents()
    QApplication.processEvents()


class _Paints(QObject):
    def __init__(self, target: QObject) -> None:
        super().__init__()
        self.count = 0
        target.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def test_sync_keeps_lines_by_name_and_paints_once_per_refresh(qtbot: QtBot) -> None:
    made = _Pool()
    paints = _Paints(made.chart.viewport())
    qtbot.addWidget(made.chart)
    made.chart.resize(700, 300)
    made.chart.show()
    qtbot.waitExposed(made.chart)
    qtbot.wait(PAINTS_SETTLE_MS)  # its first paint
    _run(made.pool.sync(_lines(MODELS)))
    curves = dict(made.chart.curves)
    assert all(isinstance(curve, LineHandle) for curve in curves.values())
    qtbot.wait(PAINTS_SETTLE_MS)
    before = paints.count
    later = HOURS + 7 * 86_400  # another range: the view's range and the axes change
    steps = made.pool.sync(_lines({"gpt-4o-mini": 500.0}, later))
    next(steps)
    qtbot.wait(PAINTS_SETTLE_MS)
    assert not made.chart.updatesEnabled() and paints.count == before  # no paint mid-sync
    _run(steps)
    assert made.chart.updatesEnabled()
    qtbot.waitUntil(lambda: paints.count > before)
    qtbot.wait(PAINTS_SETTLE_MS)
    # One paint: neither the steps nor a view range fitted inside the paint ask for another.
    assert paints.count == before + 1
    assert set(made.chart.curves) == {"gpt-4o-mini p50", "gpt-4o-mini p95", "gpt-4o-mini p99"}
    assert made.chart.curves["gpt-4o-mini p95"] is curves["gpt-4o-mini p95"]  # updated in place
    assert np.array_equal(made.chart.curves["gpt-4o-mini p95"].yData, np.full(24, 1000.0))
    (left, right), (bottom, top) = made.chart.getPlotItem().getViewBox().viewRange()
    assert left <= later[0] < later[-1] <= right and bottom <= 500.0 < 1500.0 <= top


def test_hidden_models_leave_the_auto_range_and_stay_hidden(qapp: QApplication) -> None:
    made = _Pool()
    _run(made.pool.sync(_lines(MODELS)))
    lines = made.pool._lines
    assert lines.dataBounds(1) == (400.0, 2100.0)
    legend = made.chart.getPlotItem().legend
    assert [label.text for _, label in legend.items] == list(MODELS)
    sample, _ = legend.items[1]
    sample.item.setVisible(False)  # what clicking the legend entry does
    assert made.toggles == [("claude-haiku-4-5", False)]
    assert not any(made.chart.curves[f"claude-haiku-4-5 {q}"].isVisible() for q in ("p50", "p95", "p99"))
    assert lines.dataBounds(1) == (400.0, 1200.0)
    # Only the points in a zoomed time range count for y.
    assert lines.dataBounds(1, orthoRange=(HOURS[0], HOURS[0])) == (400.0, 1200.0)
    assert lines.dataBounds(0, orthoRange=(1100.0, 1300.0)) == (HOURS[0], HOURS[-1])
    assert lines.dataBounds(1, orthoRange=(0.0, 1.0)) == (None, None)
    gaps = np.full(24, np.nan)
    gaps[3] = 5.0
    _run(made.pool.sync([Line("gpt-4o-mini p50", "gpt-4o-mini", HOURS, gaps)]))
    assert lines.dataBounds(0) == (HOURS[0], HOURS[-1])  # the time axis spans every bucket
    assert lines.dataBounds(1) == (5.0, 5.0)
    # A refresh keeps the hidden model hidden; a line it brings for it starts hidden.
    more = [*_lines(MODELS), Line("claude-haiku-4-5 max", "claude-haiku-4-5", HOURS, np.full(24, 9e3))]
    _run(made.pool.sync(more))
    assert not made.chart.curves["claude-haiku-4-5 max"].isVisible()
    assert lines.dataBounds(1) == (400.0, 1200.0)


def test_lines_hover_follow_the_theme_and_export(qapp: QApplication) -> None:
    made = _Pool(palette=None)
    ys = np.full(24, 400.0)
    ys[5] = np.nan  # a gap, and a lone point after it: drawn as a dot
    ys[7:] = np.nan
    _run(made.pool.sync([Line("gpt-4o-mini", "gpt-4o-mini", HOURS, ys)]))
    image = QImage()
    assert image.loadFromData(render_png(made.chart, 600, 300), "PNG")
    colour = QColor(theme.LIGHT.series_color(0))
    drawn = {QColor(image.pixel(x, y)).name() for x in range(0, 600, 2) for y in range(0, 300, 2)}
    assert colour.name() in drawn
    assert made.chart.tip is not None
    tip = made.chart.tip.show_at(QPointF(HOURS[6] + 60, 400.0))
    assert tip is not None and tip.text.startswith("gpt-4o-mini\n") and tip.text.endswith("400 ms")
    made.chart.restyle(theme.DARK)
    pen = made.chart.curves["gpt-4o-mini"].opts["pen"]
    assert pen.color().name() == QColor(theme.DARK.series_color(0)).name()


def test_histograms_keep_step_outlines_and_their_legend(qapp: QApplication) -> None:
    made = _Pool(histogram=True)
    edges = np.array([10.0, 20.0, 40.0, 80.0])
    lines = [Line(model, model, edges, np.array([1.0, 5.0, 2.0])) for model in MODELS]
    _run(made.pool.sync(lines))
    assert not any(isinstance(curve, LineHandle) for curve in made.chart.curves.values())
    assert [label.text for _, label in made.chart.getPlotItem().legend.items] == list(MODELS)
    _run(made.pool.sync(lines[:1]))  # one model left: no legend needed
    assert set(made.chart.curves) == {"gpt-4o-mini"}
    assert made.chart.getPlotItem().legend.items == []
