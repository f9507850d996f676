"""The one Qt module of reports: chart images (the app's own chart code, offscreen) and the PDF.

Charts are drawn by :mod:`lookout.ui.charts`, the same builders the app's views
use, in the light palette, and exported to PNG through pyqtgraph. Works with no
display: :func:`~lookout.ui.charts_export.offscreen_app` starts Qt on the
offscreen platform when no application runs.

The PDF is the HTML template's ``pdf`` variant laid out by Qt's rich-text
engine (``QTextDocument``) and painted into a ``QPdfWriter``. Pages break
cleanly: each section is laid out on its own and starts a new page when it
would not fit on what is left of the current one; a section longer than a page
flows over pages at row boundaries, with its table headings repeated. Blocks
are the template's sections, cut further at its ``<!--break-->`` marks (before a
chart, a sub-table, an example call), so a heading stays with what follows it. Every
page has a footer with the range and "page N of M".
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice, QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
)

from lookout import __version__
from lookout.core.clock import parse_iso
from lookout.report import fmt
from lookout.report.html import Images, render_html
from lookout.report.model import Chart, Report, Unavailable
from lookout.ui import charts, charts_bars, theme
from lookout.ui.charts_export import offscreen_app, render_png

CHART_SIZE = (1000, 320)
SPARK_SIZE = (192, 40)
RESOLUTION = 300  # PDF dots per inch
MARGINS_MM = QMarginsF(14, 14, 14, 12)
FOOTER_PT = 14
SECTION_GAP_PT = 8


def chart_images(report: Report) -> Images:
    """PNG bytes of every chart and error-group sparkline in the report, drawn offscreen."""
    offscreen_app()
    images = {chart.key: _png(chart) for chart in _charts(report)}
    sparklines: dict[str, bytes] = {}
    if not isinstance(report.errors, Unavailable):
        # One bucket (a range shorter than an hour) is no trend to draw: the template writes it as text.
        sparklines = {
            group.id: _sparkline(group.sparkline)
            for group in report.errors.groups
            if len(group.sparkline) > 1
        }
    return Images(charts=images, sparklines=sparklines)


def write_pdf(report: Report, images: Images, path: Path, progress: Callable[[float], None]) -> int:
    """Write the report as an A4 PDF; return the number of pages."""
    offscreen_app()
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(MARGINS_MM, QPageLayout.Unit.Millimeter)
    writer.setResolution(RESOLUTION)
    writer.setTitle(
        f"{report.header.title}: {fmt.when(report.header.range_from)} to {fmt.when(report.header.range_to)}"
    )
    writer.setCreator(f"Lookout {__version__}")
    page = writer.pageLayout().paintRectPixels(RESOLUTION)
    width, height = float(page.width()), float(page.height()) - _px(FOOTER_PT)
    html = render_html(report, images, pdf=True, chart_width=int(width * 96 / RESOLUTION))
    documents = [_document(block, _style(html), writer, width) for block in _blocks(html)]
    placements = _paginate(documents, height)
    pages = max(placement.page for placement in placements) + 1
    painter = QPainter(writer)
    try:
        for number in range(pages):
            if number:
                writer.newPage()
            for placement in placements:
                if placement.page == number:
                    placement.paint(painter, width)
            _footer(painter, report, number, pages, width, float(page.height()))
            progress((number + 1) / pages)
    finally:
        painter.end()
    return pages


@dataclass(frozen=True, slots=True)
class _Placement:
    """A slice ``[top, top + height)`` of a laid-out document, painted at ``y`` on ``page``."""

    document: QTextDocument
    page: int
    y: float
    top: float
    height: float

    def paint(self, painter: QPainter, width: float) -> None:
        painter.save()
        painter.translate(0, self.y - self.top)
        clip = QRectF(0, self.top, width, self.height)
        painter.setClipRect(clip)
        context = QAbstractTextDocumentLayout.PaintContext()
        context.clip = clip
        self.document.documentLayout().draw(painter, context)
        painter.restore()


def _paginate(documents: list[QTextDocument], page_height: float) -> list[_Placement]:
    placements: list[_Placement] = []
    page, y = 0, 0.0
    gap = _px(SECTION_GAP_PT)
    for document in documents:
        height = document.size().height()
        if y > 0 and height > page_height - y:
            page, y = page + 1, 0.0
        if height <= page_height:
            placements.append(_Placement(document, page, y, 0.0, height))
            y += height + gap
            continue
        # Longer than a page: let Qt paginate it (rows are never split) and paint page by page.
        document.setPageSize(QSizeF(document.textWidth(), page_height))
        count = document.pageCount()
        placements += [
            _Placement(document, page + i, 0.0, i * page_height, page_height) for i in range(count)
        ]
        last = document.documentLayout().blockBoundingRect(document.lastBlock()).bottom()
        page, y = page + count - 1, last - (count - 1) * page_height + gap
    return placements


def _blocks(html: str) -> list[str]:
    """The body cut where a page may break: between sections and at the template's break marks."""
    body = html.split("<body>", 1)[1].split("</body>", 1)[0]
    parts = re.split(r"</?section>|<!--break-->", body)
    return [part for part in parts if part.strip()]


def _style(html: str) -> str:
    match = re.search(r"<style>(.*?)</style>", html, re.DOTALL)
    return match.group(1) if match else ""


def _document(block: str, style: str, writer: QPdfWriter, width: float) -> QTextDocument:
    document = QTextDocument()
    document.documentLayout().setPaintDevice(writer)
    document.setDefaultFont(QFont("DejaVu Sans", 9))
    document.setDefaultStyleSheet(style)
    document.setDocumentMargin(0)
    document.setHtml(block)
    document.setTextWidth(width)
    return document


def _footer(painter: QPainter, report: Report, number: int, pages: int, width: float, bottom: float) -> None:
    header = report.header
    text = (
        f"Lookout report · {fmt.when(header.range_from)} to {fmt.when(header.range_to)} · "
        f"redacted on export · page {number + 1} of {pages}"
    )
    painter.save()
    font = QFont("DejaVu Sans")
    font.setPointSizeF(7)
    painter.setFont(font)
    painter.setPen(QColor("#888888"))
    box = QRectF(0, bottom - _px(FOOTER_PT) * 0.8, width, _px(FOOTER_PT) * 0.8)
    painter.drawText(box, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom), text)
    painter.restore()


def _charts(report: Report) -> list[Chart]:
    found: list[Chart] = []
    if not isinstance(report.latency.charts, Unavailable):
        found += report.latency.charts
    if not isinstance(report.cost, Unavailable):
        found += report.cost.charts
    return found


def _png(chart: Chart) -> bytes:
    if chart.kind == "stacked_bars":
        days = [parse_iso(point.t) for point in chart.series[0].points] if chart.series else []
        stacks = {item.name: [_value(point.value) for point in item.points] for item in chart.series}
        widget = charts_bars.stacked_bar_chart(
            days, stacks, title=chart.title, unit=chart.unit, palette=theme.LIGHT
        )
    else:
        lines = [
            charts.Series(
                name=item.name,
                x=[parse_iso(point.t) for point in item.points],
                y=[_value(point.value) for point in item.points],
                group=item.group,
                dash=item.dash,
            )
            for item in chart.series
        ]
        widget = charts.time_series_chart(lines, title=chart.title, unit=chart.unit, palette=theme.LIGHT)
    try:
        return render_png(widget, *CHART_SIZE)
    finally:
        widget.deleteLater()


def _sparkline(values: list[int]) -> bytes:
    image = QImage(*SPARK_SIZE, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    try:
        charts.paint_sparkline(
            painter, QRectF(1, 2, SPARK_SIZE[0] - 2, SPARK_SIZE[1] - 4), values, QColor(theme.LIGHT.series[0])
        )
    finally:
        painter.end()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # the stubs say bytes, the binding takes str
    return bytes(buffer.data().data())


def _value(value: float | None) -> float:
    return math.nan if value is None else value


def _px(points: float) -> float:
    return points * RESOLUTION / 72
