"""Chart lines kept by name across refreshes and built a few at a time (the Performance view's charts).

A :class:`LinePool` owns the lines of one chart made by
:func:`~lookout.ui.charts.time_series_frame` or :func:`~lookout.ui.charts.histogram_frame`.
:meth:`LinePool.sync` is a :class:`~lookout.ui.turns.TurnQueue` job that makes the chart
show exactly the given lines: it replaces the data of the lines it has, adds the new ones,
removes the gone ones, and adds legend entries for new groups, yielding whenever a step
has worked for :data:`STEP_BUDGET_S`. A refresh with the same models so costs a new
path per line, and a new model only its own lines and legend entry. The chart does not
paint while it syncs, and paints once when done, in a turn of its own.

Time series lines are handles of one :class:`~lookout.ui.charts_lineset.LineSet` per
chart, which paints them all (plus dots where points are few or isolated): its paint
only strokes paths built while syncing. Histograms, on a log axis, keep ``PlotDataItem``
for its log mode and step outlines.

Lines of a group (a model) share its colour, given by ``colour_of``, and its legend entry.
Toggling the entry calls ``on_toggle(group, visible)``: the owner shows or hides the group
in every pool (:meth:`LinePool.show_group`), and lines it adds later for a group in
``hidden`` start hidden.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from numpy.typing import ArrayLike, NDArray
from PySide6.QtCore import Qt
from PySide6.QtGui import QPen

from lookout.ui import theme
from lookout.ui.charts import DASHES, WIDE_LINES_UP_TO, log_ticks
from lookout.ui.charts_lines import (
    Chart,
    LineStyle,
    as_floats,
    chart_legend,
    dots_for,
    fit_now,
    limit_x,
    place_legend,
)
from lookout.ui.charts_lineset import LineHandle, LineSet

# Work per event-loop turn before a sync yields: well inside the 50 ms budget (issue 6),
# leaving room for the paint that may follow in the same turn.
STEP_BUDGET_S = 0.012
HISTOGRAM_LEGEND_COLUMNS = 2  # histogram panels sit three to a row


@dataclass(frozen=True, slots=True)
class Line:
    """One line: ``x`` in epoch seconds (histogram: bucket edges, one more than ``y``); NaN breaks it."""

    name: str
    group: str
    x: ArrayLike
    y: ArrayLike
    dash: str = "solid"


@dataclass(slots=True)
class _Drawn:
    curve: LineHandle | pg.PlotDataItem  # a PlotDataItem for histograms
    dots: pg.ScatterPlotItem | None
    group: str
    dash: str


class LinePool:
    """The lines of one chart, by name."""

    def __init__(
        self,
        chart: Chart,
        *,
        colour_of: Callable[[str], int],
        on_toggle: Callable[[str, bool], None],
        hidden: Collection[str],
        histogram: bool = False,
    ) -> None:
        self.chart = chart
        self._colour_of, self._on_toggle, self._hidden = colour_of, on_toggle, hidden
        self._histogram = histogram
        self._drawn: dict[str, _Drawn] = {}
        self._width = 2.0
        self._legend = chart_legend(chart)
        self._leaders: dict[str, pg.GraphicsObject] = {}  # group -> the line its legend entry toggles
        self._lines = LineSet()
        if not histogram:
            chart.getPlotItem().addItem(self._lines)
        chart.on_restyle(self._restyle, now=False)

    def sync(self, lines: Sequence[Line]) -> Iterator[None]:
        """Make the chart show exactly ``lines`` (those with no finite value are left out)."""
        shown = [line for line in lines if np.isfinite(as_floats(line.y)).any()]
        wanted = {line.name for line in shown}
        gone = [name for name in self._drawn if name not in wanted]
        # One repaint at the end, in a turn of its own: a chart left to paint after each
        # step painted two or three times per refresh, each paint as long as a step.
        self.chart.setUpdatesEnabled(False)
        try:
            for name in gone:
                self._remove(name)
            width = 1.0 if len(shown) > WIDE_LINES_UP_TO else (1.5 if self._histogram else 2.0)
            if width != self._width:
                self._width = width
                self._restyle(self.chart.palette_)
            deadline = time.perf_counter() + STEP_BUDGET_S
            for line in shown:
                if time.perf_counter() > deadline:
                    yield
                    deadline = time.perf_counter() + STEP_BUDGET_S
                if line.name in self._drawn:
                    self._update(line)
                else:
                    self._add(line)
            yield from self._fill_legend(shown)
            self._fit(shown)
            yield
        finally:
            # Also a new chart's, built with updates off so it paints first with its lines.
            self.chart.setUpdatesEnabled(True)

    def show_group(self, group: str, visible: bool) -> None:
        """Show or hide every line of ``group``."""
        for drawn in self._drawn.values():
            if drawn.group == group:
                for item in (drawn.curve, drawn.dots):
                    if item is not None and item.isVisible() != visible:
                        item.setVisible(visible)

    def _add(self, line: Line) -> None:
        options = self._style(line.group, line.dash).options(self.chart.palette_)
        xs, ys = as_floats(line.x), as_floats(line.y)
        curve: LineHandle | pg.PlotDataItem
        if self._histogram:
            # Symbol pens imply dots unless told otherwise.
            curve = pg.PlotDataItem(
                xs, ys, stepMode="center", fillLevel=0, dynamicRangeLimit=None, **options, symbol=None
            )
            self.chart.getPlotItem().addItem(curve)
        else:
            curve = self._lines.add(_pen(options))
            curve.set_data(xs, ys)
        drawn = _Drawn(curve, None, line.group, line.dash)
        self._drawn[line.name] = drawn
        self.chart.curves[line.name] = curve
        self.chart.groups[line.name] = line.group
        if line.group in self._hidden:
            curve.setVisible(False)
        if not self._histogram:
            self._dots(drawn, xs, ys)

    def _update(self, line: Line) -> None:
        drawn = self._drawn[line.name]
        xs, ys = as_floats(line.x), as_floats(line.y)
        if isinstance(drawn.curve, LineHandle):
            drawn.curve.set_data(xs, ys)
            self._dots(drawn, xs, ys)
        else:
            drawn.curve.setData(xs, ys)

    def _dots(self, drawn: _Drawn, xs: NDArray[np.float64], ys: NDArray[np.float64]) -> None:
        """Dots on the points where they are few or isolated (a lone bucket draws no line)."""
        finite = np.isfinite(ys)
        if dots_for(ys) is None:
            if drawn.dots is not None:
                drawn.dots.setData([], [])
            return
        if drawn.dots is None:
            options = self._style(drawn.group, drawn.dash).options(self.chart.palette_)
            drawn.dots = pg.ScatterPlotItem(size=5, pen=options["symbolPen"], brush=options["symbolBrush"])
            drawn.dots.setVisible(drawn.curve.isVisible())
            self.chart.getPlotItem().addItem(drawn.dots)
        drawn.dots.setData(xs[finite], ys[finite])

    def _remove(self, name: str) -> None:
        drawn = self._drawn.pop(name)
        plot = self.chart.getPlotItem()
        if self._leaders.get(drawn.group) is drawn.curve:
            self._legend.removeItem(drawn.curve)
            del self._leaders[drawn.group]
        if isinstance(drawn.curve, LineHandle):
            self._lines.remove(drawn.curve)
        else:
            plot.removeItem(drawn.curve)
        if drawn.dots is not None:
            plot.removeItem(drawn.dots)
        del self.chart.curves[name], self.chart.groups[name]

    def _fill_legend(self, shown: Sequence[Line]) -> Iterator[None]:
        """Entries for new groups (appended: entries keep their place), a few per step."""
        groups = dict.fromkeys(line.group for line in shown)
        # A histogram of one model needs no legend; time series name their model even alone.
        entries = groups if len(groups) > 1 or not self._histogram else {}
        for group in [group for group in self._leaders if group not in entries]:
            self._legend.removeItem(self._leaders.pop(group))
        wanted = [group for group in entries if group not in self._leaders]
        deadline = time.perf_counter() + STEP_BUDGET_S
        for group in wanted:
            if time.perf_counter() > deadline:
                yield
                deadline = time.perf_counter() + STEP_BUDGET_S
            leader = self._drawn[next(line.name for line in shown if line.group == group)].curve
            self._leaders[group] = leader
            self._legend.addItem(leader, group)
            leader.visibleChanged.connect(lambda group=group, leader=leader: self._toggled(group, leader))
        columns = HISTOGRAM_LEGEND_COLUMNS if self._histogram else 3
        place_legend(self.chart, self._legend, columns)

    def _toggled(self, group: str, leader: pg.GraphicsObject) -> None:
        visible = bool(leader.isVisible())
        if self._leaders.get(group) is leader:  # not a line since replaced as the group's leader
            self._on_toggle(group, visible)

    def _fit(self, shown: Sequence[Line]) -> None:
        if self._histogram:
            if shown and self.chart.log_ticks_unit is not None:
                edges = np.concatenate([as_floats(line.x) for line in shown])
                log_ticks(self.chart.getPlotItem(), edges, self.chart.log_ticks_unit)
        else:
            limit_x(self.chart.getPlotItem(), [as_floats(line.x) for line in shown])
        fit_now(self.chart)

    def _style(self, group: str, dash: str) -> LineStyle:
        pen_style = DASHES.get(dash, Qt.PenStyle.SolidLine)
        return LineStyle(self._colour_of(group), pen_style, fill=self._histogram, width=self._width)

    def _restyle(self, palette: theme.Palette) -> None:
        for drawn in self._drawn.values():
            options = self._style(drawn.group, drawn.dash).options(palette)
            if isinstance(drawn.curve, LineHandle):
                drawn.curve.set_pen(_pen(options))
            else:
                drawn.curve.opts.update(options, symbol=None)
                drawn.curve.updateItems(styleUpdate=True)
            if drawn.dots is not None:
                drawn.dots.setPen(options["symbolPen"])
                drawn.dots.setBrush(options["symbolBrush"])


def _pen(options: dict[str, object]) -> QPen:
    pen = options["pen"]
    assert isinstance(pen, QPen)  # as LineStyle.options makes it
    return pen
