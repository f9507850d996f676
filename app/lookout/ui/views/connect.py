"""The Connect view: copyable snippets with the real port, and "Send a test call".

The test call is honest: one tiny chat request goes through the local proxy to
the chosen upstream, with no key of its own, so the proxy adds the key stored in
Lookout exactly as it would for the user's app (see
:func:`lookout.ui.settings_probe.send_test_call`). The view shows the status and
the model's reply; the call lands in Calls and, by its trace id, in Traces.
"""

from __future__ import annotations

from typing import ClassVar

from PySide6.QtGui import QFontDatabase, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from lookout.proxy.routing import PRESETS
from lookout.ui.connect_snippets import Snippet, proxy_url, snippets
from lookout.ui.context import AppContext
from lookout.ui.settings_probe import DEFAULT_MODELS, ProbeResult, send_test_call
from lookout.ui.views.base import View
from lookout.ui.views.view_helpers import Worker


class ConnectView(View):
    key: ClassVar[str] = "connect"
    title: ClassVar[str] = "Connect"
    shortcut: ClassVar[str] = "Ctrl+0"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.port = ctx.config.proxy.port
        self.worker = Worker(self)
        self.last_result: ProbeResult | None = None
        intro = QLabel(
            f"Point your SDK's base URL at <b>{proxy_url(self.port)}/&lt;upstream&gt;</b> "
            "(openai, anthropic, gemini, ollama, …). Nothing else changes: calls go to the provider "
            "as before, and Lookout records them."
        )
        intro.setWordWrap(True)
        self.copied = QLabel("")
        self.tabs = QTabWidget()
        self.editors: dict[str, QPlainTextEdit] = {}
        for snippet in snippets(self.port):
            self.tabs.addTab(self._snippet_page(snippet), snippet.title)
        QShortcut(QKeySequence("Ctrl+Shift+C"), self, self.copy_current)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self._test_box())

    def refresh(self) -> None:
        """Nothing here follows the calls."""

    def copy_current(self) -> None:
        editor = list(self.editors.values())[self.tabs.currentIndex()]
        QGuiApplication.clipboard().setText(editor.toPlainText())
        self.copied.setText(f"Copied the {self.tabs.tabText(self.tabs.currentIndex())} snippet.")

    def send_test(self) -> None:
        upstream, model = self.upstream.currentText().strip(), self.model.text().strip()
        if not upstream or not model:
            self.result.setText("Choose an upstream and a model first.")
            return
        self.send_button.setEnabled(False)
        self.result.setText(f"Sending one short call to {upstream} through the proxy on port {self.port}…")
        port, base_url = self.port, {**PRESETS, **self.ctx.config.upstreams}.get(upstream)
        self.worker.start(lambda: send_test_call(port, upstream, model, base_url), self._sent)

    def open_trace(self) -> None:
        if self.last_result is not None and self.last_result.trace_id:
            self.ctx.open_trace_requested.emit(self.last_result.trace_id)

    def _snippet_page(self, snippet: Snippet) -> QWidget:
        editor = QPlainTextEdit(snippet.code)
        editor.setReadOnly(True)
        editor.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.editors[snippet.title] = editor
        copy = QPushButton("Copy (Ctrl+Shift+C)")
        copy.clicked.connect(self.copy_current)
        page = QWidget()
        column = QVBoxLayout(page)
        column.addWidget(editor)
        row = QHBoxLayout()
        row.addWidget(copy)
        row.addStretch()
        column.addLayout(row)
        return page

    def _test_box(self) -> QGroupBox:
        box = QGroupBox("Send a test call")
        form = QFormLayout(box)
        self.model = QLineEdit(DEFAULT_MODELS["openai"])
        self.upstream = QComboBox()
        self.upstream.addItems(sorted({*PRESETS, *self.ctx.config.upstreams}))
        self.upstream.setCurrentText("openai")
        self.upstream.currentTextChanged.connect(self._upstream_chosen)
        form.addRow("Upstream", self.upstream)
        form.addRow("Model", self.model)
        hint = QLabel(
            "Sends “Reply with the single word: ok” (at most 5 output tokens) through the proxy, "
            "using the key stored in Settings › API keys. It costs a fraction of a cent on paid APIs."
        )
        hint.setWordWrap(True)
        form.addRow(hint)
        row = QHBoxLayout()
        self.send_button = QPushButton("Send a test call")
        self.send_button.clicked.connect(self.send_test)
        self.trace_button = QPushButton("Open its trace")
        self.trace_button.setEnabled(False)
        self.trace_button.clicked.connect(self.open_trace)
        row.addWidget(self.send_button)
        row.addWidget(self.trace_button)
        row.addWidget(self.copied)
        row.addStretch()
        form.addRow(row)
        self.result = QLabel("")
        self.result.setWordWrap(True)
        form.addRow(self.result)
        return box

    def _upstream_chosen(self, name: str) -> None:
        self.model.setText(DEFAULT_MODELS.get(name, ""))

    def _sent(self, result: ProbeResult | Exception) -> None:
        self.send_button.setEnabled(True)
        if isinstance(result, Exception):
            self.result.setText(f"The test call failed: {result}")
            return
        self.last_result = result
        self.trace_button.setEnabled(result.status is not None)
        reply = f" The model said: “{result.reply}”." if result.reply else ""
        self.result.setText(result.summary + reply)
