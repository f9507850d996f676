"""The error-group list as a Qt model, and the delegate that paints each group's 24-hour sparkline.

Rows are :class:`GroupRow`: the store's :class:`~lookout.core.models.ErrorGroup`
plus its hourly counts for the last 24 hours (from ``store.group_queries.group_histograms``,
one query for the whole list). The sparkline column's data is those counts under
:data:`SPARK_ROLE`; :class:`SparklineDelegate` paints them with the shared
:func:`~lookout.ui.charts.paint_sparkline`, far cheaper than a chart widget per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QRectF, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from lookout.core.models import ErrorGroup
from lookout.ui import theme
from lookout.ui.charts import paint_sparkline
from lookout.ui.models.rows import Column, RowsModel
from lookout.ui.views.view_helpers import ago, local_time, when

SPARK_ROLE = Qt.ItemDataRole.UserRole + 10
SPARK_COLUMN = 3


@dataclass(frozen=True, slots=True)
class GroupRow:
    group: ErrorGroup
    hourly: tuple[int, ...]  # events per hour, oldest first, over the last 24 hours

    @property
    def last_day(self) -> int:
        return sum(self.hourly)


def status_text(group: ErrorGroup) -> str:
    """``unresolved · new``, ``ignored until 14:00``, ``ignored for 10 more``, ``resolved``."""
    if group.status == "ignored":
        if group.ignored_until:
            return f"ignored until {when(group.ignored_until)}"
        if group.ignored_events_left:
            return f"ignored for {group.ignored_events_left} more"
        return "ignored"
    return f"{group.status} · {group.substatus}" if group.substatus else group.status


def _status_color(row: GroupRow) -> str | None:
    palette = theme.palette()
    if row.group.status != "unresolved":
        return palette.muted
    return palette.error if row.group.substatus in ("new", "regressed") else None


def group_columns() -> list[Column[GroupRow]]:
    return [
        Column("Title", lambda r: r.group.title, tooltip=lambda r: r.group.title),
        Column("Status", lambda r: status_text(r.group), color=_status_color),
        Column("Events", lambda r: f"{r.group.count:,}", sort=lambda r: r.group.count, numeric=True),
        Column("Last 24 h", lambda r: f"{r.last_day:,}", sort=lambda r: r.last_day, numeric=True),
        Column("First seen", lambda r: ago(r.group.first_seen), sort=lambda r: r.group.first_seen,
               tooltip=lambda r: local_time(r.group.first_seen)),
        Column("Last seen", lambda r: ago(r.group.last_seen), sort=lambda r: r.group.last_seen,
               tooltip=lambda r: local_time(r.group.last_seen)),
        Column("Models", lambda r: ", ".join(r.group.models) or "–"),
    ]  # fmt: skip


class GroupsModel(RowsModel[GroupRow]):
    """Error groups, one per row; the "Last 24 h" column also carries the hourly counts."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(group_columns(), parent)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if role == SPARK_ROLE and index.isValid() and index.column() == SPARK_COLUMN:
            return list(self.row(index.row()).hourly)
        return super().data(index, role)

    def group_ids(self) -> list[str]:
        return [row.group.id for row in self.rows]


class SparklineDelegate(QStyledItemDelegate):
    """Paints :data:`SPARK_ROLE` counts as a sparkline, with the total at the right."""

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        values = index.data(SPARK_ROLE)
        palette = theme.palette()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if selected:
            painter.fillRect(option.rect, QColor(palette.accent))
        rect = QRectF(option.rect).adjusted(4, 4, -44, -4)
        color = QColor("#ffffff" if selected else palette.error)
        if values:
            paint_sparkline(painter, rect, values, color)
        painter.save()
        painter.setPen(QColor("#ffffff" if selected else palette.foreground))
        text_rect = QRectF(option.rect).adjusted(0, 0, -4, 0)
        painter.drawText(text_rect, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                         str(index.data(Qt.ItemDataRole.DisplayRole) or ""))  # fmt: skip
        painter.restore()
