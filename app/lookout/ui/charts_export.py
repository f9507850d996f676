"""Charts to image files and bytes: PNG through pyqtgraph's ``ImageExporter``, SVG for HTML reports.

Works headless: :func:`offscreen_app` gives a QApplication on the offscreen
platform when none is running, and a chart never needs to be shown to render.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyqtgraph as pg
import pyqtgraph.exporters
from PySide6.QtCore import QBuffer, QIODevice, QRect, QRectF, QSize
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QApplication


def render_png(chart: pg.GraphicsView, width: int, height: int) -> bytes:
    """The chart (a PlotWidget or GraphicsLayoutWidget) laid out at ``width`` x ``height``, as PNG bytes.

    The chart is resized to that size first, so call it on charts built for
    the export (reports), or use :func:`save_png` to keep an on-screen size.
    """
    image = _image(chart, width, height)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # the stubs say bytes, the binding takes str
    return bytes(buffer.data().data())


def render_svg(chart: pg.GraphicsView, width: int, height: int) -> bytes:
    """The chart laid out at ``width`` x ``height`` as SVG (UTF-8 bytes), for HTML reports.

    Drawn through Qt's own SVG generator: pyqtgraph's ``SVGExporter`` cannot
    parse the path syntax current Qt writes (pyqtgraph issue #3485).
    """
    _lay_out(chart, width, height)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(QSize(width, height))
    generator.setViewBox(QRect(0, 0, width, height))
    painter = QPainter(generator)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        chart.scene().render(painter, QRectF(0, 0, width, height), chart.centralWidget.sceneBoundingRect())
    finally:
        painter.end()
    return bytes(buffer.data().data())


def save_png(chart: pg.GraphicsView, path: str | os.PathLike[str]) -> None:
    """Write the chart as a PNG file at its current on-screen size."""
    size = chart.size()
    data = render_png(chart, max(size.width(), 1), max(size.height(), 1))
    Path(path).write_bytes(data)


def offscreen_app() -> QApplication:
    """The running QApplication, or a new one on the offscreen platform (reports, headless renders)."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    return QApplication([])


def _image(chart: pg.GraphicsView, width: int, height: int) -> QImage:
    _lay_out(chart, width, height)
    exporter = pyqtgraph.exporters.ImageExporter(chart.centralWidget)
    params = exporter.parameters()
    params["width"] = width
    params["height"] = height
    image = exporter.export(toBytes=True)
    assert isinstance(image, QImage)
    return image


def _lay_out(chart: pg.GraphicsView, width: int, height: int) -> None:
    if width <= 0 or height <= 0:
        raise ValueError(f"cannot render a chart at {width}x{height}: both sides must be positive")
    if chart.width() != width or chart.height() != height:
        chart.resize(width, height)
    # A hidden view receives no resize event: lay its scene out at the new size now.
    chart.resizeEvent(None)
    QApplication.processEvents()
