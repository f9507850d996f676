"""Many lines of one chart painted by a single graphics item (the Performance view's time charts).

A chart of twelve models by three percentiles holds 36 lines. As 36 ``PlotCurveItem``
objects, its first paint after new data costs 25-45 ms of the GUI thread (issue 6's
budget is 50 ms per turn): each item works out its own bounds (``nanmin``/``nanmax``
per axis, again after every change of the view), its pixel padding and its path,
inside the paint. A :class:`LineSet` keeps every line's path, built when the data is
set (in a budgeted step of :class:`~lookout.ui.charts_pool.LinePool`), and the
bounds of all its lines in one vectorised pass, so its paint only strokes the paths.

Each line is a :class:`LineHandle`, the object the rest of the chart code sees as the
line: it has a curve's ``xData``, ``yData`` and ``opts["pen"]`` (hover tooltips and
legend samples read them), and a visibility of its own (``setVisible``,
``isVisible``, ``visibleChanged``) that a legend entry toggles. Handles are never in
the scene; the set paints the visible ones, in the order they were added.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray
from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsObject, QStyleOptionGraphicsItem, QWidget

Floats = NDArray[np.float64]
Range = tuple[float, float] | tuple[None, None]
_NO_RANGE: Range = (None, None)


class LineHandle(QGraphicsObject):
    """One line of a :class:`LineSet`: its data, pen and visibility (not itself in the scene)."""

    def __init__(self, owner: LineSet, pen: QPen) -> None:
        super().__init__()
        self._owner = owner
        self.opts: dict[str, object] = {"pen": pen, "antialias": pg.getConfigOption("antialias")}
        self.xData: Floats = np.zeros(0)
        self.yData: Floats = np.zeros(0)
        self.path = QPainterPath()
        self.visibleChanged.connect(owner.lines_changed)

    def set_data(self, xs: Floats, ys: Floats) -> None:
        """Replace the points (a NaN breaks the line); the owner repaints once its step is done."""
        self.xData, self.yData = xs, ys
        self.path = pg.arrayToQPath(xs, ys, connect="finite")
        self._owner.lines_changed()

    def set_pen(self, pen: QPen) -> None:
        self.opts["pen"] = pen
        self._owner.update()

    @property
    def pen(self) -> QPen:
        pen = self.opts["pen"]
        assert isinstance(pen, QPen)
        return pen

    def boundingRect(self) -> QRectF:  # never painted: the owner paints the line
        return QRectF()

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        return


class LineSet(pg.GraphicsObject):  # type: ignore[misc]  # pyqtgraph is untyped
    """Lines painted by one item, with their bounds for the view box's auto range."""

    def __init__(self) -> None:
        super().__init__()
        self._lines: list[LineHandle] = []
        self._points: tuple[Floats, Floats] | None = None  # the visible lines' points, together
        self._rect: QRectF | None = None

    def add(self, pen: QPen) -> LineHandle:
        """A new, empty line drawn above the others."""
        handle = LineHandle(self, pen)
        self._lines.append(handle)
        return handle

    def remove(self, handle: LineHandle) -> None:
        self._lines.remove(handle)
        handle.visibleChanged.disconnect(self.lines_changed)
        self.lines_changed()

    def lines_changed(self) -> None:
        """A line's data or visibility changed: new bounds, a repaint and a new auto range."""
        self.prepareGeometryChange()
        self._points = None
        self._rect = None
        self.update()
        self.informViewBoundsChanged()

    def dataBounds(self, ax: int, frac: float = 1.0, orthoRange: Range | None = None) -> Range:
        """Smallest and largest finite value on axis ``ax`` of the visible lines' points.

        As a ``PlotCurveItem``'s: x spans every bucket, with or without a value (the time axis
        shows the whole range). With ``orthoRange``, only points whose other coordinate lies in
        it count (the y axis fits what is visible of a zoomed time range). ``frac`` is taken
        as 1: the charts fit all of their data.
        """
        points = self._visible_points()
        values, other = points[ax], points[1 - ax]
        keep = np.isfinite(values)
        if orthoRange is not None and orthoRange[0] is not None and orthoRange[1] is not None:
            keep &= (other >= orthoRange[0]) & (other <= orthoRange[1])
        if not keep.any():
            return _NO_RANGE
        chosen = values[keep]
        return float(chosen.min()), float(chosen.max())

    def pixelPadding(self) -> float:
        """How far, in pixels, a pen reaches past a point (cosmetic pens: half their width)."""
        return max((handle.pen.widthF() * 0.7072 for handle in self._visible()), default=0.0)

    def boundingRect(self) -> QRectF:
        if self._rect is None:
            (left, right), (bottom, top) = self.dataBounds(0), self.dataBounds(1)
            if left is None or right is None or bottom is None or top is None:
                self._rect = QRectF()
            else:
                pad_x, pad_y = self._pixel_size()
                pad = self.pixelPadding()
                self._rect = QRectF(
                    left - pad * pad_x, bottom - pad * pad_y, right - left + 2 * pad * pad_x,
                    top - bottom + 2 * pad * pad_y,
                )  # fmt: skip
        return self._rect

    def viewTransformChanged(self) -> None:
        # The padding is in pixels: the rect changes with the zoom (the points do not).
        self.prepareGeometryChange()
        self._rect = None

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        export = self._exportOpts
        antialias = export.get("antialias", True) if export is not False else pg.getConfigOption("antialias")
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, bool(antialias))
        for handle in self._visible():
            painter.setPen(handle.pen)
            painter.drawPath(handle.path)

    def _visible(self) -> Iterable[LineHandle]:
        return (handle for handle in self._lines if handle.isVisible())

    def _visible_points(self) -> tuple[Floats, Floats]:
        if self._points is None:
            shown = list(self._visible())
            xs = np.concatenate([handle.xData for handle in shown]) if shown else np.zeros(0)
            ys = np.concatenate([handle.yData for handle in shown]) if shown else np.zeros(0)
            self._points = (xs, ys)
        return self._points

    def _pixel_size(self) -> tuple[float, float]:
        """One pixel's width and height in data units (0 before the item is in a view)."""
        px, py = self.pixelVectors()
        return (0.0 if px is None else float(px.length())), (0.0 if py is None else float(py.length()))
