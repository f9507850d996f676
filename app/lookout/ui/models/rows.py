"""A read-only table model over a list of Python rows, described by its columns.

The Traces, Errors, Drift and Alerts lists come a few hundred rows a query, so
each adapts a plain list: a :class:`Column` says how one field is displayed,
aligned, coloured and sorted. The row objects stay the store's own dataclasses;
the model only adapts them (napari's ``_qt/containers`` idea). A list read in
pages offers the next one with :meth:`RowsModel.offer_more`: the view asks for
it (``fetchMore``) when scrolled to the end, and :meth:`RowsModel.append_rows` adds it.

Example::

    model = RowsModel([Column("Calls", lambda t: f"{t.calls:,}", sort=lambda t: t.calls)])
    model.set_rows(traces)
    model.row(0)  # -> the TraceSummary behind the first row
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from lookout.ui.models.cell_painter import Cell

R = TypeVar("R")
Index = QModelIndex | QPersistentModelIndex
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
# Roles as plain ints: data() runs thousands of times a paint.
_DISPLAY = Qt.ItemDataRole.DisplayRole.value
_FOREGROUND = Qt.ItemDataRole.ForegroundRole.value
_TOOLTIP = Qt.ItemDataRole.ToolTipRole.value
_ALIGNMENT = Qt.ItemDataRole.TextAlignmentRole.value
_ROW = int(ROW_ROLE)
_LEFT = int((Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter).value)
_RIGHT = int((Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value)


@dataclass(frozen=True)
class Column(Generic[R]):
    """One column: its header and how a row shows in it."""

    header: str
    text: Callable[[R], str]
    sort: Callable[[R], Any] | None = None  # defaults to the text
    color: Callable[[R], str | None] | None = None  # a "#rrggbb" foreground, or None
    tooltip: Callable[[R], str | None] | None = None
    numeric: bool = False  # right-aligned


class RowsModel(QAbstractTableModel, Generic[R]):
    """Rows of ``R`` under fixed columns. Replace the rows with :meth:`set_rows`."""

    def __init__(self, columns: Sequence[Column[R]], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._rows: list[R] = []
        self._sorted_by: tuple[int, Qt.SortOrder] | None = None  # None: the query's own order
        self._fetch_more: Callable[[], None] | None = None
        self._texts: dict[int, tuple[str, ...]] = {}  # id(row) -> its cells' text, formatted once
        self._colors: dict[str, QColor] = {}

    def set_rows(self, rows: Sequence[R]) -> None:
        """Replace the rows, keeping the sort the user chose; no further page is offered."""
        self.beginResetModel()
        self._rows = list(rows)
        self._texts.clear()
        self._fetch_more = None
        if self._sorted_by is not None:
            self._rows = self._sorted_rows(*self._sorted_by)
        self.endResetModel()

    def append_rows(self, rows: Sequence[R]) -> None:
        """Add the next page's rows, re-sorting if the user chose a sort."""
        if not rows:
            return
        self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(rows) - 1)
        self._rows.extend(rows)
        self.endInsertRows()
        if self._sorted_by is not None:
            self.sort(*self._sorted_by)

    def offer_more(self, fetch: Callable[[], None] | None) -> None:
        """There is a next page: ``fetch`` asks for it, once (None: there is none)."""
        self._fetch_more = fetch

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008 - Qt's signature
        return not parent.isValid() and self._fetch_more is not None

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            fetch, self._fetch_more = self._fetch_more, None
            if fetch is not None:
                fetch()

    def row(self, index: int) -> R:
        return self._rows[index]

    @property
    def rows(self) -> list[R]:
        return list(self._rows)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort in place by the column's key; unknown values (None) always go last."""
        if not 0 <= column < len(self._columns):
            self._sorted_by = None
            return
        self._sorted_by = (column, order)
        self.layoutAboutToBeChanged.emit()
        before = {id(row): i for i, row in enumerate(self._rows)}
        self._rows = self._sorted_rows(column, order)
        new_row = {before[id(row)]: i for i, row in enumerate(self._rows)}
        persistent = self.persistentIndexList()
        moved = [self.index(new_row[i.row()], i.column()) for i in persistent]
        self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()

    def _sorted_rows(self, column: int, order: Qt.SortOrder) -> list[R]:
        spec = self._columns[column]
        key = spec.sort or spec.text
        known = [row for row in self._rows if key(row) is not None]
        unknown = [row for row in self._rows if key(row) is None]
        return sorted(known, key=key, reverse=order == Qt.SortOrder.DescendingOrder) + unknown

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        return self._columns[section].header if 0 <= section < len(self._columns) else None

    def data(self, index: Index, role: int = 0) -> Any:
        row, column = index.row(), index.column()
        if not (0 <= row < len(self._rows) and 0 <= column < len(self._columns)):
            return None
        if role == _DISPLAY:
            return self._texts_of(self._rows[row])[column]
        if role == _ROW:
            return self._rows[row]
        if role == _FOREGROUND:
            return self._color(row, column)
        spec = self._columns[column]
        if role == _TOOLTIP and spec.tooltip is not None:
            return spec.tooltip(self._rows[row])
        if role == _ALIGNMENT and spec.numeric:
            return _RIGHT
        return None

    def cell(self, row: int, column: int) -> Cell:
        """What one cell shows, for :class:`~lookout.ui.models.cell_painter.CellPainter`."""
        alignment = _RIGHT if self._columns[column].numeric else _LEFT
        return self._texts_of(self._rows[row])[column], alignment, self._color(row, column)

    def _texts_of(self, row: R) -> tuple[str, ...]:
        texts = self._texts.get(id(row))
        if texts is None:
            texts = self._texts[id(row)] = tuple(column.text(row) for column in self._columns)
        return texts

    def _color(self, row: int, column: int) -> QColor | None:
        spec = self._columns[column]
        name = spec.color(self._rows[row]) if spec.color is not None else None
        if not name:
            return None
        color = self._colors.get(name)
        if color is None:
            color = self._colors[name] = QColor(name)
        return color
