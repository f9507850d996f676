"""The Drift view: verdicts on shifted data, stored snapshots charted, pinning, filters, empty state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from lookout.core.clock import iso_utc
from lookout.core.drift_config import DriftSettings
from lookout.recorder.drifting import drift_run
from lookout.store.db import database_path, open_reader, open_writer
from lookout.store.drift import Snapshot, list_baselines
from lookout.ui import theme
from lookout.ui.charts import Chart
from lookout.ui.context import AppContext, TimeRange
from lookout.ui.views.drift import DriftView
from lookout.ui.views.drift_data import binned, shares
from lookout.ui.views.drift_pin import PinRequest
from tests.store.factories import NOW, SWAPPED_TO, bulk_insert, unit_calls
from tests.ui.conftest import MakeCtx, SavePng, Settle

DAY = 86_400.0
Fields = dict[str, Any]
MINI: Fields = {"upstream": "openai", "model": "gpt-4o-mini", "operation": "chat"}
SONNET: Fields = {"upstream": "anthropic", "model": "claude-sonnet-4-5", "operation": "chat",
          "response_model": "claude-sonnet-4-5-2025"}  # fmt: skip
FLASH: Fields = {"upstream": "gemini", "model": "gemini-2.5-flash", "operation": "chat"}
LLAMA: Fields = {"upstream": "ollama", "model": "llama3.2", "operation": "chat"}
VERDICT = 8  # column


def _fill(data_dir: Path) -> None:
    """A week of baseline and a day of current traffic: mini slowed, sonnet swapped, flash stable,
    llama too quiet to judge."""
    path = str(database_path(data_dir))
    units: tuple[tuple[Fields, int, Fields], ...] = (
        (MINI, 600, {"slower": 1.4}),
        (SONNET, 600, {"swap_to": SWAPPED_TO, "swap_share": 0.15}),
        (FLASH, 600, {}),
        (LLAMA, 12, {}),
    )
    for seed, (fields, count, shift) in enumerate(units, start=1):
        bulk_insert(path, unit_calls(count, start=NOW - 8 * DAY, step_s=7 * DAY / count, seed=seed, **fields))
        current = count // 2
        calls = unit_calls(current, start=NOW - DAY, step_s=DAY / current, seed=seed + 50, **fields, **shift)
        bulk_insert(path, calls)


def _store_runs(data_dir: Path, hours_ago: tuple[float, ...]) -> None:
    """The recorder's hourly drift job, run at each of those times."""
    writer, reader = open_writer(data_dir), open_reader(data_dir)
    try:
        for hours in hours_ago:
            for _ in drift_run(writer, reader, DriftSettings(), now=NOW - hours * 3600):
                pass
    finally:
        writer.close()
        reader.close()


def _view(qtbot: QtBot, ctx: AppContext, settle: Settle) -> DriftView:
    def fail(key: str, message: str) -> None:
        raise AssertionError(f"query {key} failed: {message}")

    ctx.query_failed.connect(fail)
    ctx.set_time_range(TimeRange(preset=None, start=NOW - DAY, end=NOW))  # drift as of NOW
    view = DriftView(ctx)
    qtbot.addWidget(view)
    view.resize(1280, 860)
    view.show()
    view.refresh()
    settle(ctx)
    return view


def _row(view: DriftView, model: str, metric: str) -> Snapshot:
    return next(r for r in view.model.rows if r.model == model and r.metric == metric)


def _select(view: DriftView, ctx: AppContext, settle: Settle, model: str, metric: str) -> None:
    view.table.selectRow(view.model.rows.index(_row(view, model, metric)))
    settle(ctx)


def test_shifted_latency_and_a_swapped_model_show_their_verdicts(
    qtbot: QtBot, make_ctx: MakeCtx, seeded_data_dir: Path, settle: Settle, qtmodeltester: ModelTester
) -> None:
    _fill(seeded_data_dir)
    ctx = make_ctx(seeded_data_dir)
    view = _view(qtbot, ctx, settle)
    qtmodeltester.check(view.model)

    assert view.data is not None and not view.data.stored  # no snapshot stored: computed now
    assert view.pages.currentIndex() == 0
    slowed = _row(view, "gpt-4o-mini", "latency_ms")
    assert slowed.severity in ("moderate", "major") and "drift: median +" in slowed.verdict
    swap = _row(view, "claude-sonnet-4-5", "response_model")
    assert swap.severity == "major" and swap.verdict.startswith(f"model swap: {SWAPPED_TO}")
    assert _row(view, "gemini-2.5-flash", "latency_ms").verdict.startswith("no drift")

    index = view.model.index(view.model.rows.index(swap), VERDICT)
    assert index.data(Qt.ItemDataRole.ForegroundRole) == QColor(theme.palette().critical)
    quiet = view.model.rows.index(_row(view, "llama3.2", "latency_ms"))
    cells = [view.model.index(quiet, column).data() for column in range(view.model.columnCount())]
    assert cells[0] == "ollama · llama3.2 · chat" and cells[2:8] == ["–"] * 6
    assert cells[VERDICT].startswith("not enough data: 12 baseline, 6 current (need 30 each)")
    slowed_cells = [view.model.index(view.model.rows.index(slowed), c).data() for c in range(8)]
    assert slowed_cells[1] == "latency" and " ms / " in slowed_cells[2] and slowed_cells[4].startswith("+")

    view.model.sort(VERDICT)  # worst first: the swap, then major, moderate, none, too little data
    assert view.model.rows[0] is swap and view.model.rows[-1].severity == "insufficient"
    qtmodeltester.check(view.model)


def test_stored_snapshots_feed_the_table_the_distributions_and_the_score_over_time(
    qtbot: QtBot, make_ctx: MakeCtx, seeded_data_dir: Path, settle: Settle, save_png: SavePng
) -> None:
    _fill(seeded_data_dir)
    _store_runs(seeded_data_dir, (18, 12, 6, 0))
    ctx = make_ctx(seeded_data_dir)
    view = _view(qtbot, ctx, settle)

    assert view.data is not None and view.data.stored and view.data.computed_at == iso_utc(NOW)
    assert "hourly run" in view.windows_note.text()
    _select(view, ctx, settle, "gpt-4o-mini", "latency_ms")
    assert view.detail is not None and view.detail.binned is not None and view.detail.binned.log_x
    assert len(view.detail.history) == 4
    psi = [s.psi or 0.0 for s in view.detail.history]
    assert psi[-1] > psi[0]  # the slowdown entered the current window over the day
    distribution, history = _chart(view, "distribution"), _chart(view, "history")
    assert "% of calls" in distribution.getPlotItem().titleLabel.text
    assert list(history.curves) == ["PSI vs 7d"]
    assert "gpt-4o-mini" in view.pane.title.text() and "latency" in view.pane.title.text()
    save_png(view, "drift")

    computing: list[tuple[str, TimeRange]] = []
    view.computing.connect(lambda *args: computing.append(args))
    view.reload()  # the stored run still matches: read again, nothing computed
    settle(ctx)
    assert computing == [] and view.data.stored

    _select(view, ctx, settle, "gemini-2.5-flash", "latency_ms")  # the charts are refilled, not rebuilt
    assert _chart(view, "distribution") is distribution and _chart(view, "history") is history
    assert "gemini-2.5-flash" in view.pane.title.text() and len(history.curves["PSI vs 7d"].xData) == 4

    _select(view, ctx, settle, "claude-sonnet-4-5", "response_model")
    bars = _chart(view, "distribution")
    ticks = bars.getPlotItem().getAxis("bottom")._tickLevels[0]
    assert SWAPPED_TO in [label for _, label in ticks]
    assert bars.tip is not None
    swapped_at = [label for _, label in ticks].index(SWAPPED_TO)
    tip = bars.tip.show_at(QPointF(swapped_at, 1.0))
    assert tip is not None and tip.text.startswith(SWAPPED_TO) and "baseline (7d): 0.0%" in tip.text
    save_png(view, "drift-swap")

    ctx.set_time_range(TimeRange(preset=None, start=NOW - 6 * 3600, end=NOW))  # the window follows the range
    view.refresh()
    settle(ctx)
    assert view.data is not None and not view.data.stored
    assert (view.data.windows.current_from, view.data.windows.baseline_to) == (iso_utc(NOW - 6 * 3600),) * 2
    assert _row(view, "gpt-4o-mini", "latency_ms").current_calls == 75


def test_refreshes_make_one_query_and_none_while_the_same_one_is_under_way(
    qtbot: QtBot, make_ctx: MakeCtx, seeded_data_dir: Path, settle: Settle
) -> None:
    _fill(seeded_data_dir)
    ctx = make_ctx(seeded_data_dir)
    view = _view(qtbot, ctx, settle)
    computing: list[tuple[str, TimeRange]] = []
    view.computing.connect(lambda *args: computing.append(args))
    for _ in range(3):
        view.reload()  # in one turn: one query
    settle(ctx)
    assert computing == [("7d", ctx.time_range)]  # no stored run: computed, and said so first

    view.reload()
    settle(ctx)
    view.windows_note.setText("")
    view._query()
    view._query()  # the first one's result is on its way
    view.computing.emit("7d", ctx.time_range)  # what the worker emits before computing
    assert view.windows_note.text().startswith("Computing drift for this range now")
    settle(ctx)
    assert len(computing) == 4 and view.windows_note.text().endswith("computed just now")


def test_a_hidden_view_draws_the_selected_rows_charts_when_shown_again(
    qtbot: QtBot, make_ctx: MakeCtx, seeded_data_dir: Path, settle: Settle
) -> None:
    _fill(seeded_data_dir)
    _store_runs(seeded_data_dir, (1, 0))
    ctx = make_ctx(seeded_data_dir)
    view = _view(qtbot, ctx, settle)
    shown = view.pane.distribution.shown
    view.table.selectRow(view.model.rows.index(_row(view, "gpt-4o-mini", "output_tokens")))
    view.hide()  # the user moved on before the row's values came in
    settle(ctx)
    assert view.pane.distribution.shown is shown and not view.pane.turns.busy
    view.show()
    settle(ctx)
    assert "output tokens" in _chart(view, "distribution").title and _chart(view, "history").isVisible()


def _chart(view: DriftView, slot: str) -> Chart:
    widget = (view.pane.distribution if slot == "distribution" else view.pane.history).shown
    assert isinstance(widget, Chart) and widget.isVisible(), f"no chart in the {slot} slot"
    return widget


def _baselines(data_dir: Path) -> list[tuple[str, str, str, str | None]]:
    db = open_reader(data_dir)
    try:
        return [(b.name, b.start, b.end, b.note) for b in list_baselines(db)]
    finally:
        db.close()


def test_pinning_and_unpinning_round_trip_to_the_database(
    qtbot: QtBot, make_ctx: MakeCtx, seeded_data_dir: Path, settle: Settle
) -> None:
    _fill(seeded_data_dir)
    ctx = make_ctx(seeded_data_dir)
    view = _view(qtbot, ctx, settle)
    assert not view.unpin_button.isEnabled()
    view.table.setFocus()

    QTest.keyClick(view, Qt.Key.Key_P)
    dialog = view.pin_dialog
    assert dialog is not None and dialog.isVisible()
    pin_button = dialog.buttons.buttons()[0]
    assert not pin_button.isEnabled() and "Give the baseline a name" in dialog.hint.text()
    assert dialog.start.dateTime().toSecsSinceEpoch() == int(NOW - 8 * DAY)  # the default baseline window
    dialog.name.setText("first-days")
    dialog.end.setDateTime(dialog.start.dateTime().addDays(3))
    dialog.note.setText("before the prompt change")
    assert pin_button.isEnabled()
    dialog.accept()
    assert view.worker.wait()
    settle(ctx)

    start, end = iso_utc(NOW - 8 * DAY), iso_utc(NOW - 5 * DAY)
    assert _baselines(seeded_data_dir) == [("first-days", start, end, "before the prompt change")]
    assert view.data is not None and view.data.windows.baseline_name == "first-days"
    assert (view.data.windows.baseline_from, view.data.windows.baseline_to) == (start, end)
    assert not view.data.stored  # pinned: computed now
    assert view.baseline_box.currentData() == "first-days" and view.unpin_button.isEnabled()
    slowed = _row(view, "gpt-4o-mini", "latency_ms")
    assert slowed.baseline_name == "first-days" and slowed.severity in ("moderate", "major")
    assert slowed.baseline_calls == 600 * 3 // 7 + 1

    view.pin(PinRequest("7 days", NOW - 3 * DAY, NOW - 2 * DAY, None))  # the store refuses the name
    assert view.worker.wait()
    settle(ctx)
    assert view.message.text().startswith("Could not pin the baseline: baseline name '7 days' must start")

    view.unpin()
    assert view.worker.wait()
    settle(ctx)
    assert _baselines(seeded_data_dir) == []
    assert view.message.text() == "Unpinned “first-days”."
    assert view.baseline == "7d" and view.data.windows.baseline_name == "7d"
    assert view.baseline_box.count() == 1 and not view.unpin_button.isEnabled()


def test_choosing_a_baseline_that_was_unpinned_elsewhere_falls_back_to_the_default(
    qtbot: QtBot, make_ctx: MakeCtx, seeded_data_dir: Path, settle: Settle
) -> None:
    _fill(seeded_data_dir)
    ctx = make_ctx(seeded_data_dir)
    view = _view(qtbot, ctx, settle)
    view.set_baseline("gone")
    settle(ctx)
    assert view.baseline == "7d" and "“gone” is not pinned any more" in view.message.text()


def test_model_filter_drifted_only_and_enter_for_details(
    qtbot: QtBot, make_ctx: MakeCtx, seeded_data_dir: Path, settle: Settle
) -> None:
    _fill(seeded_data_dir)
    ctx = make_ctx(seeded_data_dir)
    view = _view(qtbot, ctx, settle)
    models = [view.model_box.itemText(i) for i in range(view.model_box.count())]
    assert models == ["All models", "claude-sonnet-4-5", "gemini-2.5-flash", "gpt-4o-mini", "llama3.2"]
    assert view.model.rows[0].model == "claude-sonnet-4-5"  # the unit with a swap comes first

    view.model_box.setCurrentIndex(models.index("gpt-4o-mini"))
    assert {row.model for row in view.model.rows} == {"gpt-4o-mini"}
    view.drifted_box.setChecked(True)
    assert view.model.rows and all(row.severity in ("moderate", "major") for row in view.model.rows)
    view.model_box.setCurrentIndex(0)
    assert {row.model for row in view.model.rows} == {"gpt-4o-mini", "claude-sonnet-4-5"}
    view.refresh()  # computed a moment ago: kept, the filters stay
    settle(ctx)
    assert view.drifted_box.isChecked() and view.model_box.currentIndex() == 0

    view.splitter.setSizes([800, 0])
    view.table.setFocus()
    view.table.setCurrentIndex(view.model.index(1, 0))
    QTest.keyClick(view.table, Qt.Key.Key_Return)
    settle(ctx)
    assert view.splitter.sizes()[1] > 0
    assert view.selected is not None and view.selected == view.model.rows[1]


def test_no_calls_shows_what_drift_needs_and_links_to_connect(
    qtbot: QtBot, make_ctx: MakeCtx, empty_data_dir: Path, settle: Settle, save_png: SavePng
) -> None:
    ctx = make_ctx(empty_data_dir)
    view = _view(qtbot, ctx, settle)
    assert view.pages.currentWidget() is view.empty
    assert "Drift needs at least 30 calls per window" in view.empty.text()
    with qtbot.waitSignal(ctx.navigate_requested) as navigated:
        view.empty.linkActivated.emit("connect")
    assert navigated.args == ["connect"]
    view.unpin()  # nothing pinned: says so, does not crash
    assert view.message.text() == "Choose a pinned baseline to unpin."
    save_png(view, "drift-empty")


def test_demo_traffic_is_too_recent_to_judge_and_says_so(
    qtbot: QtBot, demo_ctx: AppContext, settle: Settle, save_png: SavePng
) -> None:
    demo_ctx.query_failed.connect(lambda key, message: pytest.fail(f"{key}: {message}"))
    view = DriftView(demo_ctx)
    qtbot.addWidget(view)
    view.resize(1280, 860)
    view.show()
    view.refresh()
    settle(demo_ctx)
    assert view.model.rowCount() > 0  # the demo's calls are all in the current window
    for row in view.model.rows:
        assert row.severity == "insufficient" and row.verdict.startswith("not enough data: 0 baseline")
    save_png(view, "drift-demo")


def test_distributions_are_binned_as_shares_on_shared_edges() -> None:
    rng = np.random.default_rng(3)
    base, cur = rng.lognormal(6.5, 0.6, 2000), rng.lognormal(6.8, 0.6, 500)
    result = binned(base, cur)
    assert result is not None and result.log_x and len(result.edges) == 41
    assert result.baseline.sum() == pytest.approx(100) and result.current.sum() == pytest.approx(100)
    assert binned(base, np.array([])) is None
    flat = binned(np.zeros(40), np.ones(40))
    assert flat is not None and not flat.log_x  # zeros: linear


def test_mix_shares_keep_the_largest_categories_and_sum_the_rest(
    qtbot: QtBot, make_ctx: MakeCtx, seeded_data_dir: Path, settle: Settle
) -> None:
    _fill(seeded_data_dir)
    ctx = make_ctx(seeded_data_dir)
    view = _view(qtbot, ctx, settle)
    swap = _row(view, "claude-sonnet-4-5", "response_model")
    labels, base, cur = shares(swap)
    assert (
        labels == ["claude-sonnet-4-5-2025", SWAPPED_TO] and base[1] == 0 and sum(cur) == pytest.approx(100)
    )
    error_labels, error_base, _ = shares(_row(view, "gpt-4o-mini", "error_rate"))
    assert error_labels == ["error rate"] and error_base == [0.0]
