"""The app's engine: attach to a running ``lookout serve`` for our data dir, or start one.

On :meth:`EngineMonitor.start` the proxy's ``/_lookout/status`` on the configured
port is probed. If it answers for the same data dir, the app attaches to it; if
nothing listens, ``lookout serve`` is started as a child process (its own session,
output to ``<data dir>/engine.log``); if another Lookout or another program holds
the port, the app says so and starts nothing. The status is then polled every
couple of seconds for the status bar and the tray: listening address, calls per
minute, recorder backlog, dropped payloads, capture paused.

Every probe runs on a worker thread with a short timeout, so a stuck engine can
never freeze the window. When the engine dies the status says so (with the last
line of the engine's log when it was ours) and :meth:`EngineMonitor.restart`
starts a new one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot

from lookout.core.config import Config

State = Literal["starting", "running", "dead", "conflict"]
PROBE_TIMEOUT_S = 1.0
START_TIMEOUT_S = 60.0  # the recorder loads Presidio on first start
RATE_WINDOW_S = 60.0
LOG_NAME = "engine.log"
# Loopback only, and never through an HTTP(S)_PROXY from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True, slots=True)
class EngineStatus:
    """What the status bar and the tray show."""

    state: State
    url: str
    owned: bool = False  # the app started this engine (and stops it on quit)
    paused: bool = False
    calls_per_min: float | None = None
    backlog: int | None = None
    dropped_payloads: int = 0
    dropped_records: int = 0
    message: str = ""

    @property
    def alive(self) -> bool:
        return self.state == "running"


@dataclass(frozen=True, slots=True)
class Probe:
    """One look at the port: ``status`` when a Lookout answered, else why not."""

    status: dict[str, Any] | None
    refused: bool = False  # nothing listens there
    problem: str = ""


def probe(url: str, timeout_s: float = PROBE_TIMEOUT_S) -> Probe:
    """GET ``url/_lookout/status``; never raises."""
    try:
        with _OPENER.open(f"{url}/_lookout/status", timeout=timeout_s) as response:
            body = json.loads(response.read())
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, ConnectionRefusedError):
            return Probe(None, refused=True)
        return Probe(None, problem=f"no answer from {url} ({exc.reason})")
    except (OSError, ValueError) as exc:  # timeouts, resets, HTML or garbage
        return Probe(None, problem=f"{url} is not a Lookout engine ({type(exc).__name__})")
    if not isinstance(body, dict) or "lookout" not in body:
        return Probe(None, problem=f"another program is listening on {url}")
    return Probe(body)


def post_capture(url: str, paused: bool, timeout_s: float = PROBE_TIMEOUT_S) -> Probe:
    """Pause or resume recording on the engine at ``url``; never raises."""
    request = urllib.request.Request(
        f"{url}/_lookout/capture",
        data=json.dumps({"paused": paused}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with _OPENER.open(request, timeout=timeout_s) as response:
            return Probe(json.loads(response.read()))
    except (OSError, ValueError) as exc:
        return Probe(None, problem=f"could not reach the engine ({type(exc).__name__})")


def serve_command(config: Config, config_file: str | None = None) -> list[str]:
    """The ``lookout serve`` command line for this config, run by this Python."""
    command = [sys.executable, "-m", "lookout.cli", "serve", "--data-dir", str(config.data_dir)]
    command += ["--host", config.proxy.host, "--port", str(config.proxy.port)]
    if config_file:
        command += ["--config", config_file]
    return command


class _Job(QRunnable):
    def __init__(self, work: Callable[[], None]) -> None:
        super().__init__()
        self._work = work

    def run(self) -> None:
        self._work()


class EngineMonitor(QObject):
    """Attaches to or starts the engine, and keeps :attr:`status` current."""

    status_changed = Signal(object)  # EngineStatus
    _probed = Signal(object)  # Probe, from the worker thread

    def __init__(
        self,
        config: Config,
        *,
        config_file: str | None = None,
        poll_ms: int = 2000,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._config = config
        self._config_file = config_file
        host = config.proxy.host
        self.url = f"http://{f'[{host}]' if ':' in host else host}:{config.proxy.port}"
        self._data_dir = str(config.data_dir.resolve())
        self._child: subprocess.Popen[bytes] | None = None
        self._started_at = 0.0
        self._in_flight = False
        self._samples: deque[tuple[float, int]] = deque()
        self.status = EngineStatus("starting", self.url, message=f"Looking for the engine on {self.url}…")
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._probed.connect(self._on_probe)
        self._stopped = False
        self._timer = QTimer(self)
        self._timer.setInterval(poll_ms)
        self._timer.timeout.connect(self.poll)

    @property
    def child_pid(self) -> int | None:
        """The pid of the engine the app started, while it runs."""
        return self._child.pid if self._child is not None and self._child.poll() is None else None

    @property
    def log_path(self) -> Path:
        return Path(self._data_dir) / LOG_NAME

    def start(self) -> None:
        """Probe now, then every ``poll_ms``; starts an engine if none is listening."""
        self._stopped = False
        self._timer.start()
        self.poll()

    def restart(self) -> None:
        """Start a new engine after the old one died (or attach if one is back)."""
        self._child = None
        self._set(EngineStatus("starting", self.url, message=f"Starting the engine on {self.url}…"))
        self.poll()

    def set_paused(self, paused: bool) -> None:
        """Pause or resume recording (the proxy keeps forwarding)."""
        url = self.url
        self._pool.start(_Job(lambda: self._probed.emit(post_capture(url, paused))))

    def stop(self) -> None:
        """Stop polling; ask an engine the app started to stop (it flushes, then exits by itself)."""
        self._stopped = True  # a probe still out must not start an engine after this
        self._timer.stop()
        if self._child is not None and self._child.poll() is None:
            self._child.terminate()  # SIGTERM: graceful, flushes every queued record

    def wait_stopped(self, timeout_s: float) -> bool:
        """Wait for a child engine to exit after :meth:`stop` (tests, and quitting with no tray)."""
        if self._child is None:
            return True
        try:
            self._child.wait(timeout_s)
        except subprocess.TimeoutExpired:
            return False
        return True

    @Slot()
    def poll(self) -> None:
        if self._in_flight:
            return  # a slow probe is still out: never queue a second one behind it
        self._in_flight = True
        url = self.url
        self._pool.start(_Job(lambda: self._probed.emit(probe(url))))

    @Slot(object)
    def _on_probe(self, result: Probe) -> None:
        self._in_flight = False
        if self._stopped:
            return
        if result.status is not None:
            self._on_status(result.status)
        elif result.refused:
            self._on_nothing_listening()
        elif self._starting_child() or self.status.state == "running":
            pass  # still binding its port, or one slow answer under load: look again next poll
        else:
            self._set(EngineStatus("conflict", self.url, message=result.problem + ": choose another port"))

    def _on_status(self, body: dict[str, Any]) -> None:
        data_dir = body.get("data_dir")
        if data_dir is not None and data_dir != self._data_dir:
            self._set(
                EngineStatus(
                    "conflict",
                    self.url,
                    message=f"Another Lookout on {self.url} records to {data_dir}: "
                    "stop it, or give this one another port",
                )
            )
            return
        stats = {k: v for k, v in body.items() if isinstance(v, int) and not isinstance(v, bool)}
        status = EngineStatus(
            "running",
            self.url,
            owned=self.child_pid is not None,
            paused=bool(body.get("paused")),
            calls_per_min=self._rate(stats.get("forwarded")),
            backlog=stats.get("queued"),
            dropped_payloads=stats.get("dropped_payloads", 0),
            dropped_records=stats.get("dropped_records", 0),
        )
        self._set(replace(status, message=describe(status)))

    def _on_nothing_listening(self) -> None:
        if self._child is not None and self._child.poll() is not None:
            code = self._child.returncode
            last = self._last_log_line()
            self._set(EngineStatus("dead", self.url, message=f"The engine stopped (exit code {code}){last}"))
        elif self._starting_child():
            if time.monotonic() - self._started_at > START_TIMEOUT_S:
                self._set(
                    EngineStatus("dead", self.url, message=f"The engine did not start; see {self.log_path}")
                )
        elif self.status.state in ("running", "dead"):
            self._set(EngineStatus("dead", self.url, message=f"The engine on {self.url} stopped responding"))
        else:
            self._spawn()

    def _starting_child(self) -> bool:
        return self._child is not None and self._child.poll() is None and self.status.state == "starting"

    def _spawn(self) -> None:
        Path(self._data_dir).mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as log:
            self._child = subprocess.Popen(
                serve_command(self._config, self._config_file),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C meant for the app must not kill it mid-flush
            )
        self._started_at = time.monotonic()
        self._samples.clear()
        self._set(
            EngineStatus("starting", self.url, owned=True, message=f"Starting the engine on {self.url}…")
        )

    def _rate(self, forwarded: int | None) -> float | None:
        if forwarded is None:
            return None
        now = time.monotonic()
        if self._samples and forwarded < self._samples[-1][1]:
            self._samples.clear()  # a new engine: its counter restarted
        self._samples.append((now, forwarded))
        while now - self._samples[0][0] > RATE_WINDOW_S:
            self._samples.popleft()
        first_t, first_n = self._samples[0]
        if now - first_t < 1.0:
            return None
        return (forwarded - first_n) / (now - first_t) * 60.0

    def _last_log_line(self) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return f": {lines[-1].strip()}" if lines else ""

    def _set(self, status: EngineStatus) -> None:
        if status != self.status:
            self.status = status
            self.status_changed.emit(status)


def describe(status: EngineStatus) -> str:
    """The status bar's one-line summary of a running engine."""
    address = status.url.removeprefix("http://")
    parts = [f"Proxy on {address}"]
    if status.calls_per_min is not None:
        parts.append(f"{status.calls_per_min:.0f} calls/min")
    if status.backlog is not None:
        parts.append(f"backlog {status.backlog}")
    parts.append(f"{status.dropped_payloads} payloads dropped")
    if status.dropped_records:
        parts.append(f"{status.dropped_records} records dropped")
    if status.paused:
        parts.append("capture paused")
    return " · ".join(parts)
