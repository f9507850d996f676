"""The :class:`Chart` every chart builds on, its frame (axes, title, legend, hover) and its lines.

The building blocks of :mod:`lookout.ui.charts` (lines, histograms, sparklines)
and :mod:`lookout.ui.charts_bars`: :func:`framed_chart` makes an empty themed
chart, :func:`chart_legend` and :func:`place_legend` give it a legend under the
plot, :func:`attach_hover` its tooltips, and :func:`add_line` adds one styled
line (:class:`LineStyle`) that follows the theme. :func:`zoom_time_only`,
:func:`limit_x` and :func:`as_floats` are shared helpers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from numpy.typing import ArrayLike, NDArray
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from lookout.ui import theme
from lookout.ui.charts_interact import HitFunction, HoverTip, add_save_action, link_group_visibility

# Dots on a line only where points are few: past that they cost more to draw than they tell.
DOTS_UP_TO = 12
LEFT_AXIS_PX = 56
LEGEND_ROW_PX = 20
LEGEND_COLUMNS = 3
# PlotItem lays out title, top axis, plot and bottom axis in rows 0-3; the legend goes below.
LEGEND_LAYOUT_ROW = 4
Styler = Callable[[theme.Palette], None]


class Chart(pg.PlotWidget):  # type: ignore[misc]  # pyqtgraph is untyped
    """A plot that knows which of its items take which palette colour, so it can restyle."""

    def __init__(
        self,
        palette: theme.Palette | None,
        parent: QWidget | None = None,
        *,
        transparent: bool = False,
        **kwargs: object,
    ) -> None:
        chosen = palette or theme.palette()
        super().__init__(parent, background=None if transparent else chosen.background, **kwargs)
        self.palette_ = chosen
        self._transparent = transparent
        self._stylers: list[Styler] = []
        self.tip: HoverTip | None = None
        self.title = ""  # shown above the plot; change it with retitle()
        self.curves: dict[str, pg.PlotDataItem] = {}  # lines (series, histograms) by name
        self.groups: dict[str, str] = {}  # line name -> legend entry
        self.fill_area = False  # time series: fill under the lines
        self.log_ticks_unit: str | None = None  # log-x histograms: the unit of their ticks
        self.line_stylers: list[Styler] = []  # dropped with the lines by clear_lines
        plot = self.getPlotItem()
        # A month of minutes is 43 200 points a line: painting them all blocks input for
        # tens of ms per chart (issue 6). Peaks per pixel keep every spike visible.
        plot.setDownsampling(auto=True, mode="peak")
        plot.setClipToView(True)
        if palette is None:
            theme.watcher().changed.connect(self.restyle)

    def on_restyle(self, styler: Styler, *, now: bool = True) -> None:
        """Apply ``styler`` on every palette change, and now unless the item was built styled."""
        self._stylers.append(styler)
        if now:
            styler(self.palette_)

    def restyle(self, palette: theme.Palette) -> None:
        self.palette_ = palette
        self.setBackground(None if self._transparent else palette.background)
        for styler in [*self._stylers, *self.line_stylers]:
            styler(palette)

    def clear_lines(self) -> None:
        """Remove every line (and its legend entry), keeping the frame, axes and zoom."""
        plot = self.getPlotItem()
        for curve in self.curves.values():
            plot.removeItem(curve)
        if plot.legend is not None:
            plot.legend.clear()
        self.curves.clear()
        self.groups.clear()
        self.line_stylers.clear()


def framed_chart(palette: theme.Palette | None, title: str, *, date_axis: bool) -> Chart:
    """An empty chart with its grid, themed title and axes, and "Save as PNG…"."""
    axes = {"bottom": pg.DateAxisItem(orientation="bottom")} if date_axis else {}
    chart = Chart(palette, axisItems=axes)
    chart.title = title
    plot = chart.getPlotItem()
    plot.showGrid(x=True, y=True, alpha=0.15)
    plot.hideButtons()
    # A fixed width: the axis only widens for long labels after a first paint, which
    # an offscreen render never gets, so "1000" and up would be dropped.
    plot.getAxis("left").setWidth(LEFT_AXIS_PX)

    def style_frame(p: theme.Palette) -> None:
        if chart.title:
            plot.setTitle(chart.title, color=p.foreground, size="10pt", justify="left")
        for name in ("left", "bottom"):
            axis = plot.getAxis(name)
            axis.setPen(pg.mkPen(p.grid))
            axis.setTextPen(pg.mkPen(p.muted))
            axis.setLabel(axis.labelText, color=p.muted)

    chart.on_restyle(style_frame)
    add_save_action(chart, lambda: chart.title or "chart")
    return chart


def retitle(chart: Chart, title: str) -> None:
    """Change the title of a :func:`framed_chart` (it keeps following the theme)."""
    if title != chart.title:
        chart.title = title
        chart.getPlotItem().setTitle(title, color=chart.palette_.foreground, size="10pt", justify="left")


def chart_legend(chart: Chart) -> pg.LegendItem:
    """A legend in its own row under the plot, so it never covers the data or the title."""
    plot = chart.getPlotItem()
    legend = pg.LegendItem(horSpacing=14, verSpacing=-6)
    plot.legend = legend

    def style(p: theme.Palette) -> None:
        legend.setLabelTextColor(p.foreground)
        for _, label in legend.items:
            label.setText(label.text, color=p.foreground)

    chart.on_restyle(style)
    return legend


def place_legend(chart: Chart, legend: pg.LegendItem, columns: int = LEGEND_COLUMNS) -> None:
    """Put the legend below the x axis (once), in rows of up to ``columns`` entries."""
    plot = chart.getPlotItem()
    entries = len(legend.items)
    columns = max(1, min(entries, columns))
    legend.setColumnCount(columns)
    if legend.parentItem() is None:
        plot.layout.addItem(legend, LEGEND_LAYOUT_ROW, 1)
    plot.layout.setRowFixedHeight(LEGEND_LAYOUT_ROW, -(-entries // columns) * LEGEND_ROW_PX + 4)


def attach_hover(chart: Chart, hit: HitFunction) -> None:
    """Show a themed tooltip for whatever ``hit`` finds under the pointer."""
    tip = HoverTip(chart.getPlotItem(), hit)
    chart.tip = tip
    chart.on_restyle(tip.restyle)


@dataclass(frozen=True, slots=True)
class LineStyle:
    """How one line is drawn: the ``index``-th series colour (or a palette ``role``), dash, fill."""

    index: int
    style: Qt.PenStyle
    fill: bool
    width: float = 2.0
    role: str | None = None

    def options(self, p: theme.Palette) -> dict[str, object]:
        """``PlotDataItem`` options in palette ``p``: given at construction, they are applied once."""
        color = str(getattr(p, self.role)) if self.role else p.series_color(self.index)
        return {
            "pen": pg.mkPen(color, width=self.width, style=self.style),
            "symbolPen": pg.mkPen(color),
            "symbolBrush": pg.mkBrush(color),
            "fillBrush": p.qcolor(color, 60) if self.fill else None,
        }


def line_styler(curve: pg.PlotDataItem, line: LineStyle) -> Styler:
    def apply(p: theme.Palette) -> None:
        # One redraw for all four options (each setter would redraw the item on its own).
        curve.opts.update(line.options(p))
        curve.updateItems(styleUpdate=True)

    return apply


def dots_for(ys: NDArray[np.float64]) -> str | None:
    """Dots where points are few or isolated (a bucket with no neighbour draws no line at all)."""
    finite = np.isfinite(ys)
    if finite.sum() <= DOTS_UP_TO:
        return "o"
    padded = np.concatenate(([False], finite, [False]))
    isolated = finite & ~padded[:-2] & ~padded[2:]
    return "o" if isolated.any() else None


def add_line(
    chart: Chart,
    name: str,
    group: str,
    line: LineStyle,
    xs: NDArray[np.float64],
    ys: NDArray[np.float64],
    **options: object,
) -> None:
    """Add one line, styled at construction (each later style change would redraw it).

    Without a dynamic range limit: that would recompute every line on every change of the
    y range, and y is never zoomed by hand here.
    """
    # Symbol pens imply dots unless told otherwise.
    styled = {"symbol": None, **options, **line.options(chart.palette_)}
    curve = pg.PlotDataItem(xs, ys, dynamicRangeLimit=None, **styled)
    chart.getPlotItem().addItem(curve)
    chart.line_stylers.append(line_styler(curve, line))
    chart.curves[name] = curve
    chart.groups[name] = group


def fill_legend(
    chart: Chart, entries: Sequence[tuple[str, pg.GraphicsObject]], columns: int = LEGEND_COLUMNS
) -> None:
    legend = chart.getPlotItem().legend or chart_legend(chart)
    link_group_visibility(legend, entries)
    place_legend(chart, legend, columns)


def fit_now(chart: Chart) -> None:
    """Fit the auto range to the new data, and map the view to it, now rather than in the next paint.

    Either done in a paint changes the items' geometry there, which repaints the chart a
    second time.
    """
    box = chart.getPlotItem().getViewBox()
    box.updateAutoRange()
    box.updateMatrix()


def zoom_time_only(plot: pg.PlotItem) -> None:
    """Drag and wheel move along x only; y re-fits whatever is visible."""
    plot.setMouseEnabled(x=True, y=False)
    plot.getViewBox().setAutoVisible(y=True)
    plot.enableAutoRange(axis="y")


def limit_x(plot: pg.PlotItem, xs: Sequence[NDArray[np.float64]]) -> None:
    """Keep panning within the data, so the view never drifts into empty time."""
    finite = [x[np.isfinite(x)] for x in xs if len(x)]
    values = np.concatenate(finite) if finite else np.array([])
    if len(values) == 0:
        return
    low, high = float(values.min()), float(values.max())
    span = max(high - low, 60.0)
    plot.setLimits(xMin=low - span * 0.02, xMax=high + span * 0.02)


def as_floats(values: ArrayLike) -> NDArray[np.float64]:
    """``values`` as a float64 array (a copy only when needed)."""
    return np.asarray(values, dtype=np.float64)


def with_alpha(color: QColor | str, alpha: int) -> QColor:
    result = QColor(color)
    result.setAlpha(alpha)
    return result
