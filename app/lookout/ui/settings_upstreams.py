"""Settings › Upstreams: the presets, the user's own upstreams, and "Test connection".

Custom upstreams (and overrides of a preset's URL) live in ``[upstreams]`` of the
config file. "Test connection" makes one request from the app to the selected
upstream, and only on that click (see :mod:`lookout.ui.settings_probe`).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton

from lookout.keys import vault
from lookout.proxy.routing import PRESETS, validate_base_url
from lookout.ui.models.rows import Column, RowsModel
from lookout.ui.settings_page import SettingsPage
from lookout.ui.settings_probe import ProbeResult, test_connection
from lookout.ui.views.view_helpers import list_table


@dataclass(frozen=True, slots=True)
class UpstreamRow:
    name: str
    base_url: str
    source: str  # preset | custom | preset, overridden


def upstream_rows(custom: dict[str, str]) -> list[UpstreamRow]:
    rows = [
        UpstreamRow(name, custom.get(name, url), "preset, overridden" if name in custom else "preset")
        for name, url in PRESETS.items()
    ]
    rows += [UpstreamRow(name, url, "custom") for name, url in sorted(custom.items()) if name not in PRESETS]
    return rows


class UpstreamsPage(SettingsPage):
    title = "Upstreams"

    def build(self) -> None:
        self.custom: dict[str, str] = {}
        self.model: RowsModel[UpstreamRow] = RowsModel(
            [
                Column("Name", lambda r: r.name),
                Column("Base URL", lambda r: r.base_url),
                Column("Source", lambda r: r.source),
            ],
            self,
        )
        self.table = list_table(self.model, self)
        self.table.setColumnWidth(0, 140)
        self.table.setColumnWidth(1, 420)
        self.table.selectionModel().selectionChanged.connect(self._selected)
        self.layout_.addWidget(self.table, 1)
        form = self.group("Add or change an upstream (a preset's name overrides its URL)")
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. mylab")
        self.name.setMinimumWidth(200)
        self.url = QLineEdit()
        self.url.setMinimumWidth(420)
        self.url.setPlaceholderText("e.g. http://10.0.0.5:8000")
        form.addRow("Name", self.name)
        form.addRow("Base URL", self.url)
        buttons = QHBoxLayout()
        self.save_button = QPushButton("Save upstream")
        self.save_button.clicked.connect(self.save_upstream)
        self.remove_button = QPushButton("Remove / restore preset")
        self.remove_button.clicked.connect(self.remove_upstream)
        self.test_button = QPushButton("Test connection")
        self.test_button.setToolTip("Sends one request from this app to the upstream: its model list.")
        self.test_button.clicked.connect(self.test_selected)
        for button in (self.save_button, self.remove_button, self.test_button):
            buttons.addWidget(button)
        buttons.addStretch()
        form.addRow(buttons)

    def load(self) -> None:
        self.custom = dict(self.current().upstreams)
        self.model.set_rows(upstream_rows(self.custom))

    def save_upstream(self) -> None:
        name, url = self.name.text().strip(), self.url.text().strip()
        try:
            vault.check_name(name)
            validate_base_url(url, name)
        except ValueError as exc:
            self.say(str(exc), error=True)
            return
        self.save({("upstreams", name): url}, lambda _config: self._changed(name, url))

    def remove_upstream(self) -> None:
        name = self.name.text().strip()
        if name not in self.custom:
            self.say(f"{name or 'That'} is not one of your upstreams; presets cannot be removed.", error=True)
            return
        self.save({("upstreams", name): None}, lambda _config: self._changed(name, None))

    def test_selected(self) -> None:
        name, url = self.name.text().strip(), self.url.text().strip()
        if not name or not url:
            self.say("Select an upstream first.", error=True)
            return
        self.test_button.setEnabled(False)
        self.say(f"Testing {name}…")

        def probe() -> ProbeResult:
            try:
                key = vault.get_key(name)
            except (vault.VaultUnavailable, ValueError):
                key = None  # test without a key; the summary says so
            return test_connection(name, url, key)

        self.worker.start(probe, self._tested)

    def _tested(self, result: ProbeResult | Exception) -> None:
        self.test_button.setEnabled(True)
        if isinstance(result, Exception):
            self.say(f"Test failed: {result}", error=True)
        else:
            self.say(result.summary, error=not result.ok)

    def _changed(self, name: str, url: str | None) -> None:
        if url is None:
            self.custom.pop(name, None)
        else:
            self.custom[name] = url
        self.model.set_rows(upstream_rows(self.custom))

    def _selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            row = self.model.row(rows[0].row())
            self.name.setText(row.name)
            self.url.setText(row.base_url)
