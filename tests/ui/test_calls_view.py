"""The Calls view: filters, search, empty states, live rows that don't move what is being read."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from lookout.core.clock import iso_utc, now
from lookout.store.db import open_writer
from lookout.store.writer import CallWriter
from lookout.ui.context import AppContext, TimeRange
from lookout.ui.views.calls import ROW_HEIGHT, CallsView
from tests.store.factories import make_payload, make_row
from tests.ui.conftest import MakeCtx, SavePng, Settle


def write(data_dir: Path, rows: list[object], payloads: list[object] = ()) -> None:  # type: ignore[assignment]
    db = open_writer(data_dir)
    CallWriter(db).write_calls(rows, payloads)  # type: ignore[arg-type]
    db.close()


def shown_view(qtbot: QtBot, ctx: AppContext, settle: Settle) -> CallsView:
    view = CallsView(ctx)
    qtbot.addWidget(view)
    view.resize(1400, 800)
    view.show()
    view.refresh()
    settle(ctx)
    return view


def ids(view: CallsView) -> list[str]:
    return [view.model.call_at(i).id for i in range(view.model.rowCount())]


def test_demo_calls_render_with_the_inspector(
    qtbot: QtBot, demo_ctx: AppContext, settle: Settle, save_png: SavePng
) -> None:
    view = shown_view(qtbot, demo_ctx, settle)
    assert view.model.rowCount() > 20
    assert view._stack.currentWidget() is view.table
    upstreams = {view.upstream.itemText(i) for i in range(view.upstream.count())}
    assert {"openai", "anthropic", "gemini"} <= upstreams
    streamed = next(i for i in range(view.model.rowCount()) if view.model.call_at(i).streamed)
    view.table.selectRow(streamed)
    settle(demo_ctx)
    assert view.inspector.detail is not None and view.inspector.detail.call["streamed"]
    assert view.inspector.detail.chunk_times, "streamed calls store their chunk times"
    save_png(view, "calls")


def test_filters_and_search_narrow_the_table(
    qtbot: QtBot, make_ctx: MakeCtx, settle: Settle, seeded_data_dir: Path
) -> None:
    t = now()
    rows = [
        make_row(id="a", started_at=iso_utc(t - 30)),
        make_row(id="b", started_at=iso_utc(t - 20), upstream="anthropic", model="claude-haiku-4-5"),
        make_row(id="c", started_at=iso_utc(t - 10), status_code=429, outcome="error"),
    ]
    payloads = [  # stored with their calls: search looks at payloads by when they were stored
        make_payload("a", created_at=rows[0].started_at),
        make_payload("b", created_at=rows[1].started_at, request_body='{"content": "weekly invoice"}'),
        make_payload("c", created_at=rows[2].started_at, request_body='{"content": "translate this"}'),
    ]
    write(seeded_data_dir, rows, payloads)
    ctx = make_ctx(seeded_data_dir)
    view = shown_view(qtbot, ctx, settle)
    assert ids(view) == ["c", "b", "a"]
    view.upstream.setCurrentIndex(view.upstream.findText("anthropic"))
    settle(ctx)
    assert ids(view) == ["b"]
    view.upstream.setCurrentIndex(0)
    view.status.setCurrentText("4xx")
    settle(ctx)
    assert ids(view) == ["c"]
    view.status.setCurrentText("")
    qtbot.keyClicks(view.search, "invoice")
    qtbot.waitUntil(lambda: view.model.filter.search == "invoice", timeout=2000)
    settle(ctx)
    assert ids(view) == ["b"]
    view.search.clear()
    qtbot.keyClicks(view.search, "no such words")
    view.apply_filters()  # Enter: no need to wait for the typing pause
    settle(ctx)
    assert view.model.rowCount() == 0
    assert view._stack.currentWidget() is view.empty
    assert "No calls match these filters" in view.empty.text()


def test_a_bad_status_filter_is_explained_not_run(
    qtbot: QtBot, make_ctx: MakeCtx, settle: Settle, seeded_data_dir: Path
) -> None:
    write(seeded_data_dir, [make_row(started_at=iso_utc(now() - 5))])
    ctx = make_ctx(seeded_data_dir)
    view = shown_view(qtbot, ctx, settle)
    view.status.setCurrentText("teapot")
    settle(ctx)
    assert "invalid status filter" in view.summary.text()
    assert view.model.rowCount() == 1  # the last good filter stays


def test_empty_database_links_to_connect(
    qtbot: QtBot, make_ctx: MakeCtx, settle: Settle, empty_data_dir: Path, save_png: SavePng
) -> None:
    ctx = make_ctx(empty_data_dir)
    view = shown_view(qtbot, ctx, settle)
    assert view._stack.currentWidget() is view.empty
    assert "connect your app" in view.empty.text()
    with qtbot.waitSignal(ctx.navigate_requested) as signal:
        view.empty.linkActivated.emit("connect")
    assert signal.args == ["connect"]
    save_png(view, "calls-empty")


def test_new_rows_arrive_without_moving_the_rows_being_read(
    qtbot: QtBot, make_ctx: MakeCtx, settle: Settle, seeded_data_dir: Path
) -> None:
    t = now()
    write(seeded_data_dir, [make_row(id=f"r{i:03d}", started_at=iso_utc(t - 300 + i)) for i in range(150)])
    ctx = make_ctx(seeded_data_dir)
    view = shown_view(qtbot, ctx, settle)
    bar = view.table.verticalScrollBar()
    bar.setValue(40 * ROW_HEIGHT)
    top_before = view.table.rowAt(0)
    reading = view.model.call_at(top_before).id
    write(seeded_data_dir, [make_row(id=f"new{i}", started_at=iso_utc(t - 5 + i)) for i in range(3)])
    view.refresh()
    settle(ctx)
    assert ids(view)[:3] == ["new2", "new1", "new0"]
    assert view.model.call_at(view.table.rowAt(0)).id == reading
    bar.setValue(0)  # at the top, the table follows the newest calls
    write(seeded_data_dir, [make_row(id="newest", started_at=iso_utc(t))])
    view.refresh()
    settle(ctx)
    assert view.model.call_at(view.table.rowAt(0)).id == "newest"


def test_a_new_time_range_starts_over(
    qtbot: QtBot, make_ctx: MakeCtx, settle: Settle, seeded_data_dir: Path
) -> None:
    t = now()
    write(
        seeded_data_dir,
        [
            make_row(id="recent", started_at=iso_utc(t - 60)),
            make_row(id="old", started_at=iso_utc(t - 3 * 3600)),
        ],
    )
    ctx = make_ctx(seeded_data_dir)
    ctx.set_time_range(TimeRange("15m"))
    view = shown_view(qtbot, ctx, settle)
    assert ids(view) == ["recent"]
    ctx.set_time_range(TimeRange("24h"))
    view.refresh()
    settle(ctx)
    assert ids(view) == ["recent", "old"]


def test_open_item_selects_the_call_and_shows_it(
    qtbot: QtBot, make_ctx: MakeCtx, settle: Settle, seeded_data_dir: Path
) -> None:
    t = now()
    write(
        seeded_data_dir,
        [make_row(id="x", started_at=iso_utc(t - 9)), make_row(id="y", started_at=iso_utc(t - 8))],
    )
    ctx = make_ctx(seeded_data_dir)
    view = shown_view(qtbot, ctx, settle)
    view.open_item("x")
    settle(ctx)
    assert view.table.currentIndex().row() == view.model.row_of("x")
    assert view.inspector.detail is not None and view.inspector.detail.call["id"] == "x"
    view.focus_search()
    assert view.search.hasFocus() or view.search.focusPolicy() != Qt.FocusPolicy.NoFocus
