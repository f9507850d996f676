"""A read-only table model over a list of Python rows, described by its columns.

The Traces, Errors, Drift and Alerts lists are short (at most a few hundred rows
a query), so each adapts a plain list: a :class:`Column` says how one field is
displayed, aligned, coloured and sorted. The row objects stay the store's own
dataclasses; the model only adapts them (napari's ``_qt/containers`` idea).

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

R = TypeVar("R")
Index = QModelIndex | QPersistentModelIndex
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


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

    def set_rows(self, rows: Sequence[R]) -> None:
        """Replace the rows, keeping the sort the user chose."""
        self.beginResetModel()
        self._rows = list(rows)
        if self._sorted_by is not None:
            self._rows = self._sorted_rows(*self._sorted_by)
        self.endResetModel()

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
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row, column = self._rows[index.row()], self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(row)
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.ForegroundRole and column.color is not None:
            color = column.color(row)
            return QColor(color) if color else None
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip is not None:
            return column.tooltip(row)
        if role == Qt.ItemDataRole.TextAlignmentRole and column.numeric:
            return int(_RIGHT.value)
        return None
