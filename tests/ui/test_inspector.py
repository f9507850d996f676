"""The call inspector: metadata, timing, marked placeholders, chunk timeline, curl, trace and group links."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from lookout.core.clock import iso_utc, now
from lookout.store.db import open_writer
from lookout.store.writer import CallWriter
from lookout.ui.context import AppContext
from lookout.ui.curl import curl_command
from lookout.ui.json_view import HIGHLIGHT_LIMIT, JsonView, placeholders, pretty_json
from lookout.ui.timing import Phase, chunk_summary, phases
from lookout.ui.views.inspector import CallInspector, marked_placeholders
from tests.store.factories import make_payload, make_row
from tests.ui.conftest import MakeCtx, SavePng, Settle

STREAM_TIMES = [180.0, 240.5, 262.0, 301.2, 340.0, 377.7, 402.9, 455.1, 501.0, 560.3, 612.8]


@pytest.fixture
def seeded_ctx(make_ctx: MakeCtx, seeded_data_dir: Path) -> AppContext:
    started = iso_utc(now() - 30)
    rows = [
        make_row(
            id="stream",
            started_at=started,
            streamed=True,
            ttft_ms=240.5,
            latency_ms=640.0,
            cost_usd=None,
            trace_id="trace-42",
            error_group_id=None,
        ),
        make_row(
            id="failed",
            started_at=started,
            status_code=429,
            outcome="error",
            error_type="rate_limit_error",
            error_group_id="grp429",
            cost_usd=None,
        ),
        make_row(id="dropped", started_at=started),
    ]
    payloads = [
        make_payload(
            "stream",
            request_body=json.dumps(
                {
                    "messages": [
                        {"role": "user", "content": "mail <EMAIL_ADDRESS>, key ******** or <PERSON:3fa2c1d9>"}
                    ]
                }
            ),
            chunk_times=json.dumps(STREAM_TIMES),
            request_headers=json.dumps({"Content-Type": "application/json", "User-Agent": "OpenAI/Python"}),
            redactions=json.dumps({"EMAIL_ADDRESS": 1, "PERSON": 1, "API_KEY": 1}),
        ),
        make_payload("failed", response_body='{"error": {"message": "Rate limit reached"}}'),
        make_payload("dropped", request_body=None, response_body=None, dropped_reason="not sampled"),
    ]
    db = open_writer(seeded_data_dir)
    CallWriter(db).write_calls(rows, payloads)
    db.table("error_groups").insert(
        {
            "id": "grp429",
            "fingerprint": "fp",
            "title": "429 rate_limit_error on gpt-4o-mini",
            "status": "unresolved",
            "count": 17,
            "first_seen": started,
            "last_seen": started,
        }
    )
    db.close()
    return make_ctx(seeded_data_dir)


def shown(qtbot: QtBot, ctx: AppContext, settle: Settle, call_id: str) -> CallInspector:
    inspector = CallInspector(ctx)
    qtbot.addWidget(inspector)
    inspector.resize(560, 820)
    inspector.show()
    inspector.show_call(call_id)
    settle(ctx)
    return inspector


def test_a_stream_shows_metadata_timing_chunks_and_marked_placeholders(
    qtbot: QtBot, seeded_ctx: AppContext, settle: Settle, save_png: SavePng
) -> None:
    inspector = shown(qtbot, seeded_ctx, settle, "stream")
    assert inspector.detail is not None
    meta = inspector.metadata.text()
    assert "unpriced" in meta and "1,200 in" in meta and "trace-42" in meta
    assert "API_KEY ×1, EMAIL_ADDRESS ×1, PERSON ×1" in meta
    assert [p.label for p in inspector.timing._phases] == ["connect + wait", "first token", "generation"]
    assert inspector.chunks.isVisible() and "11 chunks" in inspector.chunk_text.text()
    assert marked_placeholders(inspector.detail) == ["<EMAIL_ADDRESS>", "********", "<PERSON:3fa2c1d9>"]
    assert _marked_spans(inspector.request) == ["<EMAIL_ADDRESS>", "********", "<PERSON:3fa2c1d9>"]
    assert inspector.open_trace.isEnabled() and inspector.group.isHidden()
    with qtbot.waitSignal(seeded_ctx.open_trace_requested) as signal:
        inspector.open_trace.click()
    assert signal.args == ["trace-42"]
    inspector.tabs.setCurrentIndex(0)
    save_png(inspector, "inspector-stream")


def test_an_error_links_to_its_group(
    qtbot: QtBot, seeded_ctx: AppContext, settle: Settle, save_png: SavePng
) -> None:
    inspector = shown(qtbot, seeded_ctx, settle, "failed")
    assert (
        "429 rate_limit_error on gpt-4o-mini" in inspector.group.text()
        and "17 events" in inspector.group.text()
    )
    assert not inspector.open_trace.isEnabled()
    assert "unpriced" not in inspector.metadata.text()  # a failed call is not "unpriced"
    with qtbot.waitSignal(seeded_ctx.open_group_requested) as signal:
        inspector.group.linkActivated.emit("grp429")
    assert signal.args == ["grp429"]
    inspector.tabs.setCurrentWidget(inspector.response)
    save_png(inspector, "inspector-error")


def test_a_call_without_a_body_says_why(qtbot: QtBot, seeded_ctx: AppContext, settle: Settle) -> None:
    inspector = shown(qtbot, seeded_ctx, settle, "dropped")
    assert inspector.request.toPlainText() == "No body stored for this call (not sampled)."
    assert "not stored: not sampled" in inspector.metadata.text()
    inspector.show_call("gone")
    settle(seeded_ctx)
    assert "no longer stored" in inspector.placeholder.text() and inspector._body.isHidden()


def test_copy_as_curl_holds_the_redacted_body_and_no_key(
    qtbot: QtBot, seeded_ctx: AppContext, settle: Settle
) -> None:
    inspector = shown(qtbot, seeded_ctx, settle, "stream")
    inspector.copy_curl.click()
    command = QGuiApplication.clipboard().text()
    port = seeded_ctx.config.proxy.port
    assert command.startswith(f"curl -sS http://127.0.0.1:{port}/openai/v1/chat/completions")
    assert '-H "Authorization: Bearer $OPENAI_API_KEY"' in command
    assert "<EMAIL_ADDRESS>" in command and "User-Agent" not in command


def test_curl_uses_each_providers_auth_header_and_quotes_the_body() -> None:
    call = {"upstream": "anthropic", "endpoint": "/v1/messages", "method": "POST"}
    command = curl_command(call, '{"text": "it\'s $HOME `id`"}', "http://127.0.0.1:8787")
    assert '-H "x-api-key: $ANTHROPIC_API_KEY"' in command
    # Single-quoted: the shell expands nothing inside the body.
    assert '--data-raw \'{"text":"it\'"\'"\'s $HOME `id`"}\'' in command
    get = curl_command({"upstream": "mylab", "endpoint": "/v1/models", "method": "GET"}, None, "http://h:1")
    assert get == 'curl -sS http://h:1/mylab/v1/models \\\n  -H "Authorization: Bearer $MYLAB_API_KEY"'


def test_phases_follow_what_was_measured() -> None:
    assert phases(None, None, None) == []
    assert phases(500.0, None, None) == [Phase("response", 0.0, 500.0)]
    assert phases(500.0, None, 200.0) == [
        Phase("to first token", 0.0, 200.0),
        Phase("generation", 200.0, 500.0),
    ]
    assert phases(500.0, 150.0, 200.0) == [
        Phase("connect + wait", 0.0, 150.0),
        Phase("first token", 150.0, 200.0),
        Phase("generation", 200.0, 500.0),
    ]
    assert chunk_summary([10.0, 30.0, 80.0]) == "3 chunks · median gap 35 ms · longest gap 50 ms"


def test_json_view_pretty_prints_and_leaves_huge_bodies_plain(qtbot: QtBot) -> None:
    view = JsonView()
    qtbot.addWidget(view)
    assert pretty_json('{"a":[1,2]}') == '{\n  "a": [\n    1,\n    2\n  ]\n}'
    assert pretty_json("not json <EMAIL_ADDRESS>") == "not json <EMAIL_ADDRESS>"
    assert placeholders("x <IP_ADDRESS> (***) ***-**** <lower>") == ["<IP_ADDRESS>", "***", "***", "****"]
    huge = json.dumps({"text": "word <EMAIL_ADDRESS> " * (HIGHLIGHT_LIMIT // 10)})
    view.show_text(huge, "empty")
    assert view._highlighter.document() is None  # shown plain: highlighting it would block the GUI
    view.show_text('{"a": "<EMAIL_ADDRESS>"}', "empty")
    qtbot.waitUntil(lambda: _marked_spans(view) == ["<EMAIL_ADDRESS>"], timeout=2000)  # highlighted on idle


def _marked_spans(view: JsonView) -> list[str]:
    """The texts the highlighter gave the placeholder format (bold, tinted background)."""
    spans = []
    block = view.document().begin()
    while block.isValid():
        for fmt in block.layout().formats():
            if fmt.format.background().style().value != 0:
                spans.append(block.text()[fmt.start : fmt.start + fmt.length])
        block = block.next()
    return spans
