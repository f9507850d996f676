"""``lookout doctor``: what this installation is doing, and what needs fixing, in plain words.

Each check returns a :class:`Finding`. Nothing here contacts the network except
the configured proxy address on loopback, to see whether Lookout already runs.
"""

from __future__ import annotations

import platform
import socket
import stat
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from lookout import __version__
from lookout.core.config import Config
from lookout.proxy.routing import Router

Status = Literal["ok", "warn", "info"]


@dataclass(frozen=True, slots=True)
class Finding:
    check: str
    status: Status
    detail: str


def run_checks(config: Config) -> list[Finding]:
    checks: list[Callable[[Config], Finding]] = [
        _versions,
        _data_dir,
        _database,
        _proxy_port,
        _upstreams,
        _keychain,
        _redaction,
    ]
    return [check(config) for check in checks]


def _versions(config: Config) -> Finding:
    try:
        import uvloop  # noqa: F401

        loop = "uvloop"
    except ImportError:
        loop = "asyncio (uvloop not installed)"
    return Finding("version", "info", f"lookout {__version__}, Python {platform.python_version()}, {loop}")


def _data_dir(config: Config) -> Finding:
    path = config.data_dir
    if not path.exists():
        return Finding("data dir", "info", f"{path} (created on first `lookout serve` or `lookout demo`)")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        return Finding("data dir", "warn", f"{path} is mode {mode:o}; run `chmod 700 {path}`")
    return Finding("data dir", "ok", f"{path} (mode 700)")


def _database(config: Config) -> Finding:
    from lookout.store.db import open_reader
    from lookout.store.queries import count_calls, counters
    from lookout.store.schema import schema_version

    if not config.db_path.exists():
        return Finding("database", "info", "no database yet")
    db = open_reader(config.data_dir)
    counts = counters(db)
    trouble = {k: v for k, v in counts.items() if v and k in _TROUBLE_COUNTERS}
    detail = f"{count_calls(db)} calls, schema v{schema_version(db)}"
    if trouble:
        listed = ", ".join(f"{name} {value}" for name, value in sorted(trouble.items()))
        return Finding("database", "warn", f"{detail}; {listed}")
    return Finding("database", "ok", detail)


_TROUBLE_COUNTERS = {
    "dropped_records",
    "dropped_payloads",
    "backlog_metadata_only",
    "recorder_restarts",
    "redaction_failures",
}


def _proxy_port(config: Config) -> Finding:
    host, port = config.proxy.host, config.proxy.port
    try:
        with socket.create_connection((host, port), timeout=0.5):
            pass
    except OSError:
        return Finding("proxy", "info", f"nothing listens on {host}:{port}; start it with `lookout serve`")
    return Finding("proxy", "ok", f"something listens on {host}:{port} (a running `lookout serve`?)")


def _upstreams(config: Config) -> Finding:
    router = Router(config.upstreams)
    custom = ", ".join(f"{name}={url}" for name, url in sorted(config.upstreams.items()))
    return Finding(
        "upstreams", "info", f"{len(router.names)} configured" + (f"; yours: {custom}" if custom else "")
    )


def _keychain(config: Config) -> Finding:
    from lookout.keys.vault import backend_name, backend_problem

    problem = backend_problem()
    if problem is not None:
        return Finding("keychain", "warn", problem)
    return Finding("keychain", "ok", f"keys for `lookout keys` go to {backend_name()}")


def _redaction(config: Config) -> Finding:
    from lookout.redaction import Redactor

    redactor = Redactor(config.redaction)
    status: Status = "ok" if config.redaction.ner_model is None or "NER" in redactor.mode else "warn"
    return Finding("redaction", status, redactor.mode)
