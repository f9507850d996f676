"""The Alerts view: open and resolved alerts by tier, the digest, and the rules editor."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QTableWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from lookout.core.alerts_config import RULES, Override, Scope
from lookout.core.clock import iso_utc, now
from lookout.core.config import load_config
from lookout.core.models import Alert
from lookout.store.alerts import open_alert, resolve_alert
from lookout.store.db import open_writer
from lookout.ui.context import AppContext
from lookout.ui.views.alerts import AlertsView
from tests.ui.conftest import MakeCtx, SavePng, Settle


def _alert(rule: str, severity: str, minutes_ago: float, **extra: object) -> Alert:
    at = iso_utc(now() - minutes_ago * 60)
    return Alert(id=None, rule=rule, subject=str(extra.pop("subject", "openai · gpt-4o-mini · chat")),
                 severity=severity, status="open", opened_at=at, last_triggered_at=at,  # type: ignore[arg-type]
                 message=f"{rule} fired", **extra)  # type: ignore[arg-type]  # fmt: skip


def _seed(data_dir: Path) -> None:
    db = open_writer(data_dir)
    try:
        open_alert(db, _alert("model_unavailable", "critical", 5))
        open_alert(db, _alert("latency_p95", "low", 30, value=41_000.0, threshold=30_000.0))
        notified = iso_utc(now() - 5340)
        new_group = _alert("new_group", "medium", 90, subject="group:aaaa1111", group_id="aaaa1111",
                           notified_at=notified)  # fmt: skip
        group = open_alert(db, new_group)
        resolve_alert(db, group, at=iso_utc(now() - 60))
    finally:
        db.close()


def _view(qtbot: QtBot, ctx: AppContext, settle: Settle, config_path: Path | None = None) -> AlertsView:
    view = AlertsView(ctx)
    if config_path is not None:
        view.config_path = config_path
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    view.refresh()
    settle(ctx)
    return view


def _cell(table: QTableWidget, row: int, column: int) -> str:
    item = table.item(row, column)
    assert item is not None
    return item.text()


def test_demo_alerts_render(
    qtbot: QtBot, demo_ctx: AppContext, settle: Settle, save_png: SavePng, qtmodeltester: ModelTester
) -> None:
    view = _view(qtbot, demo_ctx, settle)

    qtmodeltester.check(view.open)
    qtmodeltester.check(view.resolved)
    qtmodeltester.check(view.digest_model)
    save_png(view, "alerts")


def test_alerts_by_tier_and_the_digest(
    qtbot: QtBot, make_ctx: MakeCtx, seeded_data_dir: Path, settle: Settle, save_png: SavePng
) -> None:
    _seed(seeded_data_dir)
    ctx = make_ctx(seeded_data_dir)
    view = _view(qtbot, ctx, settle)

    assert [a.rule for a in view.open.rows] == ["model_unavailable", "latency_p95"]
    assert [a.rule for a in view.resolved.rows] == ["new_group"]
    assert "2 open" in view.counts.text() and "1 critical, 1 medium, 1 low" in view.counts.text()
    assert [a.rule for a in view.digest_model.rows] == ["model_unavailable", "latency_p95"]  # never notified
    save_png(view, "alerts-seeded")
    view.tabs.setCurrentIndex(1)
    save_png(view, "alerts-digest")

    view.tier_box.setCurrentIndex(1)  # critical
    settle(ctx)
    assert [a.rule for a in view.open.rows] == ["model_unavailable"]
    assert view.resolved.rows == []

    view.tier_box.setCurrentIndex(0)
    settle(ctx)
    with qtbot.waitSignal(ctx.open_group_requested) as opened:
        view.resolved_table.activated.emit(view.resolved.index(0, 0))
    assert opened.args == ["aaaa1111"]


def test_no_open_alerts_shows_the_empty_state(
    qtbot: QtBot, make_ctx: MakeCtx, empty_data_dir: Path, settle: Settle
) -> None:
    view = _view(qtbot, make_ctx(empty_data_dir), settle)

    assert view.empty.isVisible() and not view.open_table.isVisible()
    view.empty.linkActivated.emit("rules")
    assert view.tabs.currentIndex() == 2


def test_the_rules_editor_writes_thresholds_and_overrides(
    qtbot: QtBot, make_ctx: MakeCtx, empty_data_dir: Path, settle: Settle, tmp_path: Path, save_png: SavePng
) -> None:
    config_path = tmp_path / "config.toml"
    config_path.write_text('# mine\n[alerts]\nhold = "5m"\n')
    ctx = make_ctx(empty_data_dir)
    view = _view(qtbot, ctx, settle, config_path)
    view.tabs.setCurrentIndex(2)
    rules = view.rules.rules
    assert [_cell(rules, row, 0) for row in range(rules.rowCount())] == list(RULES)
    error_rate, latency = RULES.index("error_rate"), RULES.index("latency_p95")
    assert _cell(rules, error_rate, 3) == "25" and _cell(rules, latency, 3) == "30s"
    save_png(view, "alerts-rules")

    rules.item(error_rate, 3).setText("12.5")  # type: ignore[union-attr]
    rules.item(latency, 2).setText("medium")  # type: ignore[union-attr]
    view.rules.add_override(Override({"threshold": 180_000.0}, rule="latency_p95", model="o*"))
    view.rules.save()
    assert view.worker.wait()
    settle(ctx)

    alerts = load_config(config_path).alerts
    assert alerts.rules["error_rate"].threshold == 12.5
    assert alerts.rules["latency_p95"].severity == "medium"
    assert alerts.hold_s == 300  # the user's own key is kept
    assert alerts.rule("latency_p95", Scope("openai", "o3-mini", "chat")).threshold == 180_000.0
    assert alerts.rule("latency_p95", Scope("openai", "gpt-4o", "chat")).threshold == 30_000.0
    text = config_path.read_text()
    assert "# mine" in text and "[alerts.new_group]" not in text  # untouched rules add nothing
    assert "Rules saved" in view.status.text()

    before = config_path.read_bytes()
    rules.item(error_rate, 3).setText("250")  # type: ignore[union-attr]
    view.rules.save()
    assert view.worker.wait()
    settle(ctx)
    assert "percentage" in view.status.text()
    assert config_path.read_bytes() == before
