"""Benchmark: what alert evaluation costs the recorder's writer connection.

Fills a database with 1 M calls at 20 calls/s (the recorder's design rate, so
the 15-minute window holds 18 k calls and the last hour 72 k) with error groups
on the failures, then times, with a warm cache:

* start-up: seeding the in-memory windows from the last hour of calls;
* a regular tick (window rules, group spikes, consecutive failures, lifecycle);
* a tick that also runs the once-a-minute rules (spend over the last hour, drift);
* the hourly baseline scan over 7 days (here: the whole table), with and
  without learned latency thresholds. It runs on a background reader in the
  recorder, so it never holds the writer.

Run: ``python -m tests.recorder.bench_alerting``
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from sqlite_utils import Database

from lookout.core.alerts_config import AlertsSettings
from lookout.core.clock import iso_utc
from lookout.recorder import alerting
from lookout.recorder.alerting import Alerter
from lookout.store.alert_inputs import baselines
from lookout.store.db import open_writer
from tests.store.factories import NOW, bulk_insert_traffic, mixed_calls

CALLS = 1_000_000
RATE = 20.0


def timed(action: Callable[[], object], repeat: int) -> list[float]:
    laps = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        laps.append((time.perf_counter() - started) * 1000)
    return laps


def fill(data_dir: Path) -> Database:
    db = open_writer(data_dir)
    bulk_insert_traffic(str(data_dir / "lookout.db"), CALLS, start=NOW - CALLS / RATE, step_s=1 / RATE)
    # One group per failing model, on the failures of the last hour.
    db.execute(
        "UPDATE calls SET error_group_id = 'g-' || model WHERE outcome = 'error' AND started_at >= ?",
        [iso_utc(NOW - 3600)],
    )
    db.conn.commit()
    return db


def report(label: str, laps: list[float]) -> None:
    print(f"{label:<48} median {statistics.median(laps):7.1f} ms   max {max(laps):7.1f} ms")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        db = fill(Path(tmp))
        print(f"{CALLS:,} calls at {RATE:g}/s inserted in {time.perf_counter() - started:.0f} s")
        settings = AlertsSettings()
        seeding = timed(lambda: Alerter(db, settings, NOW), 3)
        report("start-up: seed windows from the last hour", seeding)
        alerter = Alerter(db, settings, NOW)
        alerter.tick(NOW)  # first tick: baselines inline, slow rules, opens alerts
        clock = iter(NOW + 5 * (i + 1) for i in range(10_000))
        slow_every = int(alerting.SLOW_EVERY_S // settings.tick_s)

        batch = list(mixed_calls(int(RATE * settings.tick_s), end=NOW + 5, span_s=settings.tick_s))

        def fast_tick() -> None:
            at = next(clock)
            alerter.observe(batch, [], {}, at)  # the tick's worth of new calls
            alerter.tick(at)

        laps = timed(fast_tick, 3 * slow_every)
        fast = [lap for i, lap in enumerate(laps) if (i + 1) % slow_every]
        slow = [lap for i, lap in enumerate(laps) if not (i + 1) % slow_every]
        report("tick (every 5 s)", fast)
        report("tick with spend + drift (every minute)", slow)
        week = {"since_iso": iso_utc(NOW - settings.baseline_s), "until_iso": iso_utc(NOW - 3600)}
        for learn in (False, True):
            label = "baselines, 7 days" + (" with learned p95s" if learn else "") + " (background reader)"
            report(label, timed(partial(baselines, db, percentiles=learn, **week), 3))
        print(f"alerts written: {db.execute('SELECT count(*) FROM alerts').fetchone()[0]}")
        db.close()


if __name__ == "__main__":
    main()
