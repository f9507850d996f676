"""The Overview view against a real demo run, a hand-built database, and an empty one."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from lookout.core.clock import iso_utc
from lookout.store.db import open_reader, open_writer
from lookout.store.writer import CallWriter
from lookout.ui.context import AppContext, TimeRange
from lookout.ui.views.overview import OverviewView, kpi_text, overview_data
from lookout.ui.views.view_helpers import Requests, Superseded
from tests.store.factories import NOW, make_row
from tests.ui.conftest import MakeCtx, SavePng, Settle


def _view(qtbot: QtBot, ctx: AppContext) -> OverviewView:
    view = OverviewView(ctx)
    qtbot.addWidget(view)
    view.resize(1280, 860)
    return view


def test_demo_data_fills_cards_charts_and_lists(
    qtbot: QtBot, demo_ctx: AppContext, settle: Settle, save_png: SavePng
) -> None:
    view = _view(qtbot, demo_ctx)
    view.refresh()
    settle(demo_ctx)
    assert view.stack.currentIndex() == 0
    calls = int(view.cards["calls"].value.text().replace(",", ""))
    assert calls > 20
    assert view.cards["latency_p50_ms"].value.text().endswith(("ms", " s"))
    assert view.calls_chart is not None and view.errors_chart is not None
    assert view.groups.count() >= 1
    png = save_png(view, "overview")
    assert png.stat().st_size > 10_000


def test_kpis_and_change_from_hand_built_rows(
    qtbot: QtBot, seeded_data_dir: Path, make_ctx: MakeCtx, settle: Settle
) -> None:
    writer = CallWriter(open_writer(seeded_data_dir))
    # Previous hour: 2 calls; this hour: 4 calls, one failed.
    rows = [
        make_row(id="p1", started_at=iso_utc(NOW - 5400)),
        make_row(id="p2", started_at=iso_utc(NOW - 5000)),
        make_row(id="c1", started_at=iso_utc(NOW - 3000), latency_ms=100.0),
        make_row(id="c2", started_at=iso_utc(NOW - 2000), latency_ms=300.0),
        make_row(id="c3", started_at=iso_utc(NOW - 1000), latency_ms=200.0),
        make_row(id="c4", started_at=iso_utc(NOW - 500), outcome="error", status_code=500, cost_usd=None),
    ]
    writer.write_calls(rows)
    writer.db.close()
    ctx = make_ctx(seeded_data_dir)
    ctx.set_time_range(TimeRange(preset=None, start=NOW - 3600, end=NOW))
    view = _view(qtbot, ctx)
    view.refresh()
    settle(ctx)
    assert view.cards["calls"].value.text() == "4"
    assert view.cards["calls"].change.text() == "▲ 100% vs previous custom"
    assert view.cards["error_rate"].value.text() == "25.0%"
    assert view.cards["latency_p50_ms"].value.text() == "200 ms"
    assert view.groups.item(0).text().startswith("No unresolved")


def test_empty_database_shows_connect_link(
    qtbot: QtBot, empty_data_dir: Path, make_ctx: MakeCtx, settle: Settle, save_png: SavePng
) -> None:
    ctx = make_ctx(empty_data_dir)
    view = _view(qtbot, ctx)
    view.refresh()
    settle(ctx)
    assert view.stack.currentWidget() is view.empty
    assert "No calls yet — connect your app" in view.empty.text()
    with qtbot.waitSignal(ctx.navigate_requested) as signal:
        view.empty.linkActivated.emit("connect")
    assert signal.args == ["connect"]
    save_png(view, "overview-empty")


def test_spend_is_never_zero_when_unknown() -> None:
    assert kpi_text(None, "cost_usd", "$", unpriced=3) == "unpriced"
    assert kpi_text(None, "latency_p50_ms", "ms", unpriced=0) == "–"
    assert kpi_text(0.0123, "cost_usd", "$", unpriced=0) == "$0.01"


def test_overview_data_reads_in_one_call(seeded_data_dir: Path) -> None:
    writer = CallWriter(open_writer(seeded_data_dir))
    writer.write_calls([make_row(id="x", started_at=iso_utc(NOW - 60))])
    writer.db.close()
    db = open_reader(seeded_data_dir)
    data = overview_data(db, NOW - 900, NOW)
    db.close()
    assert data.any_calls and data.kpis.current.calls == 1 and data.kpis.previous.calls == 0
    assert data.rates.calls_per_min.sum() == 1.0  # 1 call in a one-minute bucket


def test_a_read_superseded_by_a_newer_request_stops(seeded_data_dir: Path) -> None:
    requests = Requests()
    first = requests.next()
    assert not first()
    second = requests.next()  # e.g. F5 straight after switching to the view
    db = open_reader(seeded_data_dir)

    with pytest.raises(Superseded):
        overview_data(db, NOW - 900, NOW, stale=first)
    data = overview_data(db, NOW - 900, NOW, stale=second)

    db.close()
    assert first() and not second()
    assert data.kpis.current.calls == 0
