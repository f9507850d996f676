"""The alert rules editor: each rule's global settings and per-model / per-operation overrides.

It edits ``[alerts.<rule>]`` and ``[[alerts.override]]`` in the config file
through :mod:`lookout.core.config_file` (which validates with the real
``[alerts]`` parser before writing, so a bad threshold is refused with the
parser's own message). Thresholds are shown in the config's units: durations
("30s") for latency, TTFT and backlog, a percentage for the error rate, a count
or USD/hour for the others. The recorder reads the rules at start.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from lookout.core.alerts_config import DEFAULT_RULES, RULES, AlertsSettings, Override, RuleSettings
from lookout.core.config_file import KeyPath, update_config
from lookout.ui.views.view_helpers import Worker

DURATION_RULES = {"latency_p95": 1000.0, "ttft_p95": 1000.0, "recorder_backlog": 1.0}
UNITS = {"error_rate": "%", "spend": "USD/h", "group_spike": "calls", "model_unavailable": "calls in a row"}
# Rules whose [alerts.<rule>] takes a window.
WINDOWED_RULES = ("group_spike", "error_rate", "latency_p95", "ttft_p95", "dropped_data")
RULE_COLUMNS = ("Rule", "Enabled", "Severity", "Threshold", "Window", "Unit")
OVERRIDE_COLUMNS = ("Rule", "Upstream", "Model (glob)", "Operation", "Threshold", "Enabled")


def threshold_text(rule: str, value: float | None) -> str:
    if value is None:
        return ""
    if rule in DURATION_RULES:
        return f"{value / DURATION_RULES[rule]:g}s"
    return f"{value:g}"


def threshold_value(rule: str, text: str) -> Any:
    """A threshold as the config file writes it: a duration string or a number."""
    text = text.strip()
    if not text or rule in DURATION_RULES:
        return text or None
    try:
        number = float(text)
    except ValueError:
        return text  # the config parser rejects it with a message naming the setting
    return int(number) if number.is_integer() else number


class RulesEditor(QWidget):
    """Two editable tables and a Save button; ``on_status`` receives what happened."""

    def __init__(
        self, config_path: Callable[[], Path], worker: Worker, on_status: Callable[[str], None]
    ) -> None:
        super().__init__()
        self.config_path, self.worker, self.on_status = config_path, worker, on_status
        self.rules = _table(RULE_COLUMNS)
        self.overrides = _table(OVERRIDE_COLUMNS)
        add = QPushButton("Add override")
        add.clicked.connect(lambda: self.add_override(Override({}, rule="latency_p95")))
        remove = QPushButton("Remove override")
        remove.clicked.connect(lambda: self.overrides.removeRow(self.overrides.currentRow()))
        save = QPushButton("Save rules")
        save.clicked.connect(self.save)
        buttons = QHBoxLayout()
        for button in (add, remove, save):
            buttons.addWidget(button)
        buttons.addStretch()
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<b>Rules</b> (all scopes; double-click a cell to edit)"))
        layout.addWidget(self.rules, 3)
        layout.addWidget(QLabel("<b>Overrides</b> per model and operation (the most specific wins)"))
        layout.addWidget(self.overrides, 2)
        layout.addLayout(buttons)

    def load(self, settings: AlertsSettings) -> None:
        self.rules.setRowCount(0)
        for rule in RULES:
            self._add_rule(rule, settings.rules[rule])
        self.overrides.setRowCount(0)
        for override in settings.overrides:
            self.add_override(override)
        self.rules.resizeColumnsToContents()

    def add_override(self, override: Override) -> None:
        rule = override.rule or ""
        enabled = override.values.get("enabled")
        scope = [override.upstream or "", override.model or "", override.operation or ""]
        threshold = threshold_text(rule, override.values.get("threshold"))
        cells = [rule, *scope, threshold, "" if enabled is None else str(enabled).lower()]
        _append(self.overrides, cells, editable=True)

    def changes(self) -> dict[KeyPath, Any]:
        """Every rule key and the whole override list, as config changes."""
        changes: dict[KeyPath, Any] = {}
        for row in range(self.rules.rowCount()):
            rule = _cell(self.rules, row, 0)
            default = DEFAULT_RULES[rule]
            enabled = _cell(self.rules, row, 1).lower() != "false"
            changes[("alerts", rule, "enabled")] = None if enabled == default.enabled else enabled
            if rule == "drift":
                continue  # drift's severity follows the snapshot's verdict
            severity = _cell(self.rules, row, 2) or default.severity
            changes[("alerts", rule, "severity")] = None if severity == default.severity else severity
            text = _cell(self.rules, row, 3)
            same = text == threshold_text(rule, default.threshold)
            changes[("alerts", rule, "threshold")] = None if same else threshold_value(rule, text)
            window = _cell(self.rules, row, 4)
            if rule in WINDOWED_RULES:
                changes[("alerts", rule, "window")] = (
                    None if window == f"{default.window_s:g}s" else window or None
                )
        changes[("alerts", "override")] = self._override_entries() or None
        return changes

    def save(self) -> None:
        path, changes = self.config_path(), self.changes()

        def write() -> AlertsSettings:
            return update_config(path, changes).alerts

        def done(result: AlertsSettings | Exception) -> None:
            if isinstance(result, Exception):
                self.on_status(f"Rules not saved: {result}")
                return
            self.load(result)
            self.on_status(f"Rules saved to {path}. The engine applies them when it restarts.")

        self.worker.start(write, done)

    def _add_rule(self, rule: str, settings: RuleSettings) -> None:
        window = f"{settings.window_s:g}s" if rule in WINDOWED_RULES else ""
        unit = UNITS.get(rule, "duration" if rule in DURATION_RULES else "")
        threshold = threshold_text(rule, settings.threshold)
        cells = [rule, str(settings.enabled).lower(), settings.severity, threshold, window, unit]
        _append(self.rules, cells, editable=True, fixed=(0, 5))

    def _override_entries(self) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = []
        for row in range(self.overrides.rowCount()):
            rule, upstream, model, operation, threshold, enabled = (
                _cell(self.overrides, row, column) for column in range(len(OVERRIDE_COLUMNS))
            )
            match = {"rule": rule, "upstream": upstream, "model": model, "operation": operation}
            entry: dict[str, Any] = {key: value for key, value in match.items() if value}
            if threshold:
                entry["threshold"] = threshold_value(rule, threshold)
            if enabled:
                entry["enabled"] = enabled.lower() == "true"
            if entry:
                entries.append(entry)
        return entries


def _table(columns: tuple[str, ...]) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(list(columns))
    table.verticalHeader().hide()
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _append(table: QTableWidget, cells: list[str], *, editable: bool, fixed: tuple[int, ...] = ()) -> None:
    row = table.rowCount()
    table.insertRow(row)
    for column, text in enumerate(cells):
        item = QTableWidgetItem(text)
        if not editable or column in fixed:
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
        table.setItem(row, column, item)


def _cell(table: QTableWidget, row: int, column: int) -> str:
    item = table.item(row, column)
    return item.text().strip() if item is not None else ""
