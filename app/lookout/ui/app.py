"""``lookout`` with no command: the desktop app.

Sets up the QApplication (name, theme following the OS), attaches to or starts
the engine, opens the main window and, where the platform has one, the tray
icon. Ctrl-C in the terminal quits like the tray's Quit: an engine the app
started is asked to stop, and flushes every record on its own.
"""

from __future__ import annotations

import argparse
import signal
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from lookout.core.config import Config
from lookout.core.memory import freeze_long_lived_objects
from lookout.ui import theme
from lookout.ui.context import AppContext
from lookout.ui.engine import EngineMonitor
from lookout.ui.tray import Tray
from lookout.ui.window import MainWindow

# Python runs signal handlers only between bytecodes; Qt's event loop is C++.
SIGNAL_WAKE_MS = 250


def application() -> QApplication:
    """The QApplication, created once with the names QSettings files are kept under."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setOrganizationName("Lookout")
    app.setApplicationName("Lookout")
    app.setApplicationDisplayName("Lookout")
    theme.apply_theme(app)
    return app


def run_app(args: argparse.Namespace, config: Config) -> int:
    """Open the app; returns when it quits."""
    app = application()
    ctx = AppContext(config, args.config)
    engine = EngineMonitor(config, config_file=args.config)
    tray_available = QSystemTrayIcon.isSystemTrayAvailable()
    # With a tray, closing the window may keep the app (and the proxy) running.
    app.setQuitOnLastWindowClosed(not tray_available)
    window = MainWindow(ctx, engine, tray_available=tray_available)
    if tray_available:
        Tray(ctx, engine, open_window=lambda: _raise(window), quit_app=window.quit_app, parent=window)
    engine.start()
    window.poller.start()
    window.show()
    freeze_long_lived_objects()
    signal.signal(signal.SIGINT, lambda _sig, _frame: window.quit_app())
    wake = QTimer()
    wake.timeout.connect(lambda: None)
    wake.start(SIGNAL_WAKE_MS)
    code = app.exec()
    ctx.wait_idle(2000)
    return code


def _raise(window: MainWindow) -> None:
    window.show()
    window.raise_()
    window.activateWindow()
