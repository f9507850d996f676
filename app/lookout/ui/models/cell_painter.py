"""A table delegate that paints a cell with one Python call and lays out each text once.

Qt's own delegate asks the model for seven roles per cell (seven calls into
Python through PySide) and lays every cell's text out again on every paint: a
full Calls table took ~30 ms to paint, most of an input-blocking turn (issue 6).
:class:`CellPainter` asks a :class:`CellSource` model once per cell for text,
alignment and colour, and draws the text from a cache of laid-out
:class:`~PySide6.QtGui.QStaticText`, so a repaint of rows already seen costs a
few ms. Selection, hover and alternating rows are drawn by the style as before;
text too wide for its column is elided. Other roles (tooltips, the model's own
ids) still come through ``data()``.

Example::

    table.setModel(model)  # a model with cell(row, column)
    table.setItemDelegate(CellPainter(model, table))
"""

from __future__ import annotations

import math
from typing import Protocol

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QPointF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPalette, QStaticText, QTransform
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

Index = QModelIndex | QPersistentModelIndex
Cell = tuple[str, int, QColor | None]  # text, alignment flags as an int, colour (None: the palette's)
MAX_CACHED = 20_000  # laid-out texts kept; a few hundred rows' worth of cells, many repeated
_Laid = tuple[QStaticText, float, float]  # a laid-out text, its width and height
_RIGHT = int(Qt.AlignmentFlag.AlignRight.value)
_SELECTED = QStyle.StateFlag.State_Selected.value
_FOCUSED = QStyle.StateFlag.State_HasFocus.value
_HIGHLIGHTED = _SELECTED | QStyle.StateFlag.State_MouseOver.value
_PANEL = QStyle.PrimitiveElement.PE_PanelItemViewItem
_FOCUS_FRAME = QStyle.PrimitiveElement.PE_FrameFocusRect
_ELIDE = Qt.TextElideMode.ElideRight


class CellSource(Protocol):
    """A table model that can say what one cell shows in a single call."""

    def cell(self, row: int, column: int) -> Cell: ...


class CellPainter(QStyledItemDelegate):
    """Paints the cells of the table showing ``source``."""

    def __init__(self, source: CellSource, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source = source
        # text -> (laid out, width, height); (text, width) -> the same, elided to that width
        self._texts: dict[str, _Laid] = {}
        self._elided: dict[tuple[str, int], _Laid] = {}
        self._margin: int | None = None

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        # Runs for every visible cell on every paint: few calls into Qt, no enum arithmetic.
        text, alignment, color = self._source.cell(index.row(), index.column())
        state = option.state.value
        if state & _HIGHLIGHTED:  # plain cells have no background of their own (rows are the view's)
            _style(option).drawPrimitive(_PANEL, option, painter, option.widget)
        if text:
            rect = option.rect
            x, y, width, height = rect.x(), rect.y(), rect.width(), rect.height()
            margin = self._text_margin(option)
            static, text_width, text_height = self._static(text, width - 2 * margin, option)
            left = x + width - margin - text_width if alignment & _RIGHT else x + margin
            if state & _SELECTED:
                painter.setPen(option.palette.color(QPalette.ColorRole.HighlightedText))
            else:
                painter.setPen(color if color is not None else option.palette.color(QPalette.ColorRole.Text))
            painter.drawStaticText(QPointF(left, y + (height - text_height) / 2), static)
        if state & _FOCUSED:
            _style(option).drawPrimitive(_FOCUS_FRAME, option, painter, option.widget)

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        text = self._source.cell(index.row(), index.column())[0]
        width = self._laid_out(text, option)[1] if text else 0.0
        return QSize(math.ceil(width) + 2 * self._text_margin(option) + 1, option.fontMetrics.height() + 2)

    def clear(self) -> None:
        """Forget the laid-out texts (after a font change)."""
        self._texts.clear()
        self._elided.clear()

    def _static(self, text: str, width: int, option: QStyleOptionViewItem) -> _Laid:
        """The laid-out text, elided to ``width`` if it does not fit."""
        laid = self._laid_out(text, option)
        if laid[1] <= width:
            return laid
        elided = self._elided.get((text, width))
        if elided is None:
            if len(self._elided) >= MAX_CACHED:
                self._elided.clear()
            shown = option.fontMetrics.elidedText(text, _ELIDE, width)
            elided = self._elided[(text, width)] = _prepared(shown, option.font)
        return elided

    def _laid_out(self, text: str, option: QStyleOptionViewItem) -> _Laid:
        laid = self._texts.get(text)
        if laid is None:
            if len(self._texts) >= MAX_CACHED:
                self._texts.clear()
            laid = self._texts[text] = _prepared(text, option.font)
        return laid

    def _text_margin(self, option: QStyleOptionViewItem) -> int:
        # What Qt's item delegate leaves on each side of the text.
        if self._margin is None:
            self._margin = _style(option).pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 1
        return self._margin


def _style(option: QStyleOptionViewItem) -> QStyle:
    widget = option.widget
    return widget.style() if widget is not None else QApplication.style()


def _prepared(text: str, font: QFont) -> _Laid:
    static = QStaticText(text)
    static.setTextFormat(Qt.TextFormat.PlainText)
    # Laid out now, so its size is known; drawing lays it out again only if the font changed.
    static.prepare(QTransform(), font)
    size = static.size()
    return static, size.width(), size.height()
