"""What every view shares: the config, the selected time range, and off-thread queries.

Views never touch SQLite on the GUI thread. They hand a store query (a function
of a read-only :class:`~sqlite_utils.Database`) to :meth:`AppContext.run`; it runs
on a worker thread with that thread's own reader connection, and the result comes
back to the GUI thread through a queued signal. Only the newest request per key
is delivered, so a slow query can never overwrite a fresher one.

Example::

    ctx.run("calls-count", lambda db: count_calls(db, since_iso=since), self._show_count)
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot
from sqlite_utils import Database

from lookout.core.clock import iso_utc, now, parse_duration
from lookout.core.config import Config, default_config_file
from lookout.store.db import open_reader

T = TypeVar("T")

PRESET_RANGES = ("15m", "1h", "24h", "7d", "30d")


@dataclass(frozen=True, slots=True)
class TimeRange:
    """A preset (``15m`` … ``30d``, ending now) or a custom ``[start, end)`` in epoch seconds."""

    preset: str | None = "24h"
    start: float | None = None
    end: float | None = None

    def bounds(self, at: float | None = None) -> tuple[float, float]:
        """The range as epoch seconds ``(start, end)``, presets measured back from ``at``."""
        if self.preset is None and self.start is not None and self.end is not None:
            return self.start, self.end
        end = now() if at is None else at
        return end - parse_duration(self.preset or "24h"), end

    def iso_bounds(self, at: float | None = None) -> tuple[str, str]:
        start, end = self.bounds(at)
        return iso_utc(start), iso_utc(end)

    def previous(self, at: float | None = None) -> tuple[float, float]:
        """The period of the same length just before this one, for "vs previous" figures."""
        start, end = self.bounds(at)
        return start - (end - start), start

    @property
    def label(self) -> str:
        return self.preset or "custom"


class _Relay(QObject):
    # Lives on the GUI thread; emitting from a worker queues the call there.
    done = Signal(object, int, object, object)  # key, generation, callback, result


class _Job(QRunnable):
    def __init__(self, work: Callable[[], None]) -> None:
        super().__init__()
        self._work = work

    def run(self) -> None:
        self._work()


class AppContext(QObject):
    """Shared state and services for views. Create one per main window."""

    time_range_changed = Signal()
    data_changed = Signal()  # the poll found new data; visible views refresh
    query_failed = Signal(str, str)  # key, message (the window shows it in the status bar)
    # Cross-view navigation; the window switches view and forwards the id.
    navigate_requested = Signal(str)  # view key, e.g. "connect" from an empty state
    open_call_requested = Signal(str)  # call id -> the call inspector
    open_trace_requested = Signal(str)  # trace or session id -> the traces view
    open_group_requested = Signal(str)  # error group id -> the errors view

    def __init__(
        self, config: Config, config_file: str | Path | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.config = config
        # The file the settings and rules editors write: `--config FILE`, else the default.
        self.config_file = Path(config_file).expanduser() if config_file else default_config_file()
        self._range = TimeRange()
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(2)
        self._local = threading.local()
        self._generations: dict[str, int] = {}
        self._counter = itertools.count(1)
        self._relay = _Relay(self)
        self._relay.done.connect(self._deliver)

    @property
    def time_range(self) -> TimeRange:
        return self._range

    def set_time_range(self, time_range: TimeRange) -> None:
        if time_range != self._range:
            self._range = time_range
            self.time_range_changed.emit()

    def run(self, key: str, query: Callable[[Database], T], done: Callable[[T], None]) -> None:
        """Run ``query`` off the GUI thread; call ``done(result)`` on it if still the newest for ``key``."""
        generation = next(self._counter)
        self._generations[key] = generation

        def work() -> None:
            try:
                result: Any = query(self._reader())
            except Exception as exc:  # shown to the user; store queries hold no raw content
                result = exc
            self._relay.done.emit(key, generation, done, result)

        self._pool.start(_Job(work))

    def wait_idle(self, timeout_ms: int = 5000) -> bool:
        """Block until queued queries finish (tests and shutdown)."""
        return self._pool.waitForDone(timeout_ms)

    def _reader(self) -> Database:
        db: Database | None = getattr(self._local, "db", None)
        if db is None:
            db = open_reader(self.config.data_dir)
            self._local.db = db
        return db

    @Slot(object, int, object, object)
    def _deliver(self, key: str, generation: int, done: Callable[[Any], None], result: Any) -> None:
        if self._generations.get(key) != generation:
            return  # a newer request for the same key is on its way
        if isinstance(result, Exception):
            self.query_failed.emit(key, str(result))
            return
        done(result)
