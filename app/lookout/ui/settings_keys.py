"""Settings › API keys: store, replace and delete upstream keys in the OS keychain.

Keys go through :mod:`lookout.keys.vault` (keyring) and nowhere else. A key is
typed into a password field, saved, and the field is cleared: the page only
ever shows *which* upstreams have a key, never a key. Keychain calls can block
on an unlock prompt, so they run on the worker.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton

from lookout.keys import vault
from lookout.proxy.routing import PRESETS
from lookout.ui.settings_page import SettingsPage


class KeysPage(SettingsPage):
    title = "API keys"

    def build(self) -> None:
        self.problem = QLabel("")
        self.problem.setWordWrap(True)
        self.layout_.addWidget(self.problem)
        form = self.group("Keys the proxy adds to calls that arrive without one")
        self.stored = QLabel("…")
        self.stored.setWordWrap(True)
        form.addRow("Stored for", self.stored)
        self.upstream = QComboBox()
        self.upstream.setEditable(True)
        self.upstream.addItems(list(PRESETS))
        form.addRow("Upstream", self.upstream)
        self.upstream.setMinimumWidth(200)
        self.key = QLineEdit()
        self.key.setMinimumWidth(420)
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setPlaceholderText("paste the key; it is never shown again")
        form.addRow("Key", self.key)
        buttons = QHBoxLayout()
        self.save_button = QPushButton("Save key")
        self.save_button.clicked.connect(self.save_key)
        self.delete_button = QPushButton("Delete key")
        self.delete_button.clicked.connect(self.delete_key)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch()
        form.addRow(buttons)
        hint = QLabel(
            "Your app can then send the placeholder key <code>lookout</code> (or none); "
            "a real key sent by your app is always forwarded untouched."
        )
        hint.setWordWrap(True)
        form.addRow(hint)

    def load(self) -> None:
        self.worker.start(_stored_names, self._show_names)

    def save_key(self) -> None:
        upstream, key = self.upstream.currentText().strip(), self.key.text().strip()
        self.key.clear()  # the key leaves the widget whatever happens next

        def store() -> list[str]:
            vault.set_key(upstream, key)
            return _stored_names()

        self.worker.start(store, lambda result: self._done(result, f"Key saved for {upstream}."))

    def delete_key(self) -> None:
        upstream = self.upstream.currentText().strip()

        def delete() -> list[str]:
            if not vault.delete_key(upstream):
                raise ValueError(f"no key was stored for {upstream}")
            return _stored_names()

        self.worker.start(delete, lambda result: self._done(result, f"Key deleted for {upstream}."))

    def _done(self, result: list[str] | Exception, text: str) -> None:
        if isinstance(result, Exception):
            # vault messages never contain a key; ValueError from check_key names the rule only.
            self.say(str(result), error=True)
            return
        self._show_names(result)
        self.say(f"{text} The proxy picks it up within 30 s; no restart needed.")

    def _show_names(self, result: list[str] | Exception) -> None:
        if isinstance(result, Exception):
            self.problem.setText(str(result))
            self.stored.setText("– (no keychain)")
            for widget in (self.save_button, self.delete_button, self.key):
                widget.setEnabled(False)
            return
        self.problem.setText("")
        self.stored.setText(", ".join(result) or "no upstream yet")


def _stored_names() -> list[str]:
    problem = vault.backend_problem()
    if problem is not None:
        raise vault.VaultUnavailable(problem)
    return vault.list_upstreams()
