"""The recorder process: receive exchanges, build rows, write batches, purge on schedule.

It is the only writer of ``lookout.db``. Rows are written at least every
``FLUSH_S`` seconds (records show up within 2 s of a call's end) or once a batch
is full. It stops, after flushing, on a ``stop`` message or when the engine's
end of the pipe closes (the engine died): a ``kill -9`` of either process loses
at most the unflushed batch, and SQLite's WAL keeps the file consistent.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from collections import Counter
from collections.abc import Generator
from functools import partial
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event
from typing import Any

from lookout.analysis.cost import PriceTable
from lookout.analysis.drift import load_scipy
from lookout.analysis.refusal import RefusalDetector
from lookout.core.config import Config
from lookout.core.models import CallRow, Exchange, PayloadRow
from lookout.recorder.alerting import alerter_for
from lookout.recorder.build import BuiltCall, RowBuilder
from lookout.recorder.drifting import DriftJob
from lookout.recorder.grouping import Grouper
from lookout.recorder.payload import PayloadBuilder
from lookout.redaction import KeyringUnavailable, Redactor
from lookout.store.db import open_reader, open_writer
from lookout.store.retention import PurgeResult, RetentionPolicy, iter_purge
from lookout.store.writer import CallWriter

log = logging.getLogger(__name__)

FLUSH_S = 0.25
RECORDER_NICENESS = 19
BATCH_ROWS = 500
# While more than this share of the engine's queue waits for the recorder, a flood
# is outrunning redaction: calls are stored without redacting or storing their
# bodies (0.2-0.3 ms a call instead of 4-35 ms on the dev VM) until the queue is
# back under it. Otherwise the queue would fill and drop whole calls, and with
# them their cost and tokens. A backlog under it (start-up, a burst) is redacted.
SHED_QUEUE_SHARE = 0.25
# Calls stored without bodies: (counter, the payload row's dropped_reason).
STOPPING = ("shutdown_metadata_only", "engine stopping")
BEHIND = ("backlog_metadata_only", "recorder behind")


def run_recorder(conn: Connection, config: Config, hurry: Event) -> None:
    """Body of the recorder process (spawned by :class:`RecorderLink` via ``recorder.entry``)."""
    # Ctrl-C reaches the whole process group; the engine decides when we stop,
    # so that it can flush us last.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.umask(0o077)
    lower_priority()
    logging.basicConfig(level=logging.INFO, format="lookout recorder: %(message)s")
    for chatty in ("presidio-analyzer", "presidio-anonymizer"):  # set-up chatter, and never content
        logging.getLogger(chatty).setLevel(logging.WARNING)
    Recorder(config, hurry).run(conn)


def lower_priority() -> None:
    """Run only on otherwise idle CPU time where the OS allows it.

    Redaction is deferred, CPU-hungry work: when cores are contended, the user's
    traffic (the proxy, their app, a local model) must win. The bounded queue in
    the engine absorbs bursts, and the recorder catches up when a core is free.
    """
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))  # Linux
    except (AttributeError, OSError):
        os.nice(RECORDER_NICENESS)


def payload_builder(config: Config) -> PayloadBuilder | None:
    """The redacting payload builder, or None (metadata only) if redaction can't be set up."""
    try:
        redactor = Redactor(config.redaction)
    except Exception as exc:  # fail closed: no redactor, no stored content
        log.error("redaction unavailable, storing metadata only: %s", _safe_reason(exc))
        return None
    log.info("redaction: %s", redactor.mode)
    return PayloadBuilder(redactor, config.capture, config.redaction.time_budget_s)


def _safe_reason(exc: Exception) -> str:
    # Set-up errors carry no user content (nothing has been redacted yet), but the
    # keyring message is the one worth showing; for anything else the type is enough.
    return str(exc) if isinstance(exc, KeyringUnavailable) else type(exc).__name__


class Recorder:
    def __init__(self, config: Config, hurry: Event) -> None:
        self._config = config
        self._hurry = hurry  # set by the engine when a shutdown can't wait for redaction
        self._db = open_writer(config.data_dir)
        self._writer = CallWriter(self._db)
        payloads = payload_builder(config)
        self._builder = RowBuilder(
            PriceTable.load(config.prices),
            config.proxy.capture_limit_bytes,
            payloads,
            RefusalDetector(config.drift.refusal_phrases),
        )
        self._grouper = Grouper(config.errors, payloads.redact_title if payloads else None)
        self._alerter = alerter_for(
            self._db, config.alerts, time.time(), partial(open_reader, config.data_dir)
        )
        self._policy = RetentionPolicy(
            calls_max_age_s=config.retention.calls_max_age_s,
            payloads_max_age_s=config.retention.payloads_max_age_s,
            max_db_bytes=config.retention.max_db_bytes,
        )
        self._rows: list[CallRow] = []
        self._payloads: list[PayloadRow] = []
        self._counters: Counter[str] = Counter()
        self._next_purge = 0.0  # at start-up
        self._purging: Generator[PurgeResult, None, None] | None = None
        self._purge_result: PurgeResult | None = None
        self._drift = DriftJob(config.data_dir, config.drift, self._db)
        self._backlog = 0
        self._shed_above = int(config.proxy.queue_max_records * SHED_QUEUE_SHARE)
        load_scipy()  # with the rest of start-up, not during the first drift run

    def run(self, conn: Connection) -> None:
        last_flush = time.monotonic()
        self._start_purge_if_due()  # retention runs at start-up, then every interval
        try:
            while True:
                # While a purge or a drift run is under way, don't sleep: alternate its
                # short steps with receiving and writing, so records still land within FLUSH_S.
                busy = self._purging is not None or self._drift.busy
                idle = 0.0 if busy else max(0.0, FLUSH_S - (time.monotonic() - last_flush))
                if conn.poll(idle) and not self._handle(conn.recv()):
                    break
                if time.monotonic() - last_flush >= FLUSH_S or len(self._rows) >= BATCH_ROWS:
                    self._flush()
                    last_flush = time.monotonic()
                    self._start_purge_if_due()
                    self._drift.start_if_due(time.time())
                self._purge_step()
                self._drift.step()
                if self._alerter is not None:
                    self._alerter.tick(time.time())
        except EOFError:
            log.info("engine went away; flushing and exiting")
        finally:
            self._drift.close()
            if self._purging is not None:
                self._purging.close()  # restores automatic checkpoints
            self._flush()
            if self._alerter is not None:
                self._alerter.close()
            self._writer.close()

    def _handle(self, message: tuple[str, Any]) -> bool:
        kind, payload = message
        if kind == "calls":
            for blob in payload:
                exchange = Exchange.unpacked(blob)
                shed = self._shedding()
                self._add(self._builder.build(exchange, withheld=shed[1] if shed else None))
                if shed is not None:
                    self._counters[shed[0]] += 1
        elif kind == "backlog":  # how many records wait in the engine's queue
            self._backlog = payload
        elif kind == "counters":
            self._counters.update(payload)
        return kind != "stop"

    def _shedding(self) -> tuple[str, str] | None:
        """Why the next call's bodies are skipped (STOPPING or BEHIND), or None to store them."""
        if self._hurry.is_set():  # the engine is stopping and can't wait for redaction
            return STOPPING
        return BEHIND if self._backlog > self._shed_above else None

    def _add(self, built: BuiltCall) -> None:
        self._grouper.observe(built)  # sets the row's error_group_id before it is written
        self._rows.append(built.row)
        if built.payload is not None:
            self._payloads.append(built.payload)
        if built.redaction_failed:
            self._counters["redaction_failures"] += 1

    def _flush(self) -> None:
        rows, counters = self._rows, self._counters
        if self._rows:
            with self._db.atomic():  # calls and their error groups become visible together
                self._writer.write_calls(self._rows, self._payloads)
                self._grouper.write(self._db)
            self._rows, self._payloads = [], []
        if self._counters:
            self._writer.add_counters(self._counters)
            self._counters = Counter()
        events = self._grouper.drain_events()
        if self._alerter is not None:
            self._alerter.observe(rows, events, counters, time.time())

    def _start_purge_if_due(self) -> None:
        now = time.time()
        if self._purging is None and now >= self._next_purge:
            self._next_purge = now + self._config.retention.interval_s
            self._purging = iter_purge(self._db, self._policy, now=now)

    def _purge_step(self) -> None:
        if self._purging is None:
            return
        try:
            self._purge_result = next(self._purging)
        except StopIteration:
            self._purging = None
            done = self._purge_result
            if done is not None and (done.calls_deleted or done.payloads_deleted):
                log.info(
                    "retention purge deleted %d calls, %d payloads", done.calls_deleted, done.payloads_deleted
                )
