"""The main window: views and shortcuts, refresh policy, navigation, engine status, tray, closing."""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path
from typing import ClassVar

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from lookout.core.clock import iso_utc, now
from lookout.core.config import Config
from lookout.store.db import open_writer
from lookout.store.writer import CallWriter
from lookout.ui import theme
from lookout.ui.context import AppContext
from lookout.ui.engine import EngineMonitor, EngineStatus
from lookout.ui.poller import DataPoller
from lookout.ui.tray import Tray, alerts_to_notify
from lookout.ui.views.base import View
from lookout.ui.views.calls import CallsView
from lookout.ui.views.registry import VIEWS, view_classes
from lookout.ui.window import KEEP_RUNNING_KEY, MainWindow
from tests.store.factories import make_row
from tests.ui.conftest import MakeCtx, SavePng, Settle


class CountingView(View):
    key: ClassVar[str] = "overview"
    title: ClassVar[str] = "Overview"
    shortcut: ClassVar[str] = "Ctrl+1"

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.refreshes = 0
        self.opened: list[str] = []

    def refresh(self) -> None:
        self.refreshes += 1

    def open_item(self, item_id: str) -> None:
        self.opened.append(item_id)


class ErrorsStandIn(CountingView):
    key: ClassVar[str] = "errors"
    title: ClassVar[str] = "Errors"
    shortcut: ClassVar[str] = "Ctrl+3"


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def make_window(qtbot: QtBot, ctx: AppContext, settings: QSettings, **kwargs: object) -> MainWindow:
    window = MainWindow(ctx, settings=settings, **kwargs)  # type: ignore[arg-type]
    qtbot.addWidget(window)
    window.show()
    return window


def write(data_dir: Path, *rows: object) -> None:
    db = open_writer(data_dir)
    CallWriter(db).write_calls(list(rows))  # type: ignore[arg-type]
    db.close()


def test_every_registered_view_is_in_the_sidebar_with_its_shortcut(
    qtbot: QtBot, demo_ctx: AppContext, settle: Settle, settings: QSettings, save_png: SavePng
) -> None:
    window = make_window(qtbot, demo_ctx, settings)
    classes = view_classes()
    assert list(window.views) == [c.key for c in classes]
    assert [window.sidebar.item(i).text() for i in range(window.sidebar.count())] == [
        c.title for c in classes
    ]
    assert len({c.shortcut for c in classes}) == len(classes)
    assert len(classes) <= len(VIEWS)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.current_view is window.views["calls"]
    settle(demo_ctx)
    calls = window.views["calls"]
    assert isinstance(calls, CallsView) and calls.model.rowCount() > 0
    calls.table.selectRow(0)
    settle(demo_ctx)
    save_png(window, "window-calls")


def test_only_the_visible_view_refreshes_and_hidden_ones_catch_up_when_shown(
    qtbot: QtBot, make_ctx: MakeCtx, empty_data_dir: Path, settings: QSettings
) -> None:
    ctx = make_ctx(empty_data_dir)
    window = make_window(qtbot, ctx, settings, views=[CountingView, ErrorsStandIn])
    overview, errors = window.views["overview"], window.views["errors"]
    assert isinstance(overview, CountingView) and isinstance(errors, CountingView)
    assert (overview.refreshes, errors.refreshes) == (1, 0)  # shown first: loads once
    for _ in range(3):
        ctx.data_changed.emit()
    assert (overview.refreshes, errors.refreshes) == (4, 0)
    window.show_view("errors")
    assert errors.refreshes == 1
    window.show_view("errors")
    assert errors.refreshes == 1  # nothing new: no reload
    window.refresh_current()  # F5
    assert errors.refreshes == 2
    window.range_box.setCurrentText("1h")
    window.range_box.activated.emit(window.range_box.currentIndex())
    assert ctx.time_range.preset == "1h" and errors.refreshes == 3 and overview.refreshes == 4
    assert settings.value("window/time_range") == "1h"


def test_navigation_signals_open_the_item_in_its_view(
    qtbot: QtBot, make_ctx: MakeCtx, seeded_data_dir: Path, settle: Settle, settings: QSettings
) -> None:
    write(seeded_data_dir, make_row(id="abc", started_at=iso_utc(now() - 5), error_group_id="g1"))
    ctx = make_ctx(seeded_data_dir)
    window = make_window(qtbot, ctx, settings, views=[CountingView, CallsView, ErrorsStandIn])
    ctx.open_call_requested.emit("abc")
    settle(ctx)
    calls = window.views["calls"]
    assert window.current_view is calls and isinstance(calls, CallsView)
    assert calls.inspector.detail is not None and calls.inspector.detail.call["id"] == "abc"
    calls.inspector.group.linkActivated.emit("g1")  # the inspector's error-group link
    errors = window.views["errors"]
    assert window.current_view is errors and isinstance(errors, CountingView) and errors.opened == ["g1"]
    ctx.navigate_requested.emit("overview")
    assert window.current_view is window.views["overview"]
    window.focus_search()  # Ctrl+K from a view without search goes to the calls search
    assert window.current_view is calls


def test_the_poller_coalesces_bursts_to_at_most_four_refreshes_a_second(
    qtbot: QtBot, make_ctx: MakeCtx, seeded_data_dir: Path
) -> None:
    ctx = make_ctx(seeded_data_dir)
    poller = DataPoller(ctx, interval_ms=20, min_gap_ms=250)
    emitted: list[float] = []
    ctx.data_changed.connect(lambda: emitted.append(now()))
    poller.start()
    qtbot.wait(100)  # baseline taken
    t, i = now(), 0
    while now() - t < 1.0:  # a write every ~20 ms for a second
        write(seeded_data_dir, make_row(id=f"burst{i}", started_at=iso_utc(t + i)))
        i += 1
        qtbot.wait(20)
    qtbot.wait(300)
    poller.stop()
    assert i > 10
    assert 3 <= len(emitted) <= 6  # 4 Hz over the second, plus the change that arrived last
    gaps = [b - a for a, b in itertools.pairwise(emitted)]
    assert all(gap >= 0.24 for gap in gaps), gaps


def test_engine_status_shows_in_the_status_bar_with_restart_when_dead(
    qtbot: QtBot,
    make_ctx: MakeCtx,
    empty_data_dir: Path,
    settings: QSettings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ctx = make_ctx(empty_data_dir)
    engine = EngineMonitor(Config(data_dir=empty_data_dir))
    restarts: list[bool] = []
    monkeypatch.setattr(engine, "restart", lambda: restarts.append(True))
    window = make_window(qtbot, ctx, settings, engine=engine, views=[CountingView])
    engine.status_changed.emit(
        EngineStatus("running", engine.url, message="Proxy on 127.0.0.1:8787 · backlog 0")
    )
    assert window.engine_status.text.text().startswith("Proxy on") and window.engine_status.restart.isHidden()
    engine.status_changed.emit(EngineStatus("dead", engine.url, message="The engine stopped (exit code 1)"))
    assert "stopped" in window.engine_status.text.text()
    assert not window.engine_status.restart.isHidden()
    window.engine_status.restart.click()
    assert restarts == [True]


def test_closing_asks_once_and_remembers(
    qtbot: QtBot,
    make_ctx: MakeCtx,
    empty_data_dir: Path,
    settings: QSettings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ctx = make_ctx(empty_data_dir)
    window = make_window(qtbot, ctx, settings, tray_available=True, views=[CountingView])
    asked: list[bool] = []

    def keep_in_tray() -> bool:
        asked.append(True)
        return True

    monkeypatch.setattr(window, "ask_keep_running", keep_in_tray)
    window.close()
    assert not window.isVisible() and asked == [True]
    assert str(settings.value(KEEP_RUNNING_KEY)).lower() == "true"
    window.show()
    window.close()
    assert asked == [True]  # remembered: not asked again
    cancelled = make_window(
        qtbot,
        ctx,
        QSettings(str(empty_data_dir / "other.ini"), QSettings.Format.IniFormat),
        tray_available=True,
        views=[CountingView],
    )
    monkeypatch.setattr(cancelled, "ask_keep_running", lambda: None)
    cancelled.close()
    assert cancelled.isVisible()  # Cancel keeps the window open


def test_without_a_tray_closing_quits_and_stops_the_engine(
    qtbot: QtBot,
    make_ctx: MakeCtx,
    empty_data_dir: Path,
    settings: QSettings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ctx = make_ctx(empty_data_dir)
    engine = EngineMonitor(Config(data_dir=empty_data_dir))
    stopped: list[bool] = []
    monkeypatch.setattr(engine, "stop", lambda: stopped.append(True))
    window = make_window(qtbot, ctx, settings, engine=engine, tray_available=False, views=[CountingView])
    window.close()
    assert stopped == [True] and settings.value(KEEP_RUNNING_KEY) is None


def test_tray_notifies_each_critical_and_medium_alert_once(
    qtbot: QtBot, make_ctx: MakeCtx, seeded_data_dir: Path, settle: Settle, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = make_ctx(seeded_data_dir)
    engine = EngineMonitor(Config(data_dir=seeded_data_dir))
    tray = Tray(ctx, engine, open_window=lambda: None, quit_app=lambda: None)
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(tray.icon, "showMessage", lambda title, text, *_: shown.append((title, text)))
    later = iso_utc(now() + 60)
    db = open_writer(seeded_data_dir)
    for severity, notified in (("critical", later), ("medium", later), ("low", later), ("critical", None)):
        db.table("alerts").insert(
            {
                "rule": "error_rate",
                "subject": "model:gpt-4o-mini",
                "severity": severity,
                "status": "open",
                "opened_at": later,
                "message": f"{severity} error rate 12%",
                "notified_at": notified,
                "last_triggered_at": later,
            }
        )
    db.close()
    tray.check_alerts()
    settle(ctx)
    tray.check_alerts()
    settle(ctx)
    assert shown == [
        ("Lookout: critical alert", "critical error rate 12%"),
        ("Lookout: medium alert", "medium error rate 12%"),
    ]


def test_tray_pause_action_follows_and_drives_the_engine(
    qtbot: QtBot, make_ctx: MakeCtx, empty_data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = make_ctx(empty_data_dir)
    engine = EngineMonitor(Config(data_dir=empty_data_dir))
    requests: list[bool] = []
    monkeypatch.setattr(engine, "set_paused", requests.append)
    tray = Tray(ctx, engine, open_window=lambda: None, quit_app=lambda: None)
    assert not tray.pause_action.isEnabled()  # no engine yet
    engine.status_changed.emit(EngineStatus("running", engine.url, message="ok"))
    engine.status_changed.emit(EngineStatus("running", engine.url, paused=True, message="ok"))
    assert tray.pause_action.isChecked() and requests == []  # reflecting is not requesting
    tray.pause_action.trigger()
    assert requests == [False]


def test_alerts_to_notify_skips_alerts_notified_before_the_app_started(seeded_data_dir: Path) -> None:
    from lookout.store.db import open_reader

    db = open_writer(seeded_data_dir)
    db.table("alerts").insert(
        {
            "rule": "r",
            "subject": "s",
            "severity": "critical",
            "status": "open",
            "opened_at": "2026-01-01T00:00:00.000Z",
            "message": "old",
            "notified_at": "2026-01-01T00:00:00.000Z",
            "last_triggered_at": "2026-01-01T00:00:00.000Z",
        }
    )
    db.close()
    assert alerts_to_notify(open_reader(seeded_data_dir), "2026-06-01T00:00:00.000Z") == []


def test_the_calls_view_in_the_dark_theme(
    qtbot: QtBot, demo_ctx: AppContext, settle: Settle, save_png: SavePng, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOOKOUT_THEME", "dark")
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    changes: list[theme.Palette] = []
    theme.watcher().changed.connect(changes.append)
    try:
        assert theme.apply_theme(app).scheme == "dark"
        assert changes and changes[-1].background == theme.DARK.background
        view = CallsView(demo_ctx)
        qtbot.addWidget(view)
        view.resize(1400, 800)
        view.show()
        view.refresh()
        settle(demo_ctx)
        view.table.selectRow(1)
        settle(demo_ctx)
        save_png(view, "calls-dark")
    finally:
        monkeypatch.setenv("LOOKOUT_THEME", "light")
        theme.apply_theme(app)
    assert theme.palette().scheme == "light" and os.environ["LOOKOUT_THEME"] == "light"
    assert json.dumps(theme.LIGHT.series)  # plain strings, usable by pyqtgraph and Qt alike
