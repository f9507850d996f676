"""Fixtures for the desktop app's tests: offscreen Qt, data dirs, contexts, PNG snapshots.

Qt is told to render offscreen *before* anything imports it, and QSettings goes to
a throw-away config dir, so tests never touch the user's settings or screen.

Fixtures:

* ``demo_data_dir`` (session): a data dir filled once by a short real ``lookout demo``
  run (real proxy, recorder, redaction, fake providers). Timestamps are "now".
  Read it, never write to it.
* ``empty_data_dir``: a migrated database with no calls (empty states).
* ``seeded_data_dir``: a migrated database for tests that insert their own rows
  (``tests.store.factories``: ``make_row``, ``make_payload``, ``bulk_insert``...).
* ``make_ctx``: ``make_ctx(data_dir) -> AppContext``, waited on and torn down after the test.
* ``demo_ctx``: an AppContext over ``demo_data_dir``.
* ``settle``: ``settle(ctx)`` runs queued queries to completion and delivers their results.
* ``save_png``: ``save_png(widget, "calls") -> Path`` renders a widget to a PNG in
  ``ui_png_dir`` (``LOOKOUT_UI_PNG_DIR`` if set, else a session tmp dir).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

# Before any Qt import (pytest-qt's included): no display needed, no user settings touched.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="lookout-ui-config-")

import pytest
from PySide6.QtWidgets import QApplication, QWidget

from lookout.core.config import Config, ProxySettings
from lookout.store.db import open_writer
from lookout.ui.context import AppContext
from lookout.ui.turns import run_pending

DEMO_SECONDS = 5.0
DEMO_RATE = 20.0
DEMO_GRACE_S = 180.0

Settle = Callable[[AppContext], None]
MakeCtx = Callable[[Path], AppContext]
SavePng = Callable[[QWidget, str], Path]


@pytest.fixture(scope="session")
def demo_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir filled by a real demo run (about 100 calls, mixed providers and errors)."""
    from lookout.demo.run import run_demo

    data_dir = tmp_path_factory.mktemp("demo") / "data"
    # The recorder runs at idle priority: on a busy machine it needs time to redact every body
    # before the engine would give up and store the rest as metadata only.
    config = Config(data_dir=data_dir, proxy=ProxySettings(port=0, shutdown_grace_s=DEMO_GRACE_S))
    asyncio.run(run_demo(config, DEMO_SECONDS, DEMO_RATE, on_progress=None))
    return data_dir


@pytest.fixture
def empty_data_dir(tmp_path: Path) -> Path:
    data_dir = tmp_path / "empty"
    open_writer(data_dir).close()
    return data_dir


@pytest.fixture
def seeded_data_dir(tmp_path: Path) -> Path:
    """A migrated, empty database; insert rows with ``tests.store.factories``."""
    data_dir = tmp_path / "seeded"
    open_writer(data_dir).close()
    return data_dir


@pytest.fixture
def settle(qapp: QApplication) -> Settle:
    def run(ctx: AppContext) -> None:
        # A delivered result may start follow-up queries: drain a few rounds.
        for _ in range(8):
            assert ctx.wait_idle(10_000), "queries did not finish"
            qapp.processEvents()
            run_pending()  # charts built a step per event-loop turn
        qapp.processEvents()

    return run


@pytest.fixture
def make_ctx(qapp: QApplication) -> Iterator[MakeCtx]:
    made: list[AppContext] = []

    def make(data_dir: Path) -> AppContext:
        ctx = AppContext(Config(data_dir=data_dir))
        made.append(ctx)
        return ctx

    yield make
    for ctx in made:
        ctx.wait_idle(10_000)
        qapp.processEvents()
        ctx.deleteLater()


@pytest.fixture
def demo_ctx(make_ctx: MakeCtx, demo_data_dir: Path) -> AppContext:
    return make_ctx(demo_data_dir)


@pytest.fixture(scope="session")
def ui_png_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    configured = os.environ.get("LOOKOUT_UI_PNG_DIR")
    if configured:
        path = Path(configured)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("ui-png")


@pytest.fixture
def save_png(ui_png_dir: Path, qapp: QApplication) -> SavePng:
    def save(widget: QWidget, name: str) -> Path:
        if widget.width() < 200:
            widget.resize(1280, 800)
        qapp.processEvents()
        path = ui_png_dir / f"{name}.png"
        assert widget.grab().save(str(path)), f"could not write {path}"
        return path

    return save
