"""The Connect view: snippets carry the real port and work, and the test call goes through the proxy."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import keyring
import pytest
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from lookout.core.config import Config, ProxySettings
from lookout.keys import vault
from lookout.ui.connect_snippets import snippets
from lookout.ui.context import AppContext
from lookout.ui.views.connect import ConnectView
from tests.helpers import all_providers_at
from tests.keys.conftest import CANARY, MemoryKeyring
from tests.ui.conftest import SavePng, Settle
from tests.ui.servers import fake_provider_in_thread, proxy_in_thread

RUNNABLE = ("OpenAI", "Anthropic", "Gemini")


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    vault.refresh()
    yield
    keyring.set_keyring(previous)
    vault.refresh()


@pytest.fixture
def ctx_on_port(qtbot: QtBot, empty_data_dir: Path) -> Iterator[list[AppContext]]:
    made: list[AppContext] = []
    yield made
    for ctx in made:
        ctx.wait_idle()


def _view(qtbot: QtBot, made: list[AppContext], data_dir: Path, port: int) -> ConnectView:
    ctx = AppContext(Config(data_dir=data_dir, proxy=ProxySettings(port=port)))
    made.append(ctx)
    view = ConnectView(ctx)
    qtbot.addWidget(view)
    view.resize(1100, 760)
    view.show()
    return view


def test_every_snippet_has_the_real_port_and_python_ones_parse() -> None:
    for snippet in snippets(9911):
        assert "127.0.0.1:9911/" in snippet.code, snippet.title
        assert "{" not in snippet.code or snippet.language != "shell" or "-d '" in snippet.code
        if snippet.language == "python":
            ast.parse(snippet.code)
    assert [s.title for s in snippets(1)] == [
        "OpenAI", "Anthropic", "Gemini", "LangChain", "LlamaIndex", "Vercel AI SDK", "curl",
        "Environment variables",
    ]  # fmt: skip


def test_the_sdk_snippets_run_through_a_real_proxy(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.setenv(name, "test-key")
    with fake_provider_in_thread() as fake, proxy_in_thread(all_providers_at(fake.base_url)) as proxy:
        port = urlsplit(proxy.base_url).port
        assert port is not None
        for snippet in snippets(port):
            if snippet.title in RUNNABLE:
                exec(compile(snippet.code, snippet.title, "exec"), {})
        paths = {path for _method, path in fake.requests}
    assert "/v1/chat/completions" in paths
    assert "/v1/messages" in paths
    assert any(path.endswith(":generateContent") for path in paths)
    assert len([line for line in capsys.readouterr().out.splitlines() if line.strip()]) >= 3


def test_send_a_test_call_goes_through_the_proxy_with_the_stored_key(
    qtbot: QtBot, ctx_on_port: list[AppContext], empty_data_dir: Path, settle: Settle, save_png: SavePng
) -> None:
    vault.set_key("openai", CANARY)
    with fake_provider_in_thread() as fake, proxy_in_thread(all_providers_at(fake.base_url)) as proxy:
        port = urlsplit(proxy.base_url).port
        assert port is not None
        view = _view(qtbot, ctx_on_port, empty_data_dir, port)
        view.send_test()
        assert view.worker.wait()
        settle(view.ctx)
        record = proxy.records[0]

    assert view.result.text().startswith("HTTP 200 in ")
    assert "The model said:" in view.result.text()
    assert CANARY not in view.result.text()
    assert record.upstream == "openai" and record.path == "/v1/chat/completions"
    assert view.last_result is not None and record.trace_id == view.last_result.trace_id
    with qtbot.waitSignal(view.ctx.open_trace_requested) as opened:
        view.trace_button.click()
    assert opened.args == [record.trace_id]
    view.tabs.setCurrentIndex(0)
    view.copy_current()
    assert f"127.0.0.1:{port}/openai/v1" in QGuiApplication.clipboard().text()
    save_png(view, "connect")


def test_a_test_call_without_a_running_proxy_says_so(
    qtbot: QtBot, ctx_on_port: list[AppContext], empty_data_dir: Path, settle: Settle
) -> None:
    view = _view(qtbot, ctx_on_port, empty_data_dir, 9)  # the discard port: nothing listens
    view.upstream.setCurrentText("anthropic")
    assert view.model.text() == "claude-3-5-haiku-latest"

    view.send_test()
    assert view.worker.wait()
    settle(view.ctx)

    assert "did not answer on port 9" in view.result.text()
    assert not view.trace_button.isEnabled()
