"""The trace waterfall: one horizontal bar per call on a millisecond axis, top to bottom in start order.

A call's bar is pale while it waits for the first token and solid while it
generates (all solid when it did not stream); failed calls are drawn in the
error colour. In a session, a trace's row is an outline spanning its calls,
which follow it indented. Hovering shows a call's figures; clicking a call's
bar emits :attr:`WaterfallChart.call_clicked` with its id.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics

from lookout.store.traces import WaterfallRow
from lookout.ui import theme
from lookout.ui.charts_interact import HoverTip, Tip, add_save_action
from lookout.ui.views.view_helpers import duration_ms

BAR_HEIGHT = 0.62
LABEL_AXIS_PX = 230
MIN_ROWS = 12


class WaterfallChart(pg.PlotWidget):  # type: ignore[misc]  # pyqtgraph is untyped
    """Bars for a list of :class:`WaterfallRow`; :meth:`show_rows` replaces them."""

    call_clicked = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[WaterfallRow] = []
        plot = self.getPlotItem()
        plot.invertY(True)
        plot.showGrid(x=True, y=False, alpha=0.15)
        plot.setLabel("bottom", "ms since the first call")
        plot.hideButtons()
        plot.setMouseEnabled(x=True, y=False)
        plot.getAxis("left").setWidth(LABEL_AXIS_PX)
        add_save_action(self, "trace waterfall")
        self.tip = HoverTip(plot, self._hit)
        plot.scene().sigMouseClicked.connect(self._clicked)
        self.restyle(theme.palette())
        theme.watcher().changed.connect(self.restyle)

    def restyle(self, palette: theme.Palette) -> None:
        """Follow the light or dark theme (also redraws the bars in its colours)."""
        self.setBackground(palette.background)
        plot = self.getPlotItem()
        for name in ("left", "bottom"):
            plot.getAxis(name).setTextPen(pg.mkPen(palette.foreground))
            plot.getAxis(name).setPen(pg.mkPen(palette.muted))
        self.tip.restyle(palette)
        self.show_rows(self._rows)

    @property
    def rows(self) -> list[WaterfallRow]:
        return list(self._rows)

    def show_rows(self, rows: Sequence[WaterfallRow]) -> None:
        plot = self.getPlotItem()
        for item in list(plot.items):
            if isinstance(item, pg.BarGraphItem):
                plot.removeItem(item)
        self._rows = list(rows)
        if not rows:
            plot.getAxis("left").setTicks([[]])
            return
        for bars in _bar_items(self._rows, theme.palette()):
            plot.addItem(bars)
        axis = plot.getAxis("left")
        metrics = QFontMetrics(axis.style["tickFont"] or axis.font())
        axis.setTicks([[(i, _label(row, metrics)) for i, row in enumerate(self._rows)]])
        end = max(max(row.offset_ms + row.duration_ms for row in self._rows), 1.0)
        # Limits first: the previous trace's limits would otherwise clamp this range.
        plot.setLimits(xMin=-end * 0.05, xMax=end * 1.2)
        plot.setXRange(0, end * 1.02, padding=0)
        # At least MIN_ROWS rows tall, so one call is a bar, not a wall.
        plot.setYRange(-0.6, max(len(self._rows), MIN_ROWS) - 0.4, padding=0)

    def row_at(self, point: QPointF) -> WaterfallRow | None:
        """The row whose bar is under a point in view coordinates."""
        index = round(point.y())
        if not 0 <= index < len(self._rows) or abs(point.y() - index) > BAR_HEIGHT / 2:
            return None
        row = self._rows[index]
        return row if row.offset_ms <= point.x() <= row.offset_ms + max(row.duration_ms, 1.0) else None

    def _hit(self, point: QPointF, pixel: tuple[float, float]) -> Tip | None:
        row = self.row_at(point)
        return None if row is None else Tip(point.x(), point.y(), describe(row))

    def _clicked(self, event: object) -> None:
        scene_pos = event.scenePos()  # type: ignore[attr-defined]
        view = self.getPlotItem().getViewBox()
        if not view.sceneBoundingRect().contains(scene_pos):
            return
        row = self.row_at(view.mapSceneToView(scene_pos))
        if row is not None and row.call is not None:
            self.call_clicked.emit(row.call["id"])


def describe(row: WaterfallRow) -> str:
    """The tooltip for one bar."""
    lines = [
        row.label,
        f"starts +{duration_ms(row.offset_ms)}, lasts {duration_ms(row.duration_ms)}",
    ]
    call = row.call
    if call is None:
        return "\n".join(lines)
    if call["ttft_ms"] is not None:
        lines.append(f"first token after {duration_ms(call['ttft_ms'])}")
    status = call["outcome"] if call["status_code"] is None else f"{call['outcome']} ({call['status_code']})"
    lines.append(status)
    if call["input_tokens"] is not None or call["output_tokens"] is not None:
        lines.append(f"tokens {call['input_tokens'] or 0:,} in / {call['output_tokens'] or 0:,} out")
    lines.append("click to open the call")
    return "\n".join(lines)


def _label(row: WaterfallRow, metrics: QFontMetrics) -> str:
    """The row's label, indented by depth and elided to fit the axis.

    pyqtgraph leaves out a tick label that does not fit rather than clip it.
    """
    room = LABEL_AXIS_PX - 2 * metrics.horizontalAdvance("M")  # tick mark and margin
    return metrics.elidedText(("    " * row.depth) + row.label, Qt.TextElideMode.ElideRight, room)


def _bar_items(rows: Sequence[WaterfallRow], palette: theme.Palette) -> list[pg.BarGraphItem]:
    ys = np.arange(len(rows), dtype=float)
    starts = np.array([row.offset_ms for row in rows])
    # A bar is at least visible: sub-millisecond calls still get a sliver.
    widths = np.array([max(row.duration_ms, 0.5) for row in rows])
    colors = [palette.error if row.failed else palette.series_color(0) for row in rows]
    # Whole bars, pale: the waiting part shows through where the solid part does not cover it.
    pale = pg.BarGraphItem(
        x0=starts,
        width=widths,
        y=ys,
        height=BAR_HEIGHT,
        brushes=[_alpha(c, 70) for c in colors],
        pens=[pg.mkPen(c, width=1) for c in colors],
    )
    generating = [
        (i, _ttft(row)) for i, row in enumerate(rows) if row.call is not None and _ttft(row) < widths[i]
    ]
    solid = pg.BarGraphItem(
        x0=np.array([starts[i] + ttft for i, ttft in generating]),
        width=np.array([widths[i] - ttft for i, ttft in generating]),
        y=np.array([ys[i] for i, _ in generating]),
        height=BAR_HEIGHT,
        brushes=[QColor(colors[i]) for i, _ in generating],
        pen=pg.mkPen(None),
    )
    return [pale, solid]


def _ttft(row: WaterfallRow) -> float:
    """Where the solid part starts: the first token for streams, the start otherwise."""
    ttft = row.call["ttft_ms"] if row.call is not None else None
    return float(ttft) if ttft is not None else 0.0


def _alpha(color: str, alpha: int) -> QColor:
    result = QColor(color)
    result.setAlpha(alpha)
    return result
