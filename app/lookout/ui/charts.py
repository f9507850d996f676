"""Chart builders over plain data (no SQL), shared by the app's views and the report renderer.

Every builder takes numbers (numpy arrays or sequences) and returns a :class:`Chart`
(a ``pyqtgraph.PlotWidget``): coloured from :mod:`lookout.ui.theme`, with hover
tooltips, zoom and pan on the time axis, a legend whose entries toggle their
series, and "Save as PNG…" in the right-click menu. Times are epoch seconds,
shown on a :class:`pyqtgraph.DateAxisItem` in local time. Without an explicit
``palette`` a chart follows the app's theme live; reports pass ``theme.LIGHT``.

Reports render the same widgets offscreen::

    app = offscreen_app()
    chart = time_series_chart([Series("calls", xs, ys)], title="Calls/min", unit="calls/min",
                              palette=theme.LIGHT)
    png = render_png(chart, 900, 300)
    svg = render_svg(chart, 900, 300)

Builders:

* :func:`time_series_chart`: lines over time; series sharing a ``group``
  (a model) share a colour and one legend entry, and differ by dash (p50/p95/p99).
* :func:`histogram_chart`: bucketed counts as step outlines, log-scaled x by default.
* :func:`stacked_bar_chart`: bars per period stacked by key (spend per day by model).
* :func:`category_bar_chart`: bars side by side per category (baseline and current shares).
* :func:`add_guides`: labelled dashed threshold lines on any chart (PSI 0.1 and 0.25).
* :func:`sparkline_chart` and :func:`paint_sparkline`: a tiny line without axes,
  as a widget (KPI cards) or painted into a table cell (error groups).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from numpy.typing import ArrayLike, NDArray
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QWidget

from lookout.ui import theme
from lookout.ui.charts_export import offscreen_app, render_png, render_svg, save_png
from lookout.ui.charts_format import format_value
from lookout.ui.charts_interact import (
    BAR_FILL,
    HitFunction,
    HoverTip,
    add_save_action,
    bar_hit,
    category_hit,
    histogram_hit,
    link_group_visibility,
    restack_on_toggle,
    series_hit,
)

__all__ = [
    "Chart",
    "Histogram",
    "Series",
    "add_guides",
    "category_bar_chart",
    "histogram_chart",
    "offscreen_app",
    "paint_sparkline",
    "render_png",
    "render_svg",
    "save_png",
    "sparkline_chart",
    "stacked_bar_chart",
    "time_series_chart",
    "update_time_series",
]

DASHES = {"solid": Qt.PenStyle.SolidLine, "dash": Qt.PenStyle.DashLine, "dot": Qt.PenStyle.DotLine}
LEFT_AXIS_PX = 56
LEGEND_ROW_PX = 20
DOTS_UP_TO = 48
LEGEND_COLUMNS = 3
# PlotItem lays out title, top axis, plot and bottom axis in rows 0-3; the legend goes below.
LEGEND_LAYOUT_ROW = 4
Styler = Callable[[theme.Palette], None]


@dataclass(frozen=True, slots=True)
class Series:
    """One line. ``x`` in epoch seconds; a NaN in ``y`` breaks the line (no data there).

    ``group`` is the legend entry (e.g. the model): series of one group share a
    colour and are shown or hidden together. ``dash`` is ``solid``, ``dash`` or ``dot``.
    """

    name: str
    x: ArrayLike
    y: ArrayLike
    group: str | None = None
    dash: str = "solid"

    @property
    def legend(self) -> str:
        return self.group if self.group is not None else self.name


@dataclass(frozen=True, slots=True)
class Histogram:
    """Counts per bucket: ``edges`` has one more entry than ``counts``."""

    name: str
    edges: ArrayLike
    counts: ArrayLike


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
        self.curves: dict[str, pg.PlotDataItem] = {}  # time series by name, in legend order
        self.groups: dict[str, str] = {}  # time series name -> legend entry
        if palette is None:
            theme.watcher().changed.connect(self.restyle)

    def on_restyle(self, styler: Styler) -> None:
        """Apply ``styler`` now and again on every palette change."""
        self._stylers.append(styler)
        styler(self.palette_)

    def restyle(self, palette: theme.Palette) -> None:
        self.palette_ = palette
        self.setBackground(None if self._transparent else palette.background)
        for styler in self._stylers:
            styler(palette)


def time_series_chart(
    series: Sequence[Series],
    *,
    title: str = "",
    unit: str = "",
    palette: theme.Palette | None = None,
    fill: bool = False,
) -> Chart:
    """Lines over a date axis: drag to pan, wheel to zoom time; the y axis follows what is visible.

    Update it in place with :func:`update_time_series` to keep the user's zoom.
    """
    chart = _chart(palette, title, date_axis=True)
    plot = chart.getPlotItem()
    legend = _legend(chart) if _legend_needed(series) else None
    groups = list(dict.fromkeys(item.legend for item in series))
    for item in series:
        xs, ys = _floats(item.x), _floats(item.y)
        # Dots where points are few: a bucket with no neighbour draws no line at all.
        symbol = "o" if np.isfinite(ys).sum() <= DOTS_UP_TO else None
        curve = plot.plot(
            xs, ys, connect="finite", fillLevel=0 if fill else None, symbol=symbol, symbolSize=5
        )
        style = DASHES.get(item.dash, Qt.PenStyle.SolidLine)
        chart.on_restyle(_line_styler(curve, groups.index(item.legend), style, fill))
        chart.curves[item.name] = curve
        chart.groups[item.name] = item.legend
    if legend is not None:
        link_group_visibility(legend, [(item.legend, chart.curves[item.name]) for item in series])
        _place_legend(chart, legend)
    _zoom_time_only(plot)
    _limit_x(plot, [_floats(item.x) for item in series])
    _hover(chart, series_hit(chart.curves, unit))
    return chart


def update_time_series(chart: Chart, series: Sequence[Series]) -> bool:
    """Replace the data of a :func:`time_series_chart` built with the same series names.

    Returns ``False`` (changing nothing) when the names differ: build a new chart then.
    """
    if [item.name for item in series] != list(chart.curves):
        return False
    for item in series:
        chart.curves[item.name].setData(_floats(item.x), _floats(item.y), connect="finite")
    _limit_x(chart.getPlotItem(), [_floats(item.x) for item in series])
    return True


def histogram_chart(
    histograms: Sequence[Histogram],
    *,
    title: str = "",
    unit: str = "ms",
    log_x: bool = True,
    shares: bool = False,
    palette: theme.Palette | None = None,
) -> Chart:
    """Bucket counts as filled step outlines, one colour per histogram; log-scaled x by default.

    With ``shares`` the counts are percentages of each histogram's calls (windows of
    different sizes overlaid), and the tooltip says so.
    """
    chart = _chart(palette, title, date_axis=False)
    plot = chart.getPlotItem()
    legend = _legend(chart) if len(histograms) > 1 else None
    shown: list[tuple[Histogram, pg.PlotDataItem]] = []
    for index, hist in enumerate(histograms):
        edges, counts = _floats(hist.edges), _floats(hist.counts)
        if len(edges) != len(counts) + 1:
            raise ValueError(f"histogram {hist.name!r}: {len(edges)} edges for {len(counts)} counts")
        curve = pg.PlotDataItem(edges, counts, stepMode="center", fillLevel=0)
        plot.addItem(curve)
        chart.on_restyle(_line_styler(curve, index, Qt.PenStyle.SolidLine, fill=True, width=1.5))
        shown.append((hist, curve))
    plot.setLogMode(x=log_x, y=False)
    if log_x:
        _log_ticks(plot, np.concatenate([_floats(hist.edges) for hist in histograms]), unit)
    _zoom_time_only(plot)
    if legend is not None:
        link_group_visibility(legend, [(hist.name, curve) for hist, curve in shown])
        _place_legend(chart, legend, columns=2)  # histograms sit three to a row: narrower
    _hover(chart, histogram_hit(shown, unit, log_x, shares))
    return chart


def stacked_bar_chart(
    x: ArrayLike,
    stacks: Mapping[str, ArrayLike],
    *,
    title: str = "",
    unit: str = "$",
    bar_width_s: float = 86_400.0,
    palette: theme.Palette | None = None,
) -> Chart:
    """Bars starting at each ``x`` (epoch seconds, e.g. day starts), stacked in ``stacks`` order.

    NaN counts as 0 in the stack. Hiding a key in the legend restacks the rest.
    """
    chart = _chart(palette, title, date_axis=True)
    plot = chart.getPlotItem()
    legend = _legend(chart) if len(stacks) > 1 else None
    starts = _floats(x)
    centres = starts + bar_width_s / 2
    bars: list[tuple[str, NDArray[np.float64], pg.BarGraphItem]] = []
    for index, (key, values) in enumerate(stacks.items()):
        heights = np.nan_to_num(_floats(values))
        if len(heights) != len(starts):
            raise ValueError(f"stack {key!r}: {len(heights)} values for {len(starts)} bars")
        bar = pg.BarGraphItem(
            x=centres, height=heights, y0=0, width=bar_width_s * BAR_FILL, pen=pg.mkPen(None)
        )
        plot.addItem(bar)
        chart.on_restyle(_bar_styler(bar, index))
        if legend is not None:
            legend.addItem(bar, key)
        bars.append((key, heights, bar))
    if legend is not None:
        _place_legend(chart, legend)
    restack_on_toggle(bars, centres)
    _zoom_time_only(plot)
    if len(starts):
        _limit_x(plot, [starts, starts + bar_width_s])
    _hover(chart, bar_hit(bars, starts, bar_width_s, unit))
    return chart


def category_bar_chart(
    categories: Sequence[str],
    groups: Mapping[str, ArrayLike],
    *,
    title: str = "",
    unit: str = "%",
    palette: theme.Palette | None = None,
) -> Chart:
    """Bars side by side for each category, one colour per group (e.g. baseline and current)."""
    chart = _chart(palette, title, date_axis=False)
    plot = chart.getPlotItem()
    legend = _legend(chart) if len(groups) > 1 else None
    width = BAR_FILL / max(len(groups), 1)
    xs = np.arange(len(categories), dtype=np.float64)
    bars: list[tuple[str, NDArray[np.float64], pg.BarGraphItem]] = []
    for index, (key, values) in enumerate(groups.items()):
        heights = np.nan_to_num(_floats(values))
        if len(heights) != len(categories):
            raise ValueError(f"group {key!r}: {len(heights)} values for {len(categories)} categories")
        offset = (index - (len(groups) - 1) / 2) * width
        bar = pg.BarGraphItem(x=xs + offset, height=heights, width=width * 0.9, pen=pg.mkPen(None))
        plot.addItem(bar)
        chart.on_restyle(_bar_styler(bar, index))
        if legend is not None:
            legend.addItem(bar, key)
        bars.append((key, heights, bar))
    plot.getAxis("bottom").setTicks([list(enumerate(categories)), []])
    plot.setMouseEnabled(x=False, y=False)
    plot.setXRange(-0.5, len(categories) - 0.5, padding=0.02)
    if legend is not None:
        _place_legend(chart, legend)
    _hover(chart, category_hit(bars, categories, unit))
    return chart


def add_guides(chart: Chart, guides: Sequence[tuple[str, float, str]]) -> None:
    """Dashed horizontal lines ``(label, y, palette role)`` marking thresholds, kept in view."""
    plot = chart.getPlotItem()
    for label, y, role in guides:
        # The label sits just above the line at its left end, clear of the axis.
        opts = {"position": 0.01, "anchors": [(0, 1), (0, 1)]}
        line = pg.InfiniteLine(pos=y, angle=0, movable=False, label=label, labelOpts=opts)
        plot.addItem(line)

        def style(p: theme.Palette, line: pg.InfiniteLine = line, role: str = role) -> None:
            color = str(getattr(p, role))
            line.setPen(pg.mkPen(color, width=1, style=Qt.PenStyle.DashLine))
            line.label.setColor(color)

        chart.on_restyle(style)


def sparkline_chart(
    values: ArrayLike,
    *,
    color_index: int = 0,
    color_role: str | None = None,
    palette: theme.Palette | None = None,
    width: int = 120,
    height: int = 32,
) -> Chart:
    """A tiny filled line without axes or interaction, on a transparent background (KPI cards).

    The colour is the ``color_index``-th series colour, or a palette role such as ``"error"``.
    """
    chart = Chart(palette, transparent=True)
    chart.setStyleSheet("background: transparent; border: 0px;")
    chart.setFixedSize(width, height)
    plot = chart.getPlotItem()
    plot.hideAxis("left")
    plot.hideAxis("bottom")
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()
    plot.setMenuEnabled(False)
    plot.getViewBox().setDefaultPadding(0.02)
    ys = np.nan_to_num(_floats(values))
    curve = plot.plot(np.arange(len(ys), dtype=float), ys, fillLevel=0)
    styler = _line_styler(curve, color_index, Qt.PenStyle.SolidLine, fill=True, width=1.5, role=color_role)
    chart.on_restyle(styler)
    plot.setYRange(0, max(float(ys.max()) if len(ys) else 0.0, 1e-9), padding=0.05)
    return chart


def paint_sparkline(painter: QPainter, rect: QRectF, values: ArrayLike, color: QColor) -> None:
    """Paint a sparkline into ``rect`` (for item delegates: far cheaper than a widget per row)."""
    ys = np.nan_to_num(_floats(values))
    if len(ys) < 2:
        return
    top = float(ys.max()) or 1.0
    step = rect.width() / (len(ys) - 1)
    points = [
        QPointF(rect.left() + i * step, rect.bottom() - (v / top) * rect.height()) for i, v in enumerate(ys)
    ]
    path = QPainterPath(points[0])
    for point in points[1:]:
        path.lineTo(point)
    area = QPainterPath(path)
    area.lineTo(rect.right(), rect.bottom())
    area.lineTo(rect.left(), rect.bottom())
    area.closeSubpath()
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.fillPath(area, _alpha(color, 60))
    painter.setPen(QPen(color, 1.2))
    painter.drawPath(path)
    painter.restore()


def _chart(palette: theme.Palette | None, title: str, *, date_axis: bool) -> Chart:
    axes = {"bottom": pg.DateAxisItem(orientation="bottom")} if date_axis else {}
    chart = Chart(palette, axisItems=axes)
    plot = chart.getPlotItem()
    plot.showGrid(x=True, y=True, alpha=0.15)
    plot.hideButtons()
    # A fixed width: the axis only widens for long labels after a first paint, which
    # an offscreen render never gets, so "1000" and up would be dropped.
    plot.getAxis("left").setWidth(LEFT_AXIS_PX)

    def style_frame(p: theme.Palette) -> None:
        if title:
            plot.setTitle(title, color=p.foreground, size="10pt", justify="left")
        for name in ("left", "bottom"):
            axis = plot.getAxis(name)
            axis.setPen(pg.mkPen(p.grid))
            axis.setTextPen(pg.mkPen(p.muted))
            axis.setLabel(axis.labelText, color=p.muted)

    chart.on_restyle(style_frame)
    add_save_action(chart, title or "chart")
    return chart


def _legend(chart: Chart) -> pg.LegendItem:
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


def _place_legend(chart: Chart, legend: pg.LegendItem, columns: int = LEGEND_COLUMNS) -> None:
    """Put the legend below the x axis, in rows of up to ``columns`` entries."""
    plot = chart.getPlotItem()
    entries = len(legend.items)
    columns = max(1, min(entries, columns))
    legend.setColumnCount(columns)
    plot.layout.addItem(legend, LEGEND_LAYOUT_ROW, 1)
    plot.layout.setRowFixedHeight(LEGEND_LAYOUT_ROW, -(-entries // columns) * LEGEND_ROW_PX + 4)


def _hover(chart: Chart, hit: HitFunction) -> None:
    tip = HoverTip(chart.getPlotItem(), hit)
    chart.tip = tip
    chart.on_restyle(tip.restyle)


def _line_styler(
    curve: pg.PlotDataItem,
    index: int,
    style: Qt.PenStyle,
    fill: bool,
    width: float = 2.0,
    role: str | None = None,
) -> Styler:
    def apply(p: theme.Palette) -> None:
        color = str(getattr(p, role)) if role else p.series_color(index)
        curve.setPen(pg.mkPen(color, width=width, style=style))
        curve.setSymbolPen(pg.mkPen(color))
        curve.setSymbolBrush(pg.mkBrush(color))
        if fill:
            curve.setBrush(p.qcolor(color, 60))

    return apply


def _bar_styler(bar: pg.BarGraphItem, index: int) -> Styler:
    def apply(p: theme.Palette) -> None:
        bar.setOpts(brush=p.series_color(index))

    return apply


def _legend_needed(series: Sequence[Series]) -> bool:
    return len({item.legend for item in series}) > 1 or any(item.group is not None for item in series)


def _log_ticks(plot: pg.PlotItem, values: NDArray[np.float64], unit: str) -> None:
    """Ticks at 1, 2 and 5 times powers of ten, labelled in the unit (pyqtgraph's crowd together)."""
    positive = values[np.isfinite(values) & (values > 0)]
    if len(positive) == 0:
        return
    low, high = float(positive.min()), float(positive.max())
    decades = range(int(np.floor(np.log10(low))), int(np.ceil(np.log10(high))) + 1)
    ticks = [m * 10.0**d for d in decades for m in (1, 2, 5) if low <= m * 10.0**d <= high]
    labels = [(float(np.log10(t)), format_value(t, unit)) for t in ticks]
    plot.getAxis("bottom").setTicks([labels, []])


def _zoom_time_only(plot: pg.PlotItem) -> None:
    """Drag and wheel move along x only; y re-fits whatever is visible."""
    plot.setMouseEnabled(x=True, y=False)
    plot.getViewBox().setAutoVisible(y=True)
    plot.enableAutoRange(axis="y")


def _limit_x(plot: pg.PlotItem, xs: Sequence[NDArray[np.float64]]) -> None:
    """Keep panning within the data, so the view never drifts into empty time."""
    finite = [x[np.isfinite(x)] for x in xs if len(x)]
    values = np.concatenate(finite) if finite else np.array([])
    if len(values) == 0:
        return
    low, high = float(values.min()), float(values.max())
    span = max(high - low, 60.0)
    plot.setLimits(xMin=low - span * 0.02, xMax=high + span * 0.02)


def _floats(values: ArrayLike) -> NDArray[np.float64]:
    return np.asarray(values, dtype=np.float64)


def _alpha(color: QColor | str, alpha: int) -> QColor:
    result = QColor(color)
    result.setAlpha(alpha)
    return result
