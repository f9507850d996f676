"""Bar charts and threshold guides, built on the :class:`~lookout.ui.charts.Chart` frame.

This module owns the bar-shaped builders; lines, histograms and sparklines are
in :mod:`lookout.ui.charts`, whose frame, legend and hover helpers these reuse,
so bars look and behave like every other chart (theme, tooltips, legend
toggles, "Save as PNG…").

* :func:`stacked_bar_chart`: bars per period stacked by key (spend per day by model).
* :func:`category_bar_chart`: bars side by side per category (baseline and current shares).
* :func:`add_guides`: labelled dashed threshold lines on any chart (PSI 0.1 and 0.25).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pyqtgraph as pg
from numpy.typing import ArrayLike, NDArray
from PySide6.QtCore import Qt

from lookout.ui import theme
from lookout.ui.charts_interact import BAR_FILL, bar_hit, category_hit, restack_on_toggle
from lookout.ui.charts_lines import (
    Chart,
    Styler,
    as_floats,
    attach_hover,
    chart_legend,
    framed_chart,
    limit_x,
    place_legend,
    zoom_time_only,
)


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
    chart = framed_chart(palette, title, date_axis=True)
    plot = chart.getPlotItem()
    legend = chart_legend(chart) if len(stacks) > 1 else None
    starts = as_floats(x)
    centres = starts + bar_width_s / 2
    bars: list[tuple[str, NDArray[np.float64], pg.BarGraphItem]] = []
    for index, (key, values) in enumerate(stacks.items()):
        heights = np.nan_to_num(as_floats(values))
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
        place_legend(chart, legend)
    restack_on_toggle(bars, centres)
    zoom_time_only(plot)
    if len(starts):
        limit_x(plot, [starts, starts + bar_width_s])
    attach_hover(chart, bar_hit(bars, starts, bar_width_s, unit))
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
    chart = framed_chart(palette, title, date_axis=False)
    plot = chart.getPlotItem()
    legend = chart_legend(chart) if len(groups) > 1 else None
    width = BAR_FILL / max(len(groups), 1)
    xs = np.arange(len(categories), dtype=np.float64)
    bars: list[tuple[str, NDArray[np.float64], pg.BarGraphItem]] = []
    for index, (key, values) in enumerate(groups.items()):
        heights = np.nan_to_num(as_floats(values))
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
        place_legend(chart, legend)
    attach_hover(chart, category_hit(bars, categories, unit))
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


def _bar_styler(bar: pg.BarGraphItem, index: int) -> Styler:
    def apply(p: theme.Palette) -> None:
        bar.setOpts(brush=p.series_color(index))

    return apply
