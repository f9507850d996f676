"""The Cost view: demo data, and hand-built rows where spend, unpriced calls and the projection are known."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from lookout.core.clock import iso_utc
from lookout.core.models import CallRow
from lookout.store.db import open_writer
from lookout.store.writer import CallWriter
from lookout.ui.context import AppContext, TimeRange
from lookout.ui.views.cost import CostView
from tests.store.factories import NOW, make_row
from tests.ui.conftest import MakeCtx, SavePng, Settle

DAY = 86_400.0


def _view(qtbot: QtBot, ctx: AppContext) -> CostView:
    def fail(key: str, message: str) -> None:
        raise AssertionError(f"query {key} failed: {message}")

    ctx.query_failed.connect(fail)
    view = CostView(ctx)
    qtbot.addWidget(view)
    view.resize(1280, 1100)
    view.show()  # data is shown while the view is visible
    return view


def test_demo_data(qtbot: QtBot, demo_ctx: AppContext, settle: Settle, save_png: SavePng) -> None:
    view = _view(qtbot, demo_ctx)
    view.refresh()
    settle(demo_ctx)
    assert view.stack.currentIndex() == 0
    assert view.usage.rowCount() >= 3
    assert view.spend_card.value.text().startswith("$")
    # The demo's local Ollama model has no price: listed, never $0.
    assert view.unpriced.rowCount() >= 1
    assert {view.unpriced.item(r, 6).text() for r in range(view.unpriced.rowCount())} == {"unpriced"}
    save_png(view, "cost")


def test_known_spend_unpriced_and_projection(
    qtbot: QtBot, seeded_data_dir: Path, make_ctx: MakeCtx, settle: Settle, save_png: SavePng
) -> None:
    # NOW is 2026-11-28T00:00Z: one priced $1 call per day for the 7 days before, and two unpriced calls.
    rows = [
        make_row(id=f"d{i}", started_at=iso_utc(NOW - (i + 0.5) * DAY), cost_usd=1.0, model="gpt-4o-mini")
        for i in range(7)
    ]
    rows += [
        make_row(id="u1", started_at=iso_utc(NOW - 3600), upstream="ollama", model="llama3.2", cost_usd=None),
        make_row(id="u2", started_at=iso_utc(NOW - 1800), upstream="ollama", model="llama3.2", cost_usd=None),
    ]
    writer = CallWriter(open_writer(seeded_data_dir))
    writer.write_calls(rows)
    writer.db.close()
    ctx = make_ctx(seeded_data_dir)
    ctx.set_time_range(TimeRange(preset=None, start=NOW - 7 * DAY, end=NOW))
    view = _view(qtbot, ctx)
    view.refresh()
    settle(ctx)
    assert view.spend_card.value.text() == "$7.00"
    assert view.unpriced_card.value.text() == "2"
    assert view.unpriced_title.text() == "Unpriced calls: 2"
    assert view.unpriced.item(0, 2).text() == "llama3.2"
    usage = {view.usage.item(r, 0).text(): view.usage.item(r, 6).text() for r in range(view.usage.rowCount())}
    assert usage == {"gpt-4o-mini": "$7.00", "llama3.2": "unpriced"}
    assert view.spend is not None
    save_png(view, "cost-known")


def test_empty_period_shows_empty_state(
    qtbot: QtBot, empty_data_dir: Path, make_ctx: MakeCtx, settle: Settle
) -> None:
    ctx = make_ctx(empty_data_dir)
    view = _view(qtbot, ctx)
    view.refresh()
    settle(ctx)
    assert view.stack.currentWidget() is view.empty


def test_refresh_updates_bars_in_place_and_waits_while_hidden(
    qtbot: QtBot, seeded_data_dir: Path, make_ctx: MakeCtx, settle: Settle
) -> None:
    def write(rows: list[CallRow]) -> None:
        writer = CallWriter(open_writer(seeded_data_dir))
        writer.write_calls(rows)
        writer.db.close()

    write([make_row(id=f"a{i}", started_at=iso_utc(NOW - (i + 0.5) * DAY), cost_usd=1.0) for i in range(3)])
    ctx = make_ctx(seeded_data_dir)
    ctx.set_time_range(TimeRange(preset=None, start=NOW - 7 * DAY, end=NOW))
    view = _view(qtbot, ctx)
    view.refresh()
    settle(ctx)
    assert view.spend is not None
    chart, (heights, bar) = view.spend.chart, view.spend.bars["gpt-4o-mini"]
    assert heights.sum() == 3.0
    # More spend, and a second model: the chart and the first model's bar item are kept.
    write([
        make_row(id="b", started_at=iso_utc(NOW - 0.5 * DAY), cost_usd=2.0),
        make_row(id="c", started_at=iso_utc(NOW - 1.5 * DAY), model="gpt-4.1", cost_usd=4.0),
    ])  # fmt: skip
    view.refresh()
    settle(ctx)
    assert view.spend.chart is chart and view.spend.bars["gpt-4o-mini"][1] is bar
    assert view.spend.bars["gpt-4o-mini"][0].sum() == 5.0
    assert list(view.spend.bars) == ["gpt-4o-mini", "gpt-4.1"]  # largest spender at the bottom
    assert [label.text for _, label in chart.getPlotItem().legend.items] == ["gpt-4o-mini", "gpt-4.1"]
    assert view.spend_card.value.text() == "$9.00"
    # Data that arrives while the view is hidden is shown when it is shown again.
    view.hide()
    write([make_row(id="d", started_at=iso_utc(NOW - 0.5 * DAY), cost_usd=10.0)])
    view.refresh()
    settle(ctx)
    assert view.spend_card.value.text() == "$9.00"
    view.show()
    settle(ctx)
    assert view.spend_card.value.text() == "$19.00"
    assert view.spend.bars["gpt-4o-mini"][1] is bar
