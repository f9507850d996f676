"""The recorder's hourly drift job: a snapshot row per active unit and metric.

The job computes on a read-only connection of its own, one unit per step, and
the recorder steps it between its flushes (as it does retention purges), so
calls keep landing within the flush interval while drift is computed. No write
transaction is open while it reads and computes; the results go in at the end
in one short transaction on the writer connection, together with the deletion
of snapshots older than ``[drift] keep``.

A run is due ``[drift] interval`` after the last stored one (at start-up too,
so restarts neither skip nor repeat runs). A failing run is logged by error
type only and given up until the next interval: drift never stops recording.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Generator
from dataclasses import dataclass

from sqlite_utils import Database

from lookout.analysis.drift import Thresholds
from lookout.analysis.drift_metrics import compare_unit
from lookout.core.clock import iso_utc, parse_iso
from lookout.core.drift_config import DriftSettings
from lookout.store.db import open_reader
from lookout.store.drift import (
    DEFAULT_BASELINE,
    last_computed_at,
    resolve_windows,
    snapshot_rows,
    write_snapshots,
)
from lookout.store.drift_windows import UnitDrift, Windows, active_units, window_rows

log = logging.getLogger(__name__)


@dataclass(slots=True)
class DriftRun:
    """Progress of one run, as the steps go."""

    units: int = 0
    done: int = 0
    snapshots: int = 0
    write_ms: float = 0.0  # how long the one write transaction held the lock


def drift_run(
    writer: Database, reader: Database, settings: DriftSettings, *, now: float
) -> Generator[DriftRun, None, None]:
    """Compute drift for every active unit at ``now``, in short steps, then store it.

    Yields after listing the units, after reading each window of each unit,
    after comparing each unit, and after the write: a step is one query or one
    unit's statistics. Between steps nothing is open on ``writer``, so the caller
    may write on it.
    """
    run = DriftRun()
    windows = _windows(reader, settings, now)
    units = active_units(reader, windows)
    run.units = len(units)
    yield run
    results: list[UnitDrift] = []
    thresholds = Thresholds.of(settings)
    for unit, _ in units:
        baseline = window_rows(
            reader, unit, windows.baseline_from, windows.baseline_to, max_rows=settings.max_samples
        )
        yield run
        current = window_rows(
            reader, unit, windows.current_from, windows.current_to, max_rows=settings.max_samples
        )
        yield run
        metrics = compare_unit(baseline.columns, current.columns, thresholds)
        results.append(UnitDrift(unit, windows, baseline, current, metrics))
        run.done += 1
        yield run
    rows = snapshot_rows(iso_utc(now), results)
    started = time.perf_counter()
    write_snapshots(writer, rows, keep_since=iso_utc(now - settings.keep_s))
    run.write_ms = (time.perf_counter() - started) * 1000
    run.snapshots = len(rows)
    yield run


class DriftJob:
    """Starts a :func:`drift_run` when one is due and steps it; the recorder owns the loop.

    >>> job = DriftJob(data_dir, config.drift, writer_db)  # doctest: +SKIP
    >>> job.start_if_due(time.time()); job.step()           # doctest: +SKIP
    """

    def __init__(self, data_dir: str | os.PathLike[str], settings: DriftSettings, writer: Database) -> None:
        self._data_dir = data_dir
        self._settings = settings
        self._writer = writer
        self._next_due: float | None = None
        self._reader: Database | None = None
        self._steps: Generator[DriftRun, None, None] | None = None
        self.last: DriftRun | None = None

    @property
    def busy(self) -> bool:
        """Whether a run is under way (the recorder then steps instead of sleeping)."""
        return self._steps is not None

    def start_if_due(self, now: float) -> None:
        if self._steps is not None or now < self._due(now):
            return
        self._next_due = now + self._settings.interval_s
        try:
            self._reader = open_reader(self._data_dir)
        except Exception as exc:  # the database was just created by this recorder; say why, move on
            log.warning("drift: cannot read the database: %s", type(exc).__name__)
            return
        self._steps = drift_run(self._writer, self._reader, self._settings, now=now)

    def step(self) -> None:
        """Advance the run by one unit; finishing it stores the snapshots."""
        if self._steps is None:
            return
        try:
            self.last = next(self._steps)
        except StopIteration:
            done = self.last
            if done is not None:
                log.info("drift: %d snapshots for %d units", done.snapshots, done.units)
            self.close()
        except Exception as exc:  # statistics on odd data must never stop the recording
            log.error("drift run failed (%s); trying again next interval", type(exc).__name__)
            self.close()

    def close(self) -> None:
        """Abandon a run under way (nothing of it is stored) and release its connection."""
        if self._steps is not None:
            self._steps.close()
            self._steps = None
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def _due(self, now: float) -> float:
        if self._next_due is None:
            last = last_computed_at(self._writer)
            self._next_due = parse_iso(last) + self._settings.interval_s if last else now
        return self._next_due


def _windows(reader: Database, settings: DriftSettings, now: float) -> Windows:
    try:
        return resolve_windows(reader, now=now, current_s=settings.current_s, baseline=settings.baseline)
    except ValueError:  # a pinned baseline that was unpinned: keep going on the default
        log.warning("drift: baseline %r not found, using %s", settings.baseline, DEFAULT_BASELINE)
        return resolve_windows(reader, now=now, current_s=settings.current_s)
