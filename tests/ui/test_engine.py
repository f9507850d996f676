"""The app's engine: start one, attach to one, notice when it dies, restart it, never hang."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from lookout.core.config import Config, ProxySettings
from lookout.ui.engine import EngineMonitor, EngineStatus, describe, probe, serve_command

START_MS = 60_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def config_for(data_dir: Path, port: int) -> Config:
    return Config(data_dir=data_dir, proxy=ProxySettings(port=port))


@pytest.fixture
def monitors(qtbot: QtBot) -> Iterator[list[EngineMonitor]]:
    made: list[EngineMonitor] = []
    yield made
    for monitor in made:
        monitor.stop()
        assert monitor.wait_stopped(30), "the engine did not stop on SIGTERM"


@pytest.fixture
def external_engine(tmp_path: Path) -> Iterator[Config]:
    """A ``lookout serve`` the app did not start (as if run in a terminal)."""
    config = config_for(tmp_path / "external", free_port())
    process = subprocess.Popen(serve_command(config), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{config.proxy.port}"
    deadline = time.monotonic() + START_MS / 1000
    try:
        while probe(url).status is None:  # up before the app looks for it
            assert process.poll() is None and time.monotonic() < deadline, "lookout serve did not start"
            time.sleep(0.1)
        yield config
    finally:
        process.terminate()
        process.wait(30)


def wait_for(qtbot: QtBot, monitor: EngineMonitor, state: str, timeout: int = START_MS) -> EngineStatus:
    qtbot.waitUntil(lambda: monitor.status.state == state, timeout=timeout)
    return monitor.status


def test_starts_an_engine_pauses_it_and_restarts_it_after_it_dies(
    qtbot: QtBot, tmp_path: Path, monitors: list[EngineMonitor]
) -> None:
    config = config_for(tmp_path / "data", free_port())
    monitor = EngineMonitor(config, poll_ms=100)
    monitors.append(monitor)
    monitor.start()
    status = wait_for(qtbot, monitor, "running")
    assert status.owned and monitor.child_pid is not None
    assert status.backlog == 0 and status.dropped_payloads == 0
    assert "Proxy on 127.0.0.1:" in status.message
    answer = probe(monitor.url).status
    assert answer is not None and answer["data_dir"] == str(config.data_dir.resolve())
    assert (config.data_dir / "engine.log").stat().st_mode & 0o777 == 0o600

    monitor.set_paused(True)
    qtbot.waitUntil(lambda: monitor.status.paused, timeout=5000)
    assert "capture paused" in monitor.status.message

    os.kill(monitor.child_pid, signal.SIGKILL)
    dead = wait_for(qtbot, monitor, "dead", timeout=10_000)
    assert "The engine stopped (exit code -9)" in dead.message

    monitor.restart()
    again = wait_for(qtbot, monitor, "running")
    assert again.owned and not again.paused  # a new engine records again


def test_attaches_to_an_engine_it_did_not_start_and_leaves_it_running(
    qtbot: QtBot, external_engine: Config, monitors: list[EngineMonitor]
) -> None:
    monitor = EngineMonitor(external_engine, poll_ms=100)
    monitors.append(monitor)
    monitor.start()
    status = wait_for(qtbot, monitor, "running")
    assert not status.owned and monitor.child_pid is None
    monitor.stop()
    assert probe(monitor.url).status is not None  # quitting the app left it running


def test_another_lookouts_port_is_a_conflict_not_a_second_engine(
    qtbot: QtBot, tmp_path: Path, external_engine: Config, monitors: list[EngineMonitor]
) -> None:
    other = EngineMonitor(replace(external_engine, data_dir=tmp_path / "other"), poll_ms=100)
    monitors.append(other)
    other.start()
    status = wait_for(qtbot, other, "conflict", timeout=10_000)
    assert "records to" in status.message and str(external_engine.data_dir.resolve()) in status.message
    assert other.child_pid is None


class _NotLookout(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<html>hello</html>")

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_a_port_held_by_another_program_is_reported(
    qtbot: QtBot, tmp_path: Path, monitors: list[EngineMonitor]
) -> None:
    server = HTTPServer(("127.0.0.1", 0), _NotLookout)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monitor = EngineMonitor(config_for(tmp_path / "data", server.server_address[1]), poll_ms=100)
        monitors.append(monitor)
        monitor.start()
        status = wait_for(qtbot, monitor, "conflict", timeout=10_000)
        assert monitor.child_pid is None
        monitor.stop()  # before the port frees up: a free port would rightly get an engine
    finally:
        server.shutdown()
    assert "not a Lookout engine" in status.message or "another program" in status.message


def test_a_port_that_never_answers_does_not_block_the_gui_thread(
    qtbot: QtBot, tmp_path: Path, monitors: list[EngineMonitor]
) -> None:
    # Accepts connections but never replies: the probe times out on its worker thread.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        monitor = EngineMonitor(config_for(tmp_path / "data", silent.getsockname()[1]), poll_ms=100)
        monitors.append(monitor)
        monitor.start()  # returns at once
        assert monitor.status.state == "starting"
        status = wait_for(qtbot, monitor, "conflict", timeout=10_000)
    assert "no answer" in status.message or "not a Lookout" in status.message


def test_the_summary_line_names_everything_the_status_bar_promises() -> None:
    status = EngineStatus(
        "running",
        "http://127.0.0.1:8787",
        calls_per_min=42.4,
        backlog=3,
        dropped_payloads=2,
        dropped_records=1,
        paused=True,
    )
    assert describe(status) == (
        "Proxy on 127.0.0.1:8787 · 42 calls/min · backlog 3 · 2 payloads dropped · 1 records dropped"
        " · capture paused"
    )


def test_a_probe_answered_after_stop_starts_nothing(
    qtbot: QtBot, tmp_path: Path, monitors: list[EngineMonitor]
) -> None:
    monitor = EngineMonitor(config_for(tmp_path / "data", free_port()), poll_ms=60_000)
    monitors.append(monitor)
    monitor.poll()  # a probe is out (nothing listens, so it would start an engine)...
    monitor.stop()  # ...and the app quits before it comes back
    qtbot.wait(1500)
    assert monitor.child_pid is None
