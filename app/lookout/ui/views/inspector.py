"""The call inspector: everything stored about one call, beside the Calls table.

Metadata, a timing bar (connect + wait, first token, generation), the chunk
timeline of a stream, the redacted request and response as highlighted JSON
with redaction placeholders marked, the allowed headers, and the call's error
group. "Copy as curl" puts a key-free command on the clipboard; "Open trace"
and the error group link navigate through the context's signals.
"""

from __future__ import annotations

import html
import json
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from lookout.store.browse import CallDetail, call_detail
from lookout.ui import theme
from lookout.ui.context import AppContext
from lookout.ui.curl import curl_command
from lookout.ui.json_view import JsonView, placeholders
from lookout.ui.models.calls import dollars, local_time, milliseconds
from lookout.ui.timing import ChunkTimeline, TimingBar, chunk_summary, phases

NO_BODY = "No body stored for this call{reason}."


class CallInspector(QWidget):
    """Shows one call; :meth:`show_call` loads it off the GUI thread."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.detail: CallDetail | None = None
        self._call_id: str | None = None
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.copy_curl = QPushButton("Copy as curl")
        self.copy_curl.setToolTip(
            "The redacted request as a curl command through the proxy, with no key in it"
        )
        self.copy_curl.clicked.connect(self._copy_curl)
        self.open_trace = QPushButton("Open trace")
        self.open_trace.clicked.connect(self._open_trace)
        self.group = QLabel()
        self.group.setTextFormat(Qt.TextFormat.RichText)
        self.group.linkActivated.connect(self.ctx.open_group_requested.emit)
        self.metadata = QLabel()
        self.metadata.setTextFormat(Qt.TextFormat.RichText)
        self.metadata.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.metadata.setWordWrap(True)
        self.timing = TimingBar()
        self.chunks = ChunkTimeline()
        self.chunk_text = QLabel()
        self.request = JsonView()
        self.response = JsonView()
        self.headers = JsonView()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.request, "Request")
        self.tabs.addTab(self.response, "Response")
        self.tabs.addTab(self.headers, "Headers")
        self.placeholder = QLabel("Select a call to inspect it.")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._body = QWidget()
        self._layout()
        self._show_empty()
        theme.watcher().changed.connect(self._restyle)

    def _layout(self) -> None:
        buttons = QHBoxLayout()
        buttons.addWidget(self.title, 1)
        buttons.addWidget(self.copy_curl)
        buttons.addWidget(self.open_trace)
        body = QVBoxLayout(self._body)
        body.setContentsMargins(0, 0, 0, 0)
        body.addLayout(buttons)
        body.addWidget(self.group)
        body.addWidget(self.metadata)
        body.addWidget(self.timing)
        body.addWidget(self.chunks)
        body.addWidget(self.chunk_text)
        body.addWidget(self.tabs, 1)
        outer = QVBoxLayout(self)
        outer.addWidget(self.placeholder)
        outer.addWidget(self._body)

    def _restyle(self, _palette: theme.Palette) -> None:
        self._render()

    @property
    def call_id(self) -> str | None:
        return self._call_id

    def show_call(self, call_id: str) -> None:
        """Load and show the call with this id."""
        self._call_id = call_id
        self.ctx.run("inspector", lambda db: call_detail(db, call_id), self._on_detail)

    def clear(self) -> None:
        self._call_id = None
        self.detail = None
        self._show_empty()

    def _on_detail(self, detail: CallDetail | None) -> None:
        self.detail = detail
        if detail is None:
            self._show_empty("This call is no longer stored (retention removed it).")
            return
        self._render()

    def _show_empty(self, text: str = "Select a call to inspect it.") -> None:
        self.placeholder.setText(text)
        self.placeholder.show()
        self._body.hide()

    def _render(self) -> None:
        detail = self.detail
        if detail is None:
            return
        call, payload = detail.call, detail.payload or {}
        p = theme.palette()
        color = p.outcome_color(call["outcome"])
        status = call["status_code"] if call["status_code"] is not None else "no response"
        self.title.setText(
            f"<b>{_e(call['model'] or 'unknown model')}</b> · {_e(call['upstream'])} · "
            f"{_e(call['operation'] or call['endpoint'])} · "
            f"<span style='color:{color}'><b>{_e(status)} {_e(call['outcome'])}</b></span>"
        )
        self.open_trace.setEnabled(bool(call["trace_id"] or call["session_id"]))
        self.group.setText(_group_link(detail, p))
        self.group.setVisible(bool(call["error_group_id"]))
        self.metadata.setText(metadata_html(call, payload))
        first_byte = detail.chunk_times[0] if detail.chunk_times else None
        self.timing.set_phases(phases(call["latency_ms"], first_byte, call["ttft_ms"]))
        self.chunks.set_chunks(detail.chunk_times, call["ttft_ms"], call["latency_ms"])
        self.chunk_text.setText(chunk_summary(detail.chunk_times) if call["streamed"] else "")
        self.chunk_text.setVisible(bool(call["streamed"]))
        reason = f" ({payload['dropped_reason']})" if payload.get("dropped_reason") else ""
        self.request.show_text(payload.get("request_body"), NO_BODY.format(reason=reason))
        self.response.show_text(payload.get("response_body"), NO_BODY.format(reason=reason))
        self.headers.show_text(headers_json(payload), "No headers stored for this call.")
        self.placeholder.hide()
        self._body.show()

    def curl(self) -> str | None:
        """The "Copy as curl" command for the shown call."""
        if self.detail is None:
            return None
        proxy = self.ctx.config.proxy
        payload = self.detail.payload or {}
        return curl_command(
            self.detail.call, payload.get("request_body"), f"http://{proxy.host}:{proxy.port}"
        )

    def _copy_curl(self) -> None:
        command = self.curl()
        if command is not None:
            QGuiApplication.clipboard().setText(command)

    def _open_trace(self) -> None:
        if self.detail is not None:
            call = self.detail.call
            ident = call["trace_id"] or call["session_id"]
            if ident:
                self.ctx.open_trace_requested.emit(ident)


def metadata_html(call: dict[str, Any], payload: dict[str, Any]) -> str:
    """The metadata table: only stored, redacted values; unknowns as "—"."""
    tokens = [
        ("in", call["input_tokens"]),
        ("out", call["output_tokens"]),
        ("cached", call["cached_tokens"]),
        ("reasoning", call["reasoning_tokens"]),
    ]
    cost = call["cost_usd"]
    rows = [
        ("Started", local_time(call["started_at"]).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]),
        ("Endpoint", f"{call['method']} {call['endpoint']}"),
        ("Provider", call["provider"]),
        ("Response model", call["response_model"]),
        ("Streamed", "yes" if call["streamed"] else "no"),
        ("Latency / TTFT", f"{milliseconds(call['latency_ms'])} / {milliseconds(call['ttft_ms'])}"),
        ("Finish reason", call["finish_reason"]),
        ("Tokens", " · ".join(f"{n:,} {label}" for label, n in tokens if n is not None) or None),
        ("Cost", dollars(cost) if cost is not None else ("unpriced" if call["outcome"] == "ok" else None)),
        ("Bytes", f"{call['request_bytes']:,} sent · {call['response_bytes']:,} received"),
        ("Trace", call["trace_id"]),
        ("Session", call["session_id"]),
        ("Error", " · ".join(str(v) for v in (call["error_type"], call["error_code"]) if v) or None),
        ("Error message", call.get("error_message")),
        ("Redacted", redaction_text(payload.get("redactions"))),
        ("Body", _body_note(payload)),
    ]
    cells = "".join(
        f"<tr><td style='padding-right:12px'><b>{_e(name)}</b></td><td>{_e(value)}</td></tr>"
        for name, value in rows
        if value not in (None, "")
    )
    return f"<table>{cells}</table>"


def redaction_text(raw: str | None) -> str | None:
    """``{"EMAIL_ADDRESS": 2}`` as "EMAIL_ADDRESS ×2"; None when nothing was redacted."""
    try:
        counts = json.loads(raw) if raw else {}
    except ValueError:
        return None
    return ", ".join(f"{entity} ×{count}" for entity, count in sorted(counts.items())) or None


def headers_json(payload: dict[str, Any]) -> str | None:
    """Request and response headers (allow-listed and redacted) as one JSON object."""
    parts = {}
    for name in ("request_headers", "response_headers"):
        try:
            parts[name.replace("_", " ")] = json.loads(payload[name]) if payload.get(name) else None
        except ValueError:
            parts[name.replace("_", " ")] = payload[name]
    if not any(parts.values()):
        return None
    return json.dumps(parts)


def marked_placeholders(detail: CallDetail) -> list[str]:
    """Every placeholder the inspector marks in the shown bodies (for tests and the summary)."""
    payload = detail.payload or {}
    text = (payload.get("request_body") or "") + (payload.get("response_body") or "")
    return placeholders(text)


def _body_note(payload: dict[str, Any]) -> str | None:
    if not payload:
        return "not stored"
    notes = []
    if payload.get("dropped_reason"):
        notes.append(f"not stored: {payload['dropped_reason']}")
    if payload.get("truncated"):
        notes.append("truncated at the capture limit")
    return "; ".join(notes) or None


def _group_link(detail: CallDetail, p: theme.Palette) -> str:
    group_id = detail.call["error_group_id"]
    if not group_id:
        return ""
    group = detail.group
    if group is None:
        return f"Error group <a href='{_e(group_id)}' style='color:{p.accent}'>{_e(group_id)}</a>"
    return (
        f"Error group: <a href='{_e(group_id)}' style='color:{p.accent}'>{_e(group['title'])}</a> "
        f"· {group['count']:,} events · {_e(group['status'])}"
    )


def _e(value: object) -> str:
    return html.escape(str(value))
