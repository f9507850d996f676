"""The main window: sidebar of views, time range, status bar, refresh policy, navigation, close.

* The sidebar lists :func:`~lookout.ui.views.registry.view_classes` with their
  shortcuts; Ctrl+K / Ctrl+F focus the call search, F5 refreshes.
* Only the visible view refreshes: on new data (``ctx.data_changed``, at most
  4 Hz, from :class:`~lookout.ui.poller.DataPoller`), on a new time range, on F5.
  Hidden views are marked stale and refresh when shown.
* ``ctx.open_*_requested`` switch view and hand the id to :meth:`View.open_item`.
* "Export report…" (Ctrl+E, any view) opens :mod:`lookout.ui.report_dialog`.
* Closing asks once whether to keep the proxy running in the tray, and
  remembers the answer (QSettings ``close/keep_running_in_tray``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QDateTime, QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from lookout.ui.context import PRESET_RANGES, AppContext, TimeRange
from lookout.ui.engine import EngineMonitor, EngineStatus
from lookout.ui.poller import DataPoller
from lookout.ui.statusbar import EngineStatusWidget
from lookout.ui.views.base import View
from lookout.ui.views.registry import view_classes

KEEP_RUNNING_KEY = "close/keep_running_in_tray"
RANGE_KEY = "window/time_range"
CUSTOM = "Custom…"
QUERY_ERROR_MS = 8000


class MainWindow(QMainWindow):
    def __init__(
        self,
        ctx: AppContext,
        engine: EngineMonitor | None = None,
        *,
        tray_available: bool = False,
        views: Sequence[type[View]] | None = None,
        settings: QSettings | None = None,
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.engine = engine
        self.tray_available = tray_available
        self.settings = settings or QSettings()
        self.setWindowTitle("Lookout")
        self.resize(1400, 860)
        self.views: dict[str, View] = {}
        self._stale: set[str] = set()
        self._shown: set[str] = set()
        self._quitting = False
        self.sidebar = QListWidget()
        self.stack = QStackedWidget()
        self.range_box = QComboBox()
        self.engine_status = EngineStatusWidget()
        self.poller = DataPoller(ctx, parent=self)
        for view_class in views if views is not None else view_classes():
            self._add_view(view_class(ctx))
        self._layout()
        self._wire()
        self._restore_range()
        if self.views:
            self.show_view(next(iter(self.views)))

    # -- building --

    def _add_view(self, view: View) -> None:
        self.views[view.key] = view
        self.stack.addWidget(view)
        item = QListWidgetItem(view.title)
        item.setToolTip(f"{view.title} ({view.shortcut})")
        item.setData(Qt.ItemDataRole.UserRole, view.key)
        self.sidebar.addItem(item)
        key = view.key
        self._shortcut(view.shortcut, lambda: self.show_view(key))

    def _shortcut(self, keys: str, action: Callable[[], None]) -> None:
        shortcut = QShortcut(QKeySequence(keys), self)
        shortcut.activated.connect(action)

    def _layout(self) -> None:
        self.sidebar.setFixedWidth(170)
        self.sidebar.setStyleSheet("QListWidget { border: none; } QListWidget::item { padding: 7px 12px; }")
        self.range_box.addItems([*PRESET_RANGES, CUSTOM])
        self.range_box.setToolTip("Time range shown by every view")
        header = QHBoxLayout()
        header.addStretch(1)
        header.addWidget(self._export_button())
        header.addWidget(QLabel("Time range"))
        header.addWidget(self.range_box)
        content = QWidget()
        column = QHBoxLayout()
        column.addWidget(self.sidebar)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(header)
        right_layout.addWidget(self.stack, 1)
        column.addWidget(right, 1)
        content.setLayout(column)
        self.setCentralWidget(content)
        self.statusBar().addPermanentWidget(self.engine_status, 1)

    def _wire(self) -> None:
        self.sidebar.currentRowChanged.connect(self._on_sidebar_row)
        self.range_box.activated.connect(self._on_range_chosen)
        self.ctx.data_changed.connect(self._on_data_changed)
        self.ctx.time_range_changed.connect(self._on_range_changed)
        self.ctx.query_failed.connect(self._on_query_failed)
        self.ctx.navigate_requested.connect(self.show_view)
        self.ctx.open_call_requested.connect(lambda call_id: self.open_item("calls", call_id))
        self.ctx.open_trace_requested.connect(lambda trace_id: self.open_item("traces", trace_id))
        self.ctx.open_group_requested.connect(lambda group_id: self.open_item("errors", group_id))
        for keys in ("Ctrl+K", "Ctrl+F"):
            self._shortcut(keys, self.focus_search)
        self._shortcut("F5", self.refresh_current)
        self._shortcut("Ctrl+Q", self.quit_app)
        if self.engine is not None:
            self.engine.status_changed.connect(self._on_engine_status)
            self.engine_status.restart_requested.connect(self.engine.restart)
            self._on_engine_status(self.engine.status)

    # -- views --

    @property
    def current_view(self) -> View | None:
        widget = self.stack.currentWidget()
        return widget if isinstance(widget, View) else None

    def show_view(self, key: str) -> None:
        view = self.views.get(key)
        if view is None:
            return
        row = list(self.views).index(key)
        if self.sidebar.currentRow() != row:
            self.sidebar.setCurrentRow(row)  # comes back through _on_sidebar_row
            return
        if self.stack.currentWidget() is not view:
            self.stack.setCurrentWidget(view)
        if key in self._stale or key not in self._shown:
            self._shown.add(key)
            self._stale.discard(key)
            view.refresh()

    def open_item(self, key: str, item_id: str) -> None:
        self.show_view(key)
        view = self.views.get(key)
        if view is not None:
            view.open_item(item_id)

    def _export_button(self) -> QToolButton:
        """The "Export report…" button; Ctrl+E is the window's action, so it works in every view."""
        self.export_action = QAction("Export report…", self)
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_action.setToolTip("Write a redacted report of the time range (Ctrl+E)")
        self.export_action.triggered.connect(self.export_report)
        self.addAction(self.export_action)
        button = QToolButton()
        button.setDefaultAction(self.export_action)
        return button

    def export_report(self) -> None:
        """Open the export dialog with the time range, and the current view's filters if it has some."""
        from lookout.ui.report_dialog import ReportDialog, view_filters

        dialog = ReportDialog(self.ctx, *view_filters(self.current_view), parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def refresh_current(self) -> None:
        view = self.current_view
        if view is not None:
            view.refresh()

    def focus_search(self) -> None:
        view = self.current_view
        if view is None or not hasattr(view, "focus_search"):
            self.show_view("calls")
            view = self.views.get("calls")
        if view is not None and hasattr(view, "focus_search"):
            view.focus_search()

    def _on_sidebar_row(self, row: int) -> None:
        if 0 <= row < len(self.views):
            self.show_view(list(self.views)[row])

    def _on_data_changed(self) -> None:
        current = self.current_view
        self._stale.update(key for key, view in self.views.items() if view is not current)
        if current is not None:
            current.refresh()

    def _on_range_changed(self) -> None:
        self._on_data_changed()

    # -- time range --

    def _restore_range(self) -> None:
        saved = self.settings.value(RANGE_KEY, self.ctx.time_range.label)
        preset = saved if saved in PRESET_RANGES else "24h"
        self.range_box.setCurrentText(preset)
        self.ctx.set_time_range(TimeRange(preset))

    def _on_range_chosen(self, index: int) -> None:
        text = self.range_box.itemText(index)
        if text in PRESET_RANGES:
            self.settings.setValue(RANGE_KEY, text)
            self.ctx.set_time_range(TimeRange(text))
            return
        chosen = ask_custom_range(self, self.ctx.time_range)
        if chosen is None:
            self.range_box.setCurrentText(self.ctx.time_range.label)
            return
        start, end = chosen.iso_bounds()
        self.range_box.setToolTip(f"Custom: {start} to {end} (UTC)")
        self.ctx.set_time_range(chosen)

    # -- status --

    def _on_engine_status(self, status: EngineStatus) -> None:
        self.engine_status.show_status(status)

    def _on_query_failed(self, key: str, message: str) -> None:
        if key != "data-signature":  # the poller retries quietly until a database exists
            self.statusBar().showMessage(message, QUERY_ERROR_MS)

    # -- closing --

    def ask_keep_running(self) -> bool | None:
        """Ask whether closing keeps the proxy running in the tray; None when cancelled."""
        box = QMessageBox(self)
        box.setWindowTitle("Close Lookout")
        box.setText("Keep the proxy running in the tray?")
        box.setInformativeText(
            "Your apps keep working through the proxy and calls keep being recorded. "
            "Quit from the tray icon to stop. Lookout will remember this choice."
        )
        keep = box.addButton("Keep running in tray", QMessageBox.ButtonRole.AcceptRole)
        quit_button = box.addButton("Quit", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        clicked = box.clickedButton()
        if clicked is keep:
            return True
        if clicked is quit_button:
            return False
        return None

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._quitting or not self.tray_available:
            self._shutdown()
            event.accept()
            return
        remembered = self.settings.value(KEEP_RUNNING_KEY)
        keep = None if remembered is None else str(remembered).lower() == "true"
        if keep is None:
            keep = self.ask_keep_running()
            if keep is None:
                event.ignore()
                return
            self.settings.setValue(KEEP_RUNNING_KEY, keep)
        if keep:
            self.hide()
            event.ignore()
            return
        self._shutdown()
        event.accept()
        QApplication.quit()

    def quit_app(self) -> None:
        """Quit for real (tray menu, Ctrl+Q): stop the engine the app started."""
        self._quitting = True
        self.close()
        QApplication.quit()

    def _shutdown(self) -> None:
        self.poller.stop()
        if self.engine is not None:
            self.engine.stop()


def ask_custom_range(parent: QWidget, current: TimeRange) -> TimeRange | None:
    """A dialog for a custom ``[start, end)`` range; None when cancelled or empty."""
    start, end = current.bounds()
    dialog = QDialog(parent)
    dialog.setWindowTitle("Custom time range")
    start_edit = QDateTimeEdit(QDateTime.fromSecsSinceEpoch(int(start)))
    end_edit = QDateTimeEdit(QDateTime.fromSecsSinceEpoch(int(end)))
    for edit in (start_edit, end_edit):
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd HH:mm")
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    form = QFormLayout(dialog)
    form.addRow("From", start_edit)
    form.addRow("To", end_edit)
    form.addRow(buttons)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    chosen_start = start_edit.dateTime().toSecsSinceEpoch()
    chosen_end = end_edit.dateTime().toSecsSinceEpoch()
    if chosen_end <= chosen_start:
        return None
    return TimeRange(preset=None, start=float(chosen_start), end=float(chosen_end))
