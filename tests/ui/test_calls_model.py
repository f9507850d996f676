"""The Calls table model: lazy pages, rows streaming in at their place, honest formatting."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from pytestqt.modeltest import ModelTester

from lookout.core.clock import iso_utc
from lookout.store.browse import PAGE_SIZE, CallFilter, CallSummary
from lookout.store.db import open_writer
from lookout.store.writer import CallWriter
from lookout.ui.models.calls import CALL_ID_ROLE, COLUMNS, CallsTableModel, display
from tests.store.factories import NOW, bulk_insert, make_payload, make_row, spread_rows
from tests.ui.conftest import MakeCtx, Settle


def write(data_dir: Path, *rows: object) -> None:
    db = open_writer(data_dir)
    CallWriter(db).write_calls(list(rows))  # type: ignore[arg-type]
    db.close()


def loaded_model(
    make_ctx: MakeCtx, settle: Settle, data_dir: Path, f: CallFilter | None = None
) -> CallsTableModel:
    ctx = make_ctx(data_dir)
    model = CallsTableModel(ctx)
    model.set_filter(f or CallFilter())
    settle(ctx)
    return model


def column_of(name: str) -> int:
    return COLUMNS.index(name)


def test_the_model_passes_qtmodeltester_while_paging_and_streaming(
    qtmodeltester: ModelTester, make_ctx: MakeCtx, settle: Settle, seeded_data_dir: Path
) -> None:
    bulk_insert(str(seeded_data_dir / "lookout.db"), spread_rows(PAGE_SIZE + 50, start=NOW - 5000, step_s=1))
    ctx = make_ctx(seeded_data_dir)
    model = CallsTableModel(ctx)
    qtmodeltester.check(model)  # empty
    model.set_filter(CallFilter())
    settle(ctx)
    assert model.rowCount() == PAGE_SIZE and model.canFetchMore(QModelIndex())
    qtmodeltester.check(model)  # it fetches more itself
    settle(ctx)
    assert model.rowCount() == PAGE_SIZE + 50 and not model.canFetchMore(QModelIndex())
    write(seeded_data_dir, make_row(id="zz-new", started_at=iso_utc(NOW)))
    model.refresh_new()
    settle(ctx)
    qtmodeltester.check(model)
    assert model.data(model.index(0, 0), CALL_ID_ROLE) == "zz-new"


def test_pages_arrive_newest_first_and_stop_at_the_end(
    make_ctx: MakeCtx, settle: Settle, seeded_data_dir: Path
) -> None:
    bulk_insert(
        str(seeded_data_dir / "lookout.db"), spread_rows(PAGE_SIZE * 2 + 3, start=NOW - 9000, step_s=2)
    )
    ctx = make_ctx(seeded_data_dir)
    model = CallsTableModel(ctx)
    model.set_filter(CallFilter())
    settle(ctx)
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
        settle(ctx)
    times = [model.call_at(i).started_at for i in range(model.rowCount())]
    assert len(times) == PAGE_SIZE * 2 + 3 and times == sorted(times, reverse=True)


def test_late_rows_land_at_their_sorted_place_and_resends_update_in_place(
    make_ctx: MakeCtx, settle: Settle, seeded_data_dir: Path
) -> None:
    write(seeded_data_dir, *spread_rows(5, start=NOW - 50, step_s=10))
    model = loaded_model(make_ctx, settle, seeded_data_dir)
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    # A stream that started before the two newest rows was written after them.
    late = make_row(id="late", started_at=iso_utc(NOW - 25), streamed=True)
    newest = make_row(id="newest", started_at=iso_utc(NOW))
    write(seeded_data_dir, late, newest)
    model.refresh_new()
    model.refresh_new()  # a burst of refreshes coalesces: no duplicates
    settle(model._ctx)
    order = [model.call_at(i).id for i in range(model.rowCount())]
    assert order == ["newest", "c0000004", "c0000003", "late", "c0000002", "c0000001", "c0000000"]
    assert sorted(inserted) == [(0, 0), (3, 3)]
    write(seeded_data_dir, replace(late, latency_ms=9000.0))  # the recorder re-sent it
    model.refresh_new()
    settle(model._ctx)
    assert model.rowCount() == 7
    assert model.data(model.index(3, column_of("Latency"))) == "9.00 s"


def test_a_new_filter_drops_answers_meant_for_the_old_one(
    make_ctx: MakeCtx, settle: Settle, seeded_data_dir: Path
) -> None:
    write(
        seeded_data_dir,
        make_row(id="a", upstream="openai"),
        make_row(id="b", upstream="anthropic", started_at=iso_utc(NOW - 30)),
    )
    ctx = make_ctx(seeded_data_dir)
    model = CallsTableModel(ctx)
    model.set_filter(CallFilter())
    model.set_filter(CallFilter(upstream="anthropic"))  # before the first answer arrived
    settle(ctx)
    assert [model.call_at(i).id for i in range(model.rowCount())] == ["b"]


def test_a_failing_query_stops_loading(make_ctx: MakeCtx, settle: Settle, seeded_data_dir: Path) -> None:
    write(seeded_data_dir, make_row())
    ctx = make_ctx(seeded_data_dir)
    failures: list[str] = []
    ctx.query_failed.connect(lambda _key, message: failures.append(message))
    model = CallsTableModel(ctx)
    model.set_filter(CallFilter(status="teapot"))
    settle(ctx)
    assert not model.loading and model.rowCount() == 0 and not model.canFetchMore(QModelIndex())
    assert failures and "4xx" in failures[0]


def summary(**overrides: object) -> CallSummary:
    base = CallSummary(
        key=("2026-11-28T00:00:00.000Z", "x"),
        rowid=1,
        id="x",
        started_at="2026-11-28T00:00:00.000Z",
        upstream="openai",
        model="gpt-4o-mini",
        operation="chat",
        status_code=200,
        outcome="ok",
        streamed=True,
        latency_ms=1234.0,
        ttft_ms=87.4,
        input_tokens=1200,
        output_tokens=300,
        cost_usd=0.00036,
        trace_id="trace-0123456789abcdef",
        session_id=None,
        error_group_id=None,
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def test_cells_say_unknown_instead_of_zero() -> None:
    ok = summary()
    assert [display(ok, c) for c in ("Status", "Latency", "TTFT", "Tokens", "Cost")] == [
        "200 · ok",
        "1.23 s",
        "87 ms",
        "1,200 → 300",
        "$0.00036",
    ]
    unpriced = summary(cost_usd=None, input_tokens=None, output_tokens=None, ttft_ms=None)
    assert display(unpriced, "Cost") == "unpriced"
    assert display(unpriced, "Tokens") == "—" and display(unpriced, "TTFT") == "—"
    failed = summary(status_code=None, outcome="upstream_timeout", cost_usd=None)
    assert display(failed, "Status") == "— · timeout" and display(failed, "Cost") == "—"
    assert display(summary(cost_usd=0.0), "Cost") == "$0.00"  # priced at zero by the user is free
    assert display(ok, "Trace") == "trace-012345678…"


def test_cells_carry_alignment_colour_and_tooltips(
    make_ctx: MakeCtx, settle: Settle, seeded_data_dir: Path
) -> None:
    write(seeded_data_dir, make_row(cost_usd=None, status_code=500, outcome="error"))
    model = loaded_model(make_ctx, settle, seeded_data_dir)
    cost = model.index(0, column_of("Cost"))
    assert model.data(cost) == "—"
    assert model.data(cost, Qt.ItemDataRole.TextAlignmentRole) & int(Qt.AlignmentFlag.AlignRight)
    assert model.data(model.index(0, column_of("Status")), Qt.ItemDataRole.ForegroundRole) is not None
    assert "HTTP 500" in model.data(model.index(0, column_of("Status")), Qt.ItemDataRole.ToolTipRole)
    assert model.headerData(column_of("Cost"), Qt.Orientation.Horizontal) == "Cost"


def test_the_painter_gets_in_one_call_what_data_gives_role_by_role(
    make_ctx: MakeCtx, settle: Settle, seeded_data_dir: Path
) -> None:
    write(seeded_data_dir, make_row(cost_usd=None, status_code=500, outcome="error"))
    model = loaded_model(make_ctx, settle, seeded_data_dir)
    for column in range(len(COLUMNS)):
        index = model.index(0, column)
        text, alignment, color = model.cell(0, column)
        assert text == model.data(index)
        assert alignment == model.data(index, Qt.ItemDataRole.TextAlignmentRole)
        assert color == model.data(index, Qt.ItemDataRole.ForegroundRole)


def test_a_search_keeps_going_through_windows_without_a_scroll(
    make_ctx: MakeCtx, settle: Settle, seeded_data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lookout.store import browse

    monkeypatch.setattr(browse, "SEARCH_WINDOW", 2)
    rows = [
        make_row(id=f"s{i}", started_at=iso_utc(NOW - 50 + i), model="rare" if i == 0 else "common")
        for i in range(7)
    ]
    db = open_writer(seeded_data_dir)
    CallWriter(db).write_calls(rows, [make_payload(row.id) for row in rows])
    db.close()
    model = loaded_model(make_ctx, settle, seeded_data_dir, CallFilter(search="refund", model="rare"))
    assert [model.call_at(i).id for i in range(model.rowCount())] == ["s0"]
    assert not model.canFetchMore(QModelIndex())
