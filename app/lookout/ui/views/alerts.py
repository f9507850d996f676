"""The Alerts view: open and resolved alerts by tier, the digest, and the rules editor.

Alerts are read with ``store.alerts`` (``open_alerts``, ``list_alerts``,
``digest``) off the GUI thread. The tiers are the severities: critical notifies
at once, medium notifies within a rate limit, low only goes to the digest.
An alert about an error group opens that group (Enter or double-click).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QTabWidget, QVBoxLayout, QWidget
from sqlite_utils import Database

from lookout.core.clock import iso_utc, now
from lookout.core.config import ConfigError, load_config
from lookout.core.models import SEVERITIES, Alert, AlertSeverity
from lookout.store.alerts import Digest, digest, list_alerts
from lookout.ui import theme
from lookout.ui.context import AppContext
from lookout.ui.models.rows import Column, RowsModel
from lookout.ui.views.alerts_rules import RulesEditor
from lookout.ui.views.base import View
from lookout.ui.views.view_helpers import EmptyState, Worker, ago, list_table, local_time, when

TIERS = ("all tiers", *SEVERITIES)
DIGEST_S = 86400.0


@dataclass(frozen=True, slots=True)
class AlertsData:
    open: list[Alert]
    resolved: list[Alert]
    digest: Digest


def alerts_data(db: Database, since_iso: str, tier: AlertSeverity | None, at: float) -> AlertsData:
    return AlertsData(
        open=list_alerts(db, status="open", severity=tier),
        resolved=list_alerts(db, status="resolved", since_iso=since_iso, severity=tier, limit=500),
        digest=digest(db, iso_utc(at - DIGEST_S)),
    )


def alert_columns(resolved: bool) -> list[Column[Alert]]:
    palette = theme.palette()
    columns: list[Column[Alert]] = [
        Column("Tier", lambda a: a.severity, sort=lambda a: SEVERITIES.index(a.severity),
               color=lambda a: palette.severity_color(a.severity)),
        Column("Rule", lambda a: a.rule),
        Column("Subject", lambda a: a.subject),
        Column("Opened", lambda a: when(a.opened_at), sort=lambda a: a.opened_at,
               tooltip=lambda a: f"{local_time(a.opened_at)} ({ago(a.opened_at)})"),
        Column("Seen", lambda a: f"{a.occurrences}×" if a.occurrences > 1 else "",
               sort=lambda a: a.occurrences),
    ]  # fmt: skip
    if resolved:
        columns.append(Column("Resolved", lambda a: when(a.resolved_at), sort=lambda a: a.resolved_at))
    columns.append(Column("Message", lambda a: a.message, tooltip=lambda a: a.message))
    return columns


class AlertsView(View):
    key: ClassVar[str] = "alerts"
    title: ClassVar[str] = "Alerts"
    shortcut: ClassVar[str] = "Ctrl+8"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.config_path: Path = ctx.config_file
        self.tier: AlertSeverity | None = None
        self.worker = Worker(self)
        self.open: RowsModel[Alert] = RowsModel(alert_columns(False), self)
        self.resolved: RowsModel[Alert] = RowsModel(alert_columns(True), self)
        self.open_table = list_table(self.open, self)
        self.resolved_table = list_table(self.resolved, self)
        for table, model in ((self.open_table, self.open), (self.resolved_table, self.resolved)):
            table.activated.connect(lambda index, m=model: self._activated(m, index))
        self.digest = QLabel("")
        self.digest.setWordWrap(True)
        self.status = QLabel("")
        self.rules = RulesEditor(lambda: self.config_path, self.worker, self.status.setText)
        quiet = "No open alerts. Lookout watches error rates, latency, spend and new error groups."
        self.empty = EmptyState(quiet, "Adjust the rules", "rules", lambda _key: self.tabs.setCurrentIndex(2))
        self.tabs = QTabWidget()
        self.tabs.addTab(self._lists(), "Alerts")
        self.tabs.addTab(self._digest_page(), "Digest (24 h)")
        self.tabs.addTab(self.rules, "Rules")
        self.tabs.currentChanged.connect(self._tab_changed)
        layout = QVBoxLayout(self)
        layout.addLayout(self._toolbar())
        layout.addWidget(self.tabs)
        layout.addWidget(self.status)
        self._rules_loaded = False

    def refresh(self) -> None:
        since, _until = self.ctx.time_range.iso_bounds()
        tier, at = self.tier, now()
        self.ctx.run("alerts", lambda db: alerts_data(db, since, tier, at), self._show)

    def set_tier(self, index: int) -> None:
        self.tier = None if index == 0 else SEVERITIES[index - 1]
        self.refresh()

    def _toolbar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Tier"))
        self.tier_box = QComboBox()
        self.tier_box.addItems([tier.capitalize() for tier in TIERS])
        self.tier_box.currentIndexChanged.connect(self.set_tier)
        bar.addWidget(self.tier_box)
        self.counts = QLabel("")
        bar.addWidget(self.counts, 1)
        return bar

    def _lists(self) -> QWidget:
        page = QWidget()
        column = QVBoxLayout(page)
        self.open_title = QLabel("<b>Open</b>")
        column.addWidget(self.open_title)
        column.addWidget(self.empty)
        column.addWidget(self.open_table, 2)
        self.resolved_title = QLabel("<b>Resolved</b> in the selected time range")
        column.addWidget(self.resolved_title)
        column.addWidget(self.resolved_table, 3)
        return page

    def _digest_page(self) -> QWidget:
        self.digest_model: RowsModel[Alert] = RowsModel(alert_columns(False), self)
        page = QWidget()
        column = QVBoxLayout(page)
        column.addWidget(self.digest)
        column.addWidget(list_table(self.digest_model, page), 1)
        return page

    def _show(self, data: AlertsData) -> None:
        self.open.set_rows(data.open)
        self.resolved.set_rows(data.resolved)
        self.empty.setVisible(not data.open)
        self.open_table.setVisible(bool(data.open))
        self.open_title.setText(f"<b>Open</b> ({len(data.open)})")
        by_tier = ", ".join(f"{data.digest.opened[s]} {s}" for s in SEVERITIES)
        self.counts.setText(f"{len(data.open)} open · opened in the last 24 h: {by_tier}")
        self.digest.setText(
            f"Since {local_time(data.digest.since)}: {by_tier} alerts opened, "
            f"{data.digest.still_open} still open. Below, the {len(data.digest.alerts)} that did not "
            "notify (low tier, or medium past the rate limit)."
        )
        self.digest_model.set_rows(data.digest.alerts)
        for table in (self.open_table, self.resolved_table):
            for index in range(4):
                table.resizeColumnToContents(index)

    def _tab_changed(self, index: int) -> None:
        if index == 2 and not self._rules_loaded:
            self._rules_loaded = True
            try:
                exists = self.config_path.exists()
                settings = load_config(self.config_path).alerts if exists else self.ctx.config.alerts
            except ConfigError as exc:
                self.status.setText(f"The config file has a problem; showing the running rules: {exc}")
                settings = self.ctx.config.alerts
            self.rules.load(settings)

    def _activated(self, model: RowsModel[Alert], index: QModelIndex) -> None:
        alert = model.row(index.row())
        if alert.group_id:
            self.ctx.open_group_requested.emit(alert.group_id)
