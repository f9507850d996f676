"""Chart interaction: hover tooltips, legend entries that toggle series, "Save as PNG…".

A :class:`HoverTip` asks a *hit function* what lies under the pointer; the
builders in :mod:`lookout.ui.charts` and :mod:`lookout.ui.charts_bars` pair it
with :func:`series_hit`, :func:`histogram_hit`, :func:`bar_hit` or
:func:`category_hit`. Hit functions take a point in view (data) coordinates and
the size of one pixel in those coordinates, so they are testable without moving
a mouse.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QFileDialog

from lookout.ui.charts_export import save_png
from lookout.ui.charts_format import format_time, format_value
from lookout.ui.theme import Palette

# How far from a point the pointer may be, in pixels, and still hit it.
HIT_RADIUS_PX = 24.0
# The share of its period a bar covers, leaving a gap between neighbours.
BAR_FILL = 0.8


@dataclass(frozen=True, slots=True)
class Tip:
    """What a tooltip shows and where (view coordinates)."""

    x: float
    y: float
    text: str


HitFunction = Callable[[QPointF, tuple[float, float]], Tip | None]


class HoverTip:
    """A tooltip following the pointer over a plot, filled by a hit function."""

    def __init__(self, plot: pg.PlotItem, hit: HitFunction) -> None:
        self._plot = plot
        self._hit = hit
        self._label = pg.TextItem(anchor=(0, 1))
        self._label.setZValue(1000)
        self._label.hide()
        plot.addItem(self._label, ignoreBounds=True)
        plot.scene().sigMouseMoved.connect(self._moved)

    def restyle(self, palette: Palette) -> None:
        self._label.setColor(palette.foreground)
        self._label.fill = pg.mkBrush(palette.surface)
        self._label.border = pg.mkPen(palette.grid)

    @property
    def text(self) -> str | None:
        """The text shown now, ``None`` when hidden."""
        return self._label.textItem.toPlainText() if self._label.isVisible() else None

    def show_at(self, view_point: QPointF) -> Tip | None:
        """Show the tip for a point in view coordinates (what a mouse move there does)."""
        pixel = self._plot.getViewBox().viewPixelSize()
        tip = self._hit(view_point, (float(pixel[0]), float(pixel[1])))
        if tip is None:
            self._label.hide()
            return None
        self._label.setText(tip.text)
        self._label.setPos(tip.x, tip.y)
        # Flip to the left of the point in the right half, so the tip stays inside the plot.
        (left, right), _ = self._plot.getViewBox().viewRange()
        self._label.setAnchor((1, 1) if tip.x > (left + right) / 2 else (0, 1))
        self._label.show()
        return tip

    def _moved(self, scene_pos: QPointF) -> None:
        box = self._plot.getViewBox()
        if not box.sceneBoundingRect().contains(scene_pos):
            self._label.hide()
            return
        self.show_at(box.mapSceneToView(scene_pos))


def series_hit(curves: Mapping[str, pg.PlotDataItem], unit: str) -> HitFunction:
    """The visible line point nearest the pointer (in pixels), within :data:`HIT_RADIUS_PX`.

    Reads the curves' current data, so it stays right when a chart is updated in place.
    """

    def hit(point: QPointF, pixel: tuple[float, float]) -> Tip | None:
        best: tuple[float, Tip] | None = None
        for name, curve in curves.items():
            xs, ys = curve.xData, curve.yData
            if not curve.isVisible() or xs is None or len(xs) == 0:
                continue
            index = _nearest_index(xs, point.x())
            if not np.isfinite(ys[index]):
                continue
            distance = float(np.hypot((xs[index] - point.x()) / pixel[0], (ys[index] - point.y()) / pixel[1]))
            if distance <= HIT_RADIUS_PX and (best is None or distance < best[0]):
                text = f"{name}\n{format_time(xs[index])}\n{format_value(ys[index], unit)}"
                best = (distance, Tip(float(xs[index]), float(ys[index]), text))
        return best[1] if best else None

    return hit


def histogram_hit(
    curves: Mapping[str, pg.PlotDataItem], unit: str, log_x: bool, shares: bool = False
) -> HitFunction:
    """The bucket under the pointer, with each visible histogram's count (or % of calls) in it.

    Reads the step curves' current data (edges and counts), so it stays right when a chart
    is updated in place.
    """

    def hit(point: QPointF, pixel: tuple[float, float]) -> Tip | None:
        x = 10 ** point.x() if log_x else point.x()
        lines, top, bucket = [], 0.0, ""
        data = [(name, curve.xData, curve.yData, curve) for name, curve in curves.items()]
        for name, edges, counts, curve in data:
            if edges is None or counts is None:
                continue
            index = int(np.searchsorted(edges, x, side="right")) - 1
            if not curve.isVisible() or not 0 <= index < len(counts):
                continue
            bucket = f"{format_value(edges[index], unit)} – {format_value(edges[index + 1], unit)}"
            amount = f"{counts[index]:.1f}%" if shares else f"{counts[index]:,.0f}"
            lines.append(f"{name}: {amount}" if len(data) > 1 else f"{amount} {'of ' if shares else ''}calls")
            top = max(top, float(counts[index]))
        if not lines:
            return None
        return Tip(point.x(), top, "\n".join([bucket, *lines]))

    return hit


Bars = Sequence[tuple[str, NDArray[np.float64], pg.BarGraphItem]]


def category_hit(bars: Bars, categories: Sequence[str], unit: str) -> HitFunction:
    """The category under the pointer (bars centred on 0, 1, 2…), with each visible group's value."""

    def hit(point: QPointF, pixel: tuple[float, float]) -> Tip | None:
        index = round(point.x())
        if not 0 <= index < len(categories) or abs(point.x() - index) > BAR_FILL / 2:
            return None
        shown = [(key, float(values[index])) for key, values, bar in bars if bar.isVisible()]
        lines = [f"{key}: {format_value(value, unit)}" for key, value in shown]
        top = max((value for _, value in shown), default=0.0)
        return Tip(float(index), top, "\n".join([categories[index], *lines]))

    return hit


def bar_hit(bars: Bars, starts: NDArray[np.float64], bar_width_s: float, unit: str) -> HitFunction:
    """The bar under the pointer: its period, each visible key's non-zero value, and the total."""
    centres = starts + bar_width_s / 2

    def hit(point: QPointF, pixel: tuple[float, float]) -> Tip | None:
        if len(centres) == 0:
            return None
        index = _nearest_index(centres, point.x())
        if abs(centres[index] - point.x()) > bar_width_s * BAR_FILL / 2:
            return None
        shown = [(key, float(values[index])) for key, values, bar in bars if bar.isVisible()]
        lines = [f"{key}: {format_value(value, unit)}" for key, value in shown if value]
        total = sum(value for _, value in shown)
        heading = format_time(starts[index], with_clock=bar_width_s < 86_400)
        text = "\n".join([heading, *lines, f"total: {format_value(total, unit)}"])
        return Tip(float(centres[index]), total, text)

    return hit


def link_group_visibility(legend: pg.LegendItem, entries: Sequence[tuple[str, pg.GraphicsObject]]) -> None:
    """One legend entry per label; clicking it shows or hides every item with that label."""
    leaders: dict[str, pg.GraphicsObject] = {}
    for label, item in entries:
        leader = leaders.get(label)
        if leader is None:
            leaders[label] = item
            legend.addItem(item, label)
        else:
            leader.visibleChanged.connect(_follow(leader, item))


def add_save_action(chart: pg.PlotWidget, name: str | Callable[[], str]) -> None:
    """Add "Save as PNG…" to the plot's right-click menu; ``name`` (or what it returns) suggests the file."""
    menu = chart.getPlotItem().getViewBox().menu
    action = menu.addAction("Save as PNG…")
    action.triggered.connect(lambda: _ask_and_save(chart, name if isinstance(name, str) else name()))


def _ask_and_save(chart: pg.PlotWidget, name: str) -> None:
    suggested = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-") + ".png"
    path, _ = QFileDialog.getSaveFileName(chart, "Save chart as PNG", suggested, "PNG image (*.png)")
    if path:
        save_png(chart, path if path.lower().endswith(".png") else path + ".png")


def _follow(leader: pg.GraphicsObject, item: pg.GraphicsObject) -> Callable[[], None]:
    def follow() -> None:
        item.setVisible(leader.isVisible())

    return follow


def _nearest_index(xs: NDArray[np.float64], x: float) -> int:
    index = int(np.searchsorted(xs, x))
    if index <= 0:
        return 0
    if index >= len(xs):
        return len(xs) - 1
    return index - 1 if x - xs[index - 1] <= xs[index] - x else index
