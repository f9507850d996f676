"""The Traces view: grouping, the waterfall, opening calls and traces, and the empty state."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, QPointF, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from lookout.core.clock import iso_utc, now
from lookout.store.db import database_path
from lookout.store.traces import PAGE_SIZE, WaterfallRow
from lookout.ui.context import AppContext
from lookout.ui.views.traces import TracesView
from lookout.ui.views.traces_waterfall import LABEL_AXIS_PX, WaterfallChart
from tests.store.factories import bulk_insert, make_row
from tests.ui.conftest import MakeCtx, SavePng, Settle


def _seed(data_dir: Path) -> None:
    start = now() - 300
    rows = [
        make_row(id="a1", started_at=iso_utc(start), latency_ms=800.0, session_id="s1", trace_id="t1"),
        make_row(
            id="a2",
            started_at=iso_utc(start + 0.3),
            latency_ms=1500.0,
            ttft_ms=400.0,
            streamed=True,
            session_id="s1",
            trace_id="t1",
            outcome="error",
            status_code=500,
        ),
        make_row(id="a3", started_at=iso_utc(start + 2.5), latency_ms=600.0, session_id="s1"),
        make_row(id="b1", started_at=iso_utc(start + 60), latency_ms=300.0, trace_id="t2"),
    ]
    bulk_insert(str(database_path(data_dir)), iter(rows))


def _view(qtbot: QtBot, ctx: AppContext, settle: Settle) -> TracesView:
    view = TracesView(ctx)
    qtbot.addWidget(view)
    view.resize(1280, 720)
    view.show()
    view.refresh()
    settle(ctx)
    return view


def test_demo_traces_render_with_a_waterfall(
    qtbot: QtBot, demo_ctx: AppContext, settle: Settle, save_png: SavePng, qtmodeltester: ModelTester
) -> None:
    view = _view(qtbot, demo_ctx, settle)

    assert view.model.rowCount() > 0
    qtmodeltester.check(view.model)
    assert view.selected is not None  # the newest trace is selected
    assert view.waterfall.rows
    save_png(view, "traces")
    view.set_group_by("session")
    settle(demo_ctx)
    assert view.model.rowCount() > 0
    assert view.selected is not None and view.selected.kind == "session"
    save_png(view, "traces-sessions")


def test_a_session_waterfall_nests_traces_and_highlights_errors(
    qtbot: QtBot, make_ctx: MakeCtx, seeded_data_dir: Path, settle: Settle, save_png: SavePng
) -> None:
    _seed(seeded_data_dir)
    ctx = make_ctx(seeded_data_dir)
    view = _view(qtbot, ctx, settle)

    view.set_group_by("session")
    settle(ctx)

    rows = view.waterfall.rows
    assert [(r.label, r.depth) for r in rows] == [
        ("trace t1", 0),
        ("gpt-4o-mini · chat", 1),
        ("gpt-4o-mini · chat", 1),
        ("gpt-4o-mini · chat", 0),
    ]
    assert [r.failed for r in rows] == [True, False, True, False]
    assert "1 failed" in view.heading.text()
    save_png(view, "traces-session-nested")


def test_clicking_a_bar_opens_the_call(
    qtbot: QtBot, make_ctx: MakeCtx, seeded_data_dir: Path, settle: Settle
) -> None:
    _seed(seeded_data_dir)
    ctx = make_ctx(seeded_data_dir)
    view = _view(qtbot, ctx, settle)
    view.open_item("t1")
    settle(ctx)
    chart = view.waterfall
    second = chart.rows[1]
    view_point = QPointF(second.offset_ms + second.duration_ms / 2, 1.0)
    scene_point = chart.getPlotItem().getViewBox().mapViewToScene(view_point)
    widget_point = chart.mapFromScene(scene_point)

    tip = chart.tip.show_at(view_point)
    assert tip is not None and "first token after 400 ms" in tip.text
    with qtbot.waitSignal(ctx.open_call_requested, timeout=2000) as opened:
        QTest.mouseClick(chart.viewport(), Qt.MouseButton.LeftButton, pos=widget_point)

    assert opened.args == ["a2"]


def test_open_trace_shows_a_trace_outside_the_range(
    qtbot: QtBot, make_ctx: MakeCtx, seeded_data_dir: Path, settle: Settle
) -> None:
    old = [make_row(id="old1", started_at=iso_utc(now() - 40 * 86400), trace_id="t-old")]
    bulk_insert(str(database_path(seeded_data_dir)), iter(old))
    ctx = make_ctx(seeded_data_dir)
    view = _view(qtbot, ctx, settle)
    assert view.pages.currentIndex() == 1  # nothing traced in the last 24 h: the empty state

    view.open_item("t-old")
    settle(ctx)

    assert view.pages.currentIndex() == 0
    assert view.selected is not None and view.selected.id == "t-old"
    assert [r.call["id"] for r in view.waterfall.rows if r.call] == ["old1"]

    view.open_item("no-such-trace")
    settle(ctx)
    assert "No calls with that trace" in view.heading.text()


def test_the_empty_state_links_to_connect(
    qtbot: QtBot, make_ctx: MakeCtx, empty_data_dir: Path, settle: Settle, save_png: SavePng
) -> None:
    ctx = make_ctx(empty_data_dir)
    view = _view(qtbot, ctx, settle)

    assert view.pages.currentWidget() is view.empty
    with qtbot.waitSignal(ctx.navigate_requested) as navigated:
        view.empty.linkActivated.emit("connect")
    assert navigated.args == ["connect"]
    save_png(view, "traces-empty")


def test_the_list_reads_a_page_at_a_time_as_it_is_scrolled(
    qtbot: QtBot, make_ctx: MakeCtx, seeded_data_dir: Path, settle: Settle, qtmodeltester: ModelTester
) -> None:
    start = now() - 3600
    rows = [make_row(id=f"c{i:03}", started_at=iso_utc(start + i), trace_id=f"t{i:03}") for i in range(230)]
    bulk_insert(str(database_path(seeded_data_dir)), iter(rows))
    ctx = make_ctx(seeded_data_dir)
    view = _view(qtbot, ctx, settle)
    assert view.model.rowCount() == PAGE_SIZE
    assert "Newest 200 traces" in view.count.text() and "scroll for more" in view.count.text()

    bar = view.table.verticalScrollBar()
    bar.setValue(bar.maximum())  # the table asks the model for more at the end
    settle(ctx)

    ids = [view.model.row(r).id for r in range(view.model.rowCount())]
    assert ids == [f"t{i:03}" for i in reversed(range(230))]  # newest first, no gap, no repeat
    assert view.count.text() == "230 traces in the last 24h"
    assert view.selected is not None and view.selected.id == "t229"
    qtmodeltester.check(view.model)

    view.refresh()  # new data: read again, as many as are listed, from the top
    settle(ctx)
    assert view.model.rowCount() == 230 and not view.model.canFetchMore(QModelIndex())


def test_a_label_too_long_for_the_axis_is_elided_not_dropped(qtbot: QtBot) -> None:
    """pyqtgraph leaves out a tick label that does not fit: a long model name must still show."""
    chart = WaterfallChart()
    qtbot.addWidget(chart)
    chart.resize(900, 300)
    long_label = "text-embedding-3-small-with-a-very-long-deployment-name · embeddings"
    rows = [
        WaterfallRow(label, 0.0, 100.0, depth=0, failed=False, call=None, trace_id=None)
        for label in ("gpt-4o · chat", long_label)
    ]
    font = chart.font()
    font.setPointSize(14)  # a larger font than the default makes the fit tight on any platform
    chart.getPlotItem().getAxis("left").setStyle(tickFont=font)
    chart.show_rows(rows)
    chart.show()
    qtbot.waitExposed(chart)
    image = chart.grab().toImage()
    axis = chart.getPlotItem().getAxis("left")
    left = int(axis.mapRectToScene(axis.boundingRect()).left())
    background = QColor(image.pixel(left + 2, 2)).lightness()
    for row in range(2):
        y = int(chart.getPlotItem().getViewBox().mapViewToScene(QPointF(0, row)).y())
        inked = [
            (x, y + dy)
            for x in range(left, left + LABEL_AXIS_PX - 20)
            for dy in range(-5, 6)
            if abs(QColor(image.pixel(x, y + dy)).lightness() - background) > 100
        ]
        assert len(inked) > 20, f"row {row} has no label"
