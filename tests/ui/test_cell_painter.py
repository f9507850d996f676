"""The cell painter: colours, right alignment, elision and row highlight, read off rendered pixels."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QStyleOptionViewItem, QTableView
from pytestqt.qtbot import QtBot

from lookout.ui.models.cell_painter import CellPainter
from lookout.ui.models.rows import Column, RowsModel

RED = "#ff0000"


@dataclass(frozen=True)
class Item:
    name: str
    number: str
    after: str = ""


def _table(qtbot: QtBot, items: list[Item], widths: tuple[int, int, int]) -> QTableView:
    model: RowsModel[Item] = RowsModel(
        [
            Column("Name", lambda i: i.name, color=lambda i: RED),
            Column("Number", lambda i: i.number, numeric=True),
            Column("After", lambda i: i.after),
        ]
    )
    model.set_rows(items)
    table = QTableView()
    qtbot.addWidget(table)
    table.setModel(model)
    table.setItemDelegate(CellPainter(model, table))
    table.setShowGrid(False)
    for column, width in enumerate(widths):
        table.setColumnWidth(column, width)
    table.resize(sum(widths) + 40, 200)
    table.show()
    QApplication.processEvents()
    return table


def _cell_image(table: QTableView, row: int, column: int) -> QImage:
    # The whole viewport is rendered, then cut: rendering only the cell would hide a neighbour's spill.
    rect: QRect = table.visualRect(table.model().index(row, column))
    return table.viewport().grab().toImage().copy(rect)


def _ink_columns(image: QImage, background: QColor) -> list[int]:
    """x of every pixel column that differs from the background somewhere."""
    return [
        x
        for x in range(image.width())
        if any(image.pixelColor(x, y) != background for y in range(image.height()))
    ]


def test_text_is_coloured_aligned_and_kept_inside_its_cell(qtbot: QtBot) -> None:
    items = [Item("name", "42"), Item("", "1,234,567,890,123,456,789 tokens and then some")]
    table = _table(qtbot, items, (60, 120, 120))
    background = _cell_image(table, 0, 2).pixelColor(0, 0)  # the empty third cell

    name = _cell_image(table, 0, 0)
    reds = [
        (x, y)
        for x in range(name.width())
        for y in range(name.height())
        if (c := name.pixelColor(x, y)).red() > 150 and c.green() < 100 and c.blue() < 100
    ]
    number = _ink_columns(_cell_image(table, 0, 1), background)
    row_background = _cell_image(table, 1, 2).pixelColor(0, 0)

    assert reds  # the column's colour
    assert number and number[0] > 120 - number[-1]  # right-aligned: ink sits against the right edge
    # Too wide for its column, the right-aligned number is elided rather than spilled to the left.
    assert _ink_columns(_cell_image(table, 1, 0), row_background) == []
    assert _ink_columns(_cell_image(table, 1, 1), row_background)


def test_a_selected_row_is_highlighted(qtbot: QtBot) -> None:
    table = _table(qtbot, [Item("first", "1"), Item("second", "2")], (100, 100, 100))
    before = _cell_image(table, 1, 2).pixelColor(2, 2)

    table.selectRow(1)
    QApplication.processEvents()

    assert _cell_image(table, 1, 2).pixelColor(2, 2) != before


def test_the_size_hint_fits_the_text(qtbot: QtBot) -> None:
    table = _table(
        qtbot, [Item("short", "1"), Item("a much longer name than the first", "2")], (100, 100, 100)
    )
    painter = table.itemDelegate()
    assert isinstance(painter, CellPainter)
    option = QStyleOptionViewItem()
    option.initFrom(table)
    model = table.model()

    short = painter.sizeHint(option, model.index(0, 0)).width()
    long = painter.sizeHint(option, model.index(1, 0)).width()

    assert long > short >= table.fontMetrics().horizontalAdvance("short")
