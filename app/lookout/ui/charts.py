"""Line, histogram and sparkline charts over plain data (no SQL), and the :class:`Chart` they all build on.

Shared by the app's views and the report renderer. Bar charts and threshold
guides are in :mod:`lookout.ui.charts_bars`; both build on the chart, frame and
line helpers of :mod:`lookout.ui.charts_lines`.

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
* :func:`sparkline_chart` and :func:`paint_sparkline`: a tiny line without axes,
  as a widget (KPI cards) or painted into a table cell (error groups).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from numpy.typing import ArrayLike, NDArray
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen

from lookout.ui import theme
from lookout.ui.charts_export import offscreen_app, render_png, render_svg, save_png
from lookout.ui.charts_format import format_value
from lookout.ui.charts_interact import histogram_hit, series_hit
from lookout.ui.charts_lines import (
    Chart,
    LineStyle,
    add_line,
    as_floats,
    attach_hover,
    dots_for,
    fill_legend,
    fit_now,
    framed_chart,
    limit_x,
    line_styler,
    with_alpha,
    zoom_time_only,
)

__all__ = [
    "Chart",
    "Histogram",
    "Series",
    "fill_histograms",
    "fill_time_series",
    "finish",
    "histogram_chart",
    "histogram_frame",
    "log_ticks",
    "offscreen_app",
    "paint_sparkline",
    "render_png",
    "render_svg",
    "save_png",
    "sparkline_chart",
    "time_series_chart",
    "time_series_frame",
    "update_histograms",
    "update_time_series",
    "with_data",
]

DASHES = {"solid": Qt.PenStyle.SolidLine, "dash": Qt.PenStyle.DashLine, "dot": Qt.PenStyle.DotLine}
# Lines wider than one pixel go through Qt's slow path stroker (about 1 ms per line of 100
# points, antialiased): charts of many lines draw them thin.
WIDE_LINES_UP_TO = 4
# Adding a line costs about 1 ms: a step of fill_time_series stays well inside one frame.
LINES_PER_STEP = 12


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
    chart = time_series_frame(title=title, unit=unit, palette=palette, fill=fill)
    finish(fill_time_series(chart, series))
    return chart


def time_series_frame(
    *, title: str = "", unit: str = "", palette: theme.Palette | None = None, fill: bool = False
) -> Chart:
    """A :func:`time_series_chart` without lines yet: give it some with :func:`fill_time_series`."""
    chart = framed_chart(palette, title, date_axis=True)
    chart.fill_area = fill
    zoom_time_only(chart.getPlotItem())
    attach_hover(chart, series_hit(chart.curves, unit))
    return chart


def fill_time_series(chart: Chart, series: Sequence[Series]) -> Iterator[None]:
    """Replace the lines of a time series chart, :data:`LINES_PER_STEP` lines per step.

    Run it to the end with :func:`finish`, or a step per event-loop turn
    (:class:`lookout.ui.turns.TurnQueue`) so building many lines never blocks input.
    """
    chart.clear_lines()
    shown = with_data(series)
    groups = list(dict.fromkeys(item.legend for item in shown))
    width = 2.0 if len(shown) <= WIDE_LINES_UP_TO else 1.0
    for start in range(0, len(shown), LINES_PER_STEP):
        if start:
            yield
        for item in shown[start : start + LINES_PER_STEP]:
            ys = as_floats(item.y)
            dash = DASHES.get(item.dash, Qt.PenStyle.SolidLine)
            line = LineStyle(groups.index(item.legend), dash, chart.fill_area, width)
            fill_level = 0 if chart.fill_area else None
            add_line(chart, item.name, item.legend, line, as_floats(item.x), ys, fillLevel=fill_level,
                      connect="finite", symbol=dots_for(ys), symbolSize=5)  # fmt: skip
    if _legend_needed(shown):
        fill_legend(chart, [(item.legend, chart.curves[item.name]) for item in shown])
    limit_x(chart.getPlotItem(), [as_floats(item.x) for item in shown])
    fit_now(chart)


def update_time_series(chart: Chart, series: Sequence[Series]) -> bool:
    """Replace the data of a :func:`time_series_chart` built with the same series names.

    Returns ``False`` (changing nothing) when the names of the series with data differ:
    refill it then (:func:`fill_time_series`). Their order may change (a model keeps its colour).
    """
    shown = with_data(series)
    if {item.name for item in shown} != set(chart.curves):
        return False
    for item in shown:
        ys = as_floats(item.y)
        chart.curves[item.name].setData(as_floats(item.x), ys, connect="finite", symbol=dots_for(ys))
    limit_x(chart.getPlotItem(), [as_floats(item.x) for item in shown])
    fit_now(chart)
    return True


def with_data(series: Sequence[Series]) -> list[Series]:
    """The series with at least one finite point: an all-NaN line draws nothing and needs no legend."""
    return [item for item in series if np.isfinite(as_floats(item.y)).any()]


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
    different sizes overlaid), and the tooltip says so. Update it in place with
    :func:`update_histograms`.
    """
    chart = histogram_frame(title=title, unit=unit, log_x=log_x, shares=shares, palette=palette)
    finish(fill_histograms(chart, histograms))
    return chart


def histogram_frame(
    *,
    title: str = "",
    unit: str = "ms",
    log_x: bool = True,
    shares: bool = False,
    palette: theme.Palette | None = None,
) -> Chart:
    """A :func:`histogram_chart` without histograms yet: give it some with :func:`fill_histograms`."""
    chart = framed_chart(palette, title, date_axis=False)
    plot = chart.getPlotItem()
    chart.log_ticks_unit = unit if log_x else None
    plot.setLogMode(x=log_x, y=False)
    zoom_time_only(plot)
    attach_hover(chart, histogram_hit(chart.curves, unit, log_x, shares))
    return chart


def fill_histograms(chart: Chart, histograms: Sequence[Histogram]) -> Iterator[None]:
    """Replace the histograms of a histogram chart, :data:`LINES_PER_STEP` per step.

    Driven like :func:`fill_time_series`.
    """
    for hist in histograms:
        _check_histogram(hist)
    chart.clear_lines()
    width = 1.5 if len(histograms) <= WIDE_LINES_UP_TO else 1.0
    for index, hist in enumerate(histograms):
        if index and index % LINES_PER_STEP == 0:
            yield
        line = LineStyle(index, Qt.PenStyle.SolidLine, fill=True, width=width)
        add_line(chart, hist.name, hist.name, line, as_floats(hist.edges), as_floats(hist.counts),
                  stepMode="center", fillLevel=0)  # fmt: skip
    if len(histograms) > 1:
        # Histograms sit three to a row: a narrower legend.
        fill_legend(chart, [(name, curve) for name, curve in chart.curves.items()], columns=2)
    _histogram_ticks(chart, histograms)
    fit_now(chart)


def update_histograms(chart: Chart, histograms: Sequence[Histogram]) -> bool:
    """Replace the counts of a :func:`histogram_chart` of the same histogram names, keeping its zoom.

    Returns ``False`` (changing nothing) when the names differ: refill it then (:func:`fill_histograms`).
    Their order may change (a histogram keeps its colour).
    """
    if {hist.name for hist in histograms} != set(chart.curves):
        return False
    for hist in histograms:
        _check_histogram(hist)
        chart.curves[hist.name].setData(as_floats(hist.edges), as_floats(hist.counts))
    _histogram_ticks(chart, histograms)
    fit_now(chart)
    return True


def finish(steps: Iterator[None]) -> None:
    """Run all the steps of a :func:`fill_time_series` or :func:`fill_histograms` now."""
    for _ in steps:
        pass


SPARKLINE = "sparkline"  # the name of a sparkline chart's only curve


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
    ys = np.nan_to_num(as_floats(values))
    line = LineStyle(color_index, Qt.PenStyle.SolidLine, fill=True, width=1.5, role=color_role)
    # symbol=None: given a symbol pen or brush and no symbol, pyqtgraph draws a dot at every point.
    curve = pg.PlotDataItem(
        np.arange(len(ys), dtype=float), ys, fillLevel=0, symbol=None, **line.options(chart.palette_)
    )
    plot.addItem(curve)
    chart.curves[SPARKLINE] = curve
    chart.on_restyle(line_styler(curve, line), now=False)
    plot.setYRange(0, max(float(ys.max()) if len(ys) else 0.0, 1e-9), padding=0.05)
    return chart


def update_sparkline(chart: Chart, values: ArrayLike) -> None:
    """Replace the values of a :func:`sparkline_chart`."""
    ys = np.nan_to_num(as_floats(values))
    chart.curves[SPARKLINE].setData(np.arange(len(ys), dtype=float), ys)
    chart.getPlotItem().setYRange(0, max(float(ys.max()) if len(ys) else 0.0, 1e-9), padding=0.05)


def paint_sparkline(painter: QPainter, rect: QRectF, values: ArrayLike, color: QColor) -> None:
    """Paint a sparkline into ``rect`` (for item delegates: far cheaper than a widget per row)."""
    ys = np.nan_to_num(as_floats(values))
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
    painter.fillPath(area, with_alpha(color, 60))
    painter.setPen(QPen(color, 1.2))
    painter.drawPath(path)
    painter.restore()


def _check_histogram(hist: Histogram) -> None:
    edges, counts = np.shape(hist.edges), np.shape(hist.counts)
    if edges[0] != counts[0] + 1:
        raise ValueError(f"histogram {hist.name!r}: {edges[0]} edges for {counts[0]} counts")


def _histogram_ticks(chart: Chart, histograms: Sequence[Histogram]) -> None:
    if histograms and chart.log_ticks_unit is not None:
        edges = np.concatenate([as_floats(hist.edges) for hist in histograms])
        log_ticks(chart.getPlotItem(), edges, chart.log_ticks_unit)


def _legend_needed(series: Sequence[Series]) -> bool:
    return len({item.legend for item in series}) > 1 or any(item.group is not None for item in series)


def log_ticks(plot: pg.PlotItem, values: NDArray[np.float64], unit: str) -> None:
    """Ticks at 1, 2 and 5 times powers of ten, labelled in the unit (pyqtgraph's crowd together)."""
    positive = values[np.isfinite(values) & (values > 0)]
    if len(positive) == 0:
        return
    low, high = float(positive.min()), float(positive.max())
    decades = range(int(np.floor(np.log10(low))), int(np.ceil(np.log10(high))) + 1)
    ticks = [m * 10.0**d for d in decades for m in (1, 2, 5) if low <= m * 10.0**d <= high]
    labels = [(float(np.log10(t)), format_value(t, unit)) for t in ticks]
    plot.getAxis("bottom").setTicks([labels, []])
