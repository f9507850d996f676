"""The Performance view with demo data and with hand-built rows of every operation class."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from lookout.store.db import open_writer
from lookout.store.writer import CallWriter
from lookout.ui.context import AppContext, TimeRange
from lookout.ui.views.performance import PerformanceView
from tests.store.factories import NOW, mixed_calls
from tests.ui.conftest import MakeCtx, SavePng, Settle


def _view(qtbot: QtBot, ctx: AppContext) -> PerformanceView:
    def fail(key: str, message: str) -> None:
        raise AssertionError(f"query {key} failed: {message}")

    ctx.query_failed.connect(fail)
    view = PerformanceView(ctx)
    qtbot.addWidget(view)
    view.resize(1400, 1100)
    view.show()  # data is shown while the view is visible
    return view


def test_demo_data_draws_every_chart(
    qtbot: QtBot, demo_ctx: AppContext, settle: Settle, save_png: SavePng
) -> None:
    view = _view(qtbot, demo_ctx)
    view.refresh()
    settle(demo_ctx)
    assert view.stack.currentIndex() == 0
    assert set(view.charts) == {"latency", "ttft", "throughput", "rate"}
    latency = view.charts["latency"]
    assert any(name.endswith(" p99") for name in latency.curves)
    assert "text" in view.histograms and "embeddings" in view.histograms
    save_png(view, "performance")


def _drawn(
    qtbot: QtBot, data_dir: Path, make_ctx: MakeCtx, settle: Settle, span_s: float = 86_400
) -> PerformanceView:
    """The view drawn once for the last ``span_s`` seconds, its data all in."""
    ctx = make_ctx(data_dir)
    ctx.set_time_range(TimeRange(preset=None, start=NOW - span_s, end=NOW))
    view = _view(qtbot, ctx)
    view.refresh()
    settle(ctx)
    return view


def _seed(data_dir: Path) -> None:
    writer = CallWriter(open_writer(data_dir))
    writer.write_calls(list(mixed_calls(4000, end=NOW, span_s=2 * 86_400, seed=3)))
    writer.db.close()


def test_models_histogram_panels_and_legend_sync(
    qtbot: QtBot, seeded_data_dir: Path, make_ctx: MakeCtx, settle: Settle, save_png: SavePng
) -> None:
    _seed(seeded_data_dir)
    view = _drawn(qtbot, seeded_data_dir, make_ctx, settle)
    assert set(view.histograms) == {"text", "embeddings", "image"}
    assert "≈" in view.note.text()  # 24 h reads the hourly rollup
    latency, rate = view.charts["latency"], view.charts["rate"]
    assert {latency.groups[name] for name in latency.curves} >= {"gpt-4o-mini", "gpt-image-1", "llama3.2"}
    # Hiding a model in one legend hides all its lines, here and in the other charts.
    latency.curves["gpt-4o-mini p50"].setVisible(False)
    assert not latency.curves["gpt-4o-mini p99"].isVisible()
    assert not rate.curves["gpt-4o-mini"].isVisible()
    assert rate.curves["llama3.2"].isVisible()
    save_png(view, "performance-mixed")


def test_refresh_updates_in_place_and_keeps_zoom(
    qtbot: QtBot, seeded_data_dir: Path, make_ctx: MakeCtx, settle: Settle
) -> None:
    _seed(seeded_data_dir)
    view = _drawn(qtbot, seeded_data_dir, make_ctx, settle)
    ctx = view.ctx
    chart = view.charts["latency"]
    chart.getPlotItem().setXRange(NOW - 7200, NOW - 3600, padding=0)
    view.refresh()
    settle(ctx)
    assert view.charts["latency"] is chart
    left, right = chart.getPlotItem().getViewBox().viewRange()[0]
    assert (left, right) == (NOW - 7200, NOW - 3600)


def test_empty_period_shows_empty_state(
    qtbot: QtBot, seeded_data_dir: Path, make_ctx: MakeCtx, settle: Settle
) -> None:
    writer = CallWriter(open_writer(seeded_data_dir))
    writer.write_calls(list(mixed_calls(10, end=NOW - 10 * 86_400, span_s=60)))
    writer.db.close()
    view = _drawn(qtbot, seeded_data_dir, make_ctx, settle, span_s=3600)
    assert view.stack.currentWidget() is view.empty


def test_refresh_adds_only_new_lines_and_keeps_hidden_models_hidden(
    qtbot: QtBot, seeded_data_dir: Path, make_ctx: MakeCtx, settle: Settle
) -> None:
    writer = CallWriter(open_writer(seeded_data_dir))
    rows = list(mixed_calls(2000, end=NOW, span_s=86_400, seed=4))
    writer.write_calls([row for row in rows if row.model != "llama3.2"])
    view = _drawn(qtbot, seeded_data_dir, make_ctx, settle)
    ctx = view.ctx
    latency = view.charts["latency"]
    before = dict(latency.curves)
    assert "llama3.2 p50" not in before
    latency.curves["gpt-4o-mini p50"].setVisible(False)  # what clicking its legend entry does
    # A new model's calls arrive: its lines are added, every other line is the same item.
    writer.write_calls([row for row in rows if row.model == "llama3.2"])
    writer.db.close()
    view.refresh()
    settle(ctx)
    assert view.charts["latency"] is latency
    assert set(latency.curves) == set(before) | {"llama3.2 p50", "llama3.2 p95", "llama3.2 p99"}
    assert all(latency.curves[name] is curve for name, curve in before.items())
    legend = [label.text for _, label in latency.getPlotItem().legend.items]
    assert legend.count("llama3.2") == 1 and legend.count("gpt-4o-mini") == 1
    # The hidden model stays hidden in every chart, the new one is shown.
    assert "gpt-4o-mini" in view.hidden
    assert not latency.curves["gpt-4o-mini p95"].isVisible()
    assert not view.charts["rate"].curves["gpt-4o-mini"].isVisible()
    assert not view.histograms["text"].curves["gpt-4o-mini"].isVisible()
    assert latency.curves["llama3.2 p50"].isVisible()
    # A model keeps its colour in every chart.
    colour = latency.curves["llama3.2 p50"].opts["pen"].color().name()
    assert view.charts["rate"].curves["llama3.2"].opts["pen"].color().name() == colour


def _hidden_mid_way(
    qtbot: QtBot, seeded_data_dir: Path, make_ctx: MakeCtx, settle: Settle
) -> PerformanceView:
    """A view that was drawing the last 2 hours when the user moved to another view."""
    _seed(seeded_data_dir)
    view = _drawn(qtbot, seeded_data_dir, make_ctx, settle)
    ctx = view.ctx
    ctx.set_time_range(TimeRange(preset=None, start=NOW - 7200, end=NOW))
    view.refresh()
    qtbot.waitUntil(lambda: view.turns.busy)  # its data arrived, its charts are being drawn
    view.hide()
    assert not view.turns.busy
    return view


def test_shown_again_it_finishes_drawing_what_it_had(
    qtbot: QtBot, seeded_data_dir: Path, make_ctx: MakeCtx, settle: Settle
) -> None:
    view = _hidden_mid_way(qtbot, seeded_data_dir, make_ctx, settle)
    view.show()
    qtbot.waitUntil(lambda: view.turns.busy)  # the next turn, no refresh having come
    settle(view.ctx)
    assert "1-minute" in view.note.text()
    assert all(chart.updatesEnabled() for chart in view.charts.values())


def test_shown_stale_and_refreshed_it_draws_only_the_fresh_data(
    qtbot: QtBot, seeded_data_dir: Path, make_ctx: MakeCtx, settle: Settle
) -> None:
    view = _hidden_mid_way(qtbot, seeded_data_dir, make_ctx, settle)
    view.ctx.set_time_range(TimeRange(preset=None, start=NOW - 86_400, end=NOW))
    view.show()  # what the window does for a stale view: show it, then refresh it
    view.refresh()
    QApplication.processEvents()
    # Neither the old data's drawing nor a paint of the stale charts competes with the query.
    assert not view.turns.busy
    assert not any(chart.updatesEnabled() for chart in [*view.charts.values(), *view.histograms.values()])
    settle(view.ctx)
    assert "1-hour" in view.note.text()
    assert all(chart.updatesEnabled() for chart in [*view.charts.values(), *view.histograms.values()])
