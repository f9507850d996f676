"""The tray icon: the engine's status colour, a small menu, and alert notifications.

The menu opens the window, pauses or resumes capture (the proxy keeps
forwarding; only recording stops) and quits. Critical and medium alerts that
the recorder marked for notification (``notified_at``) since the app started
pop up as tray messages, each once.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QMenu, QSystemTrayIcon
from sqlite_utils import Database

from lookout.core.clock import iso_utc, now
from lookout.core.models import Alert
from lookout.store.alerts import list_alerts
from lookout.ui import theme
from lookout.ui.context import AppContext
from lookout.ui.engine import EngineMonitor, EngineStatus
from lookout.ui.statusbar import status_color

NOTIFY_SEVERITIES = ("critical", "medium")
MESSAGE_MS = 10_000


def status_icon(color: str, size: int = 64) -> QIcon:
    """A filled circle in ``color``: the tray icon for one engine state."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(color))
    painter.setPen(QColor(theme.palette().foreground))
    painter.drawEllipse(4, 4, size - 8, size - 8)
    painter.end()
    return QIcon(pixmap)


def alerts_to_notify(db: Database, since_iso: str) -> list[Alert]:
    """Critical and medium alerts handed to notification since ``since_iso``, oldest first."""
    alerts = list_alerts(db, since_iso=since_iso)
    due = [
        alert
        for alert in alerts
        if alert.severity in NOTIFY_SEVERITIES
        and alert.notified_at is not None
        and alert.notified_at >= since_iso
    ]
    return sorted(due, key=lambda alert: alert.id or 0)


class Tray(QObject):
    """Owns the QSystemTrayIcon; create it only when ``QSystemTrayIcon.isSystemTrayAvailable()``."""

    def __init__(
        self,
        ctx: AppContext,
        engine: EngineMonitor,
        *,
        open_window: Callable[[], None],
        quit_app: Callable[[], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._engine = engine
        self._since = iso_utc(now())  # alerts from before the app started were seen elsewhere
        self._shown: set[int] = set()
        self.icon = QSystemTrayIcon(self)
        self.menu = QMenu()
        self.open_action = QAction("Open Lookout", self.menu)
        self.open_action.triggered.connect(open_window)
        self.pause_action = QAction("Pause capture", self.menu)
        self.pause_action.setCheckable(True)
        self.pause_action.toggled.connect(self._engine.set_paused)
        self.quit_action = QAction("Quit Lookout", self.menu)
        self.quit_action.triggered.connect(quit_app)
        self.menu.addAction(self.open_action)
        self.menu.addAction(self.pause_action)
        self.menu.addSeparator()
        self.menu.addAction(self.quit_action)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(lambda reason: self._on_activated(reason, open_window))
        engine.status_changed.connect(self.show_status)
        ctx.data_changed.connect(self.check_alerts)
        self.show_status(engine.status)
        self.icon.show()

    def show_status(self, status: EngineStatus) -> None:
        self.icon.setIcon(status_icon(status_color(status, theme.palette())))
        self.icon.setToolTip(f"Lookout: {status.message}")
        self.pause_action.setEnabled(status.state == "running")
        self.pause_action.blockSignals(True)  # reflecting the engine is not a request to it
        self.pause_action.setChecked(status.paused)
        self.pause_action.blockSignals(False)

    def check_alerts(self) -> None:
        since = self._since
        self._ctx.run("tray-alerts", lambda db: alerts_to_notify(db, since), self._notify)

    def _notify(self, alerts: list[Alert]) -> None:
        for alert in alerts:
            if alert.id is None or alert.id in self._shown:
                continue
            self._shown.add(alert.id)
            icon = (
                QSystemTrayIcon.MessageIcon.Critical
                if alert.severity == "critical"
                else QSystemTrayIcon.MessageIcon.Warning
            )
            self.icon.showMessage(f"Lookout: {alert.severity} alert", alert.message, icon, MESSAGE_MS)

    @property
    def shown_alert_ids(self) -> set[int]:
        return set(self._shown)

    def _on_activated(
        self, reason: QSystemTrayIcon.ActivationReason, open_window: Callable[[], None]
    ) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            open_window()
