"""Bar charts and threshold guides, built on the :class:`~lookout.ui.charts.Chart` frame.

This module owns the bar-shaped builders; lines, histograms and sparklines are
in :mod:`lookout.ui.charts`, whose frame, legend and hover helpers these reuse,
so bars look and behave like every other chart (theme, tooltips, legend
toggles, "Save as PNG…").

* :func:`stacked_bar_chart`: bars per period stacked by key (spend per day by model);
  :class:`StackedBars` is the same chart kept and updated in place.
* :func:`category_bar_chart`: bars side by side per category (baseline and current shares).
* :func:`add_guides`: labelled dashed threshold lines on any chart (PSI 0.1 and 0.25).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import numpy as np
import pyqtgraph as pg
from numpy.typing import ArrayLike, NDArray
from PySide6.QtCore import QPointF, Qt

from lookout.ui import theme
from lookout.ui.charts_interact import BAR_FILL, Tip, bar_hit, category_hit
from lookout.ui.charts_lines import (
    Chart,
    Styler,
    as_floats,
    attach_hover,
    chart_legend,
    fit_now,
    framed_chart,
    limit_x,
    place_legend,
    retitle,
    zoom_time_only,
)

LEGEND_ENTRIES_PER_STEP = 6


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

    NaN counts as 0 in the stack. Hiding a key in the legend restacks the rest. To update
    the bars in place later, build a :class:`StackedBars` instead.
    """
    bars = StackedBars(title=title, unit=unit, palette=palette)
    bars.show(x, stacks, bar_width_s=bar_width_s)
    for _ in bars.label():
        pass
    return bars.chart


class StackedBars:
    """A stacked bar chart (``chart``) whose bars are kept by key and updated in place.

    :meth:`show` moves, resizes and restacks the bars of keys it already has, and adds or
    removes only the others: a refresh of the same keys builds nothing (a new chart takes
    ~40 ms, issue 6), and the user's zoom stays. :meth:`label` then brings the legend in
    line, a few entries per step (~2 ms each).
    """

    def __init__(self, *, title: str = "", unit: str = "$", palette: theme.Palette | None = None) -> None:
        self.chart = framed_chart(palette, title, date_axis=True)
        self.unit = unit
        self.starts: NDArray[np.float64] = np.zeros(0)
        self.bar_width_s = 86_400.0
        self.bars: dict[str, tuple[NDArray[np.float64], pg.BarGraphItem]] = {}
        self._legend = chart_legend(self.chart)
        zoom_time_only(self.chart.getPlotItem())
        self.chart.on_restyle(self._recolour, now=False)
        attach_hover(self.chart, self._hit)

    def show(
        self, x: ArrayLike, stacks: Mapping[str, ArrayLike], *, bar_width_s: float, title: str | None = None
    ) -> None:
        """Show these bars (stacked in ``stacks`` order), keeping the items of keys already shown."""
        starts = as_floats(x)
        heights = {key: np.nan_to_num(as_floats(values)) for key, values in stacks.items()}
        for key, values in heights.items():
            if len(values) != len(starts):
                raise ValueError(f"stack {key!r}: {len(values)} values for {len(starts)} bars")
        if title is not None:
            retitle(self.chart, title)
        plot = self.chart.getPlotItem()
        for key in [key for key in self.bars if key not in heights]:
            _, bar = self.bars.pop(key)
            self._legend.removeItem(bar)
            plot.removeItem(bar)
        kept = {key: bar for key, (_, bar) in self.bars.items()}
        self.bars = {key: (values, kept.get(key) or self._new_bar(plot)) for key, values in heights.items()}
        self.starts, self.bar_width_s = starts, bar_width_s
        self._recolour(self.chart.palette_)
        self.restack()
        if len(starts):
            limit_x(plot, [starts, starts + bar_width_s])
        fit_now(self.chart)

    def restack(self) -> None:
        """Stack the visible bars on each other (again whenever one is shown or hidden)."""
        base = np.zeros(len(self.starts))
        centres = self.starts + self.bar_width_s / 2
        for values, bar in self.bars.values():
            if bar.isVisible():
                bar.setOpts(x=centres, width=self.bar_width_s * BAR_FILL, y0=base.copy(), height=values)
                base += values

    def _new_bar(self, plot: pg.PlotItem) -> pg.BarGraphItem:
        bar = pg.BarGraphItem(x=[], height=[], width=1.0, pen=pg.mkPen(None))
        plot.addItem(bar)
        bar.visibleChanged.connect(self.restack)
        return bar

    def label(self) -> Iterator[None]:
        """One legend entry per key, in stack order, when there are several keys.

        A job (:class:`~lookout.ui.turns.TurnQueue`) of :data:`LEGEND_ENTRIES_PER_STEP` entries per step.
        """
        wanted = list(self.bars) if len(self.bars) > 1 else []
        if [label.text for _, label in self._legend.items] != wanted:
            self._legend.clear()
            for index, key in enumerate(wanted):
                if index and index % LEGEND_ENTRIES_PER_STEP == 0:
                    yield
                self._legend.addItem(self.bars[key][1], key)
        place_legend(self.chart, self._legend)

    def _recolour(self, palette: theme.Palette) -> None:
        for index, (_, bar) in enumerate(self.bars.values()):
            bar.setOpts(brush=palette.series_color(index))

    def _hit(self, point: QPointF, pixel: tuple[float, float]) -> Tip | None:
        bars = [(key, values, bar) for key, (values, bar) in self.bars.items()]
        return bar_hit(bars, self.starts, self.bar_width_s, self.unit)(point, pixel)


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
