"""Engine side of the hand-off to the recorder process: a bounded queue, a sender
thread, and supervision of the recorder (restarted whenever it dies).

The proxy calls :meth:`RecorderLink.submit` on its event loop; it never blocks.
When the queue is over its byte budget, bodies are dropped first (metadata is
kept); when it is over its record budget, the record is dropped. Every drop is
counted and the counts are written to the database's ``counters`` table.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import threading
import time
from collections import Counter
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from lookout.core.config import Config
from lookout.core.models import Exchange
from lookout.recorder.entry import recorder_main

log = logging.getLogger(__name__)

# Records arrive already packed (``Exchange.packed``); sending a batch still copies
# it under the GIL in one C call, so batches stay small to keep that stall short.
_BATCH = 64
_DRAIN_S = 0.05
PIPE_BYTES = 1024 * 1024


class RecorderLink:
    """Bounded, non-blocking queue from the proxy to a supervised recorder process."""

    def __init__(self, config: Config) -> None:
        self._config = config
        self._max_records = config.proxy.queue_max_records
        self._max_bytes = config.proxy.queue_max_body_bytes
        # (packed exchange, body bytes counted against the budget); None asks the thread to stop
        self._queue: queue.SimpleQueue[tuple[bytes, int] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._pending = 0
        self._pending_bytes = 0
        self._counts: Counter[str] = Counter()  # reported to the recorder, then reset
        self._totals: Counter[str] = Counter()  # since start, for the status endpoint
        self._ctx = multiprocessing.get_context("spawn")
        self._hurry = self._ctx.Event()
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None
        self._thread = threading.Thread(target=self._run, name="lookout-recorder-link", daemon=True)

    def start(self) -> None:
        self._spawn()
        self._thread.start()

    def submit(self, exchange: Exchange) -> None:
        """Queue a finished exchange. Never blocks; drops (and counts) when full."""
        size = len(exchange.request_body) + len(exchange.response_body)
        with self._lock:
            if self._pending >= self._max_records:
                self._count("dropped_records")
                return
            if self._pending_bytes + size > self._max_bytes:
                _strip_bodies(exchange)
                size = 0
                self._count("dropped_payloads")
            self._pending += 1
            self._pending_bytes += size
        self._queue.put((exchange.packed(), size))

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {"queued": self._pending, **self._totals}

    def close(self, timeout: float = 10.0) -> bool:
        """Flush everything queued, stop the recorder; True when it all went through.

        If the recorder is still busy half-way through ``timeout`` (a backlog of
        redaction work), it is told to hurry: the rest is stored as metadata only,
        so the records are kept even though their bodies are not.
        """
        self._queue.put(None)
        self._thread.join(timeout)
        process = self._process
        if process is not None:
            process.join(max(0.1, timeout / 2))
            if process.is_alive():
                self._hurry.set()
                process.join(max(0.1, timeout / 2))
            if process.is_alive():
                process.terminate()
                return False
        return not self._thread.is_alive()

    def _count(self, name: str, n: int = 1) -> None:
        self._counts[name] += n
        self._totals[name] += n

    def _spawn(self) -> None:
        parent, child = self._ctx.Pipe(duplex=False)
        process = self._ctx.Process(
            target=recorder_main,
            args=(parent, self._config, self._hurry),
            name="lookout-recorder",
            daemon=False,
        )
        process.start()
        parent.close()
        _widen_pipe(child)
        self._process, self._conn = process, child

    def _run(self) -> None:
        while True:
            batch, stopping = self._next_batch()
            if batch:
                self._deliver(("calls", [blob for blob, _ in batch]))
                with self._lock:
                    self._pending -= len(batch)
                    self._pending_bytes -= sum(size for _, size in batch)
                    backlog = self._pending
                self._deliver(("backlog", backlog))  # the recorder sheds load on a deep queue
            self._report_counts()
            if stopping:
                self._deliver(("stop", None))
                return
            if not batch:
                self._ensure_alive()

    def _next_batch(self) -> tuple[list[tuple[bytes, int]], bool]:
        # Wake on a timer, not per record: a wake-up per call would make this
        # thread contend for the GIL with the proxy's event loop on every request.
        if self._queue.qsize() < _BATCH:
            time.sleep(_DRAIN_S)
        batch: list[tuple[bytes, int]] = []
        while len(batch) < _BATCH:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is None:
                return batch, True
            batch.append(item)
        return batch, False

    def _report_counts(self) -> None:
        with self._lock:
            if not self._counts:
                return
            counts, self._counts = dict(self._counts), Counter()
        self._deliver(("counters", counts))

    def _deliver(self, message: tuple[str, Any]) -> None:
        """Send to the recorder, restarting it as often as needed (with a pause)."""
        while True:
            self._ensure_alive()
            assert self._conn is not None
            try:
                self._conn.send(message)
                return
            except (BrokenPipeError, EOFError, OSError):
                log.warning("recorder pipe broke; restarting the recorder")
                time.sleep(0.2)

    def _ensure_alive(self) -> None:
        if self._process is not None and self._process.is_alive():
            return
        exit_code = self._process.exitcode if self._process is not None else None
        log.warning("recorder process exited (code %s); restarting it", exit_code)
        if self._conn is not None:
            self._conn.close()
        with self._lock:
            self._count("recorder_restarts")
        self._spawn()


def _widen_pipe(conn: Connection) -> None:
    """Ask for a 1 MiB pipe buffer (Linux) instead of 64 KiB.

    While the recorder lags, every few KiB it drains would wake this thread to
    write more, and each wake-up takes the GIL from the proxy's event loop for up
    to a switch interval (5 ms): that showed as tens of ms on streamed chunks' p99.
    Bigger writes, far fewer wake-ups.
    """
    try:
        import fcntl

        fcntl.fcntl(conn.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        pass  # not Linux, or over /proc/sys/fs/pipe-max-size: the default still works


def _strip_bodies(exchange: Exchange) -> None:
    exchange.request_body = b""
    exchange.response_body = b""
    exchange.request_truncated = exchange.request_bytes > 0
    exchange.response_truncated = exchange.response_bytes > 0
    exchange.chunk_marks = []
