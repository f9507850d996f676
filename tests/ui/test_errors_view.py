"""The Errors view: the group list with sparklines, status actions, the detail, and opening calls."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlite_utils import Database

from lookout.core.clock import iso_utc, now
from lookout.store.db import database_path, open_reader, open_writer
from lookout.store.group_queries import get_group
from lookout.store.groups import GroupHit, record_hits
from lookout.ui.context import AppContext
from lookout.ui.models.groups import SPARK_COLUMN, SPARK_ROLE
from lookout.ui.views.errors import ErrorsView
from tests.store.factories import bulk_insert, make_row
from tests.ui.conftest import MakeCtx, SavePng, Settle


def _hit(group_id: str, at: float, title: str, status_code: int = 429) -> GroupHit:
    return GroupHit(
        group_id=group_id,
        fingerprint=f"fp-{group_id}",
        title=title,
        title_complete=True,
        provider="openai",
        failure=str(status_code),
        status_code=status_code,
        error_type="rate_limit_exceeded",
        error_code=None,
        rule=None,
        at=at,
        upstream="openai",
        model="gpt-4o-mini",
        operation="chat",
    )


def _seed(data_dir: Path, at: float | None = None) -> None:
    at = now() if at is None else at
    db = open_writer(data_dir)
    try:
        hits = [
            _hit("aaaa1111", at - h * 3600 - 60, "Rate limit reached for <EMAIL_ADDRESS>")
            for h in (0, 0, 1, 5)
        ]
        hits += [_hit("bbbb2222", at - 600, "Internal server error", 500)]
        record_hits(db, hits)
    finally:
        db.close()
    calls = [
        make_row(id=f"e{i}", started_at=iso_utc(at - 60 - i), outcome="error", status_code=429,
                 error_group_id="aaaa1111", error_message="Rate limit reached for <EMAIL_ADDRESS>")
        for i in range(3)
    ]  # fmt: skip
    bulk_insert(str(database_path(data_dir)), iter(calls))


def _view(qtbot: QtBot, ctx: AppContext, settle: Settle) -> ErrorsView:
    view = ErrorsView(ctx)
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    view.refresh()
    settle(ctx)
    return view


def _status(data_dir: Path, group_id: str) -> str:
    db: Database = open_reader(data_dir)
    try:
        group = get_group(db, group_id)
        assert group is not None
        return group.status
    finally:
        db.close()


def test_demo_errors_render(
    qtbot: QtBot, demo_ctx: AppContext, settle: Settle, save_png: SavePng, qtmodeltester: ModelTester
) -> None:
    view = _view(qtbot, demo_ctx, settle)

    assert view.model.rowCount() > 0, "the demo traffic includes failures, so groups exist"
    qtmodeltester.check(view.model)
    qtmodeltester.check(view.events)
    assert view.selected is not None
    save_png(view, "errors")


def test_groups_show_sparklines_detail_and_latest_events(
    qtbot: QtBot,
    make_ctx: MakeCtx,
    seeded_data_dir: Path,
    settle: Settle,
    save_png: SavePng,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The sparklines count per clock hour: a real clock in the first minute of an
    # hour would put the newest hits (a minute old) in the previous hour's bucket.
    at = now() // 3600 * 3600 - 1800
    monkeypatch.setattr("lookout.ui.views.errors.now", lambda: at)
    _seed(seeded_data_dir, at)
    ctx = make_ctx(seeded_data_dir)
    view = _view(qtbot, ctx, settle)

    assert [r.group.id for r in view.model.rows] == ["aaaa1111", "bbbb2222"]
    hourly = view.model.index(0, SPARK_COLUMN).data(SPARK_ROLE)
    assert len(hourly) == 24 and sum(hourly) == 4 and hourly[-1] == 2
    assert view.model.index(0, 1).data() == "unresolved · new"
    assert view.selected is not None and view.selected.id == "aaaa1111"
    assert [e.id for e in view.events.rows] == ["e0", "e1", "e2"]
    assert "Rate limit reached for &lt;EMAIL_ADDRESS&gt;" in view.detail_title.text()
    save_png(view, "errors-detail")

    view.set_granularity("day")
    settle(ctx)
    assert view.histogram.getPlotItem().titleLabel.text == "Events per day"


def test_resolve_ignore_and_reopen_write_through_the_store(
    qtbot: QtBot, make_ctx: MakeCtx, seeded_data_dir: Path, settle: Settle
) -> None:
    _seed(seeded_data_dir)
    ctx = make_ctx(seeded_data_dir)
    view = _view(qtbot, ctx, settle)
    view.table.setFocus()

    QTest.keyClick(view, Qt.Key.Key_R)  # resolves the selected group
    assert view.worker.wait()
    settle(ctx)
    assert _status(seeded_data_dir, "aaaa1111") == "resolved"
    assert [r.group.id for r in view.model.rows] == ["bbbb2222"]  # the list shows unresolved only

    view.ignore(until_count=10)
    assert view.worker.wait()
    settle(ctx)
    assert _status(seeded_data_dir, "bbbb2222") == "ignored"

    view.set_status("all")
    settle(ctx)
    assert view.model.rowCount() == 2
    view.open_item("bbbb2222")
    settle(ctx)
    assert view.selected is not None and view.selected.id == "bbbb2222"
    assert "ignored for 10 more" in view.detail_title.text()
    view.reopen()
    assert view.worker.wait()
    settle(ctx)
    assert _status(seeded_data_dir, "bbbb2222") == "unresolved"


def test_an_ignore_for_a_duration_and_opening_an_event(
    qtbot: QtBot, make_ctx: MakeCtx, seeded_data_dir: Path, settle: Settle
) -> None:
    _seed(seeded_data_dir)
    ctx = make_ctx(seeded_data_dir)
    view = _view(qtbot, ctx, settle)

    view.ignore(for_s=3600)
    assert view.worker.wait()
    settle(ctx)
    view.set_status("ignored")
    settle(ctx)
    assert view.model.index(0, 1).data().startswith("ignored until ")

    view.open_item("aaaa1111")
    settle(ctx)
    with qtbot.waitSignal(ctx.open_call_requested) as opened:
        view.events_table.activated.emit(view.events.index(1, 0))
    assert opened.args == ["e1"]


def test_no_groups_shows_the_empty_state(
    qtbot: QtBot, make_ctx: MakeCtx, empty_data_dir: Path, settle: Settle, save_png: SavePng
) -> None:
    ctx = make_ctx(empty_data_dir)
    view = _view(qtbot, ctx, settle)

    assert view.pages.currentWidget() is view.empty
    view.resolve()  # nothing selected: says so, does not crash
    assert view.message.text() == "Select a group first."
    save_png(view, "errors-empty")
