"""Benchmark: every view of the main window on a generated 1 M-call database.

For each view and time range (24 h and 30 d) it switches to the view, lets its
off-thread queries finish and deliver, and reports the longest GUI-thread block
(wall and the GUI thread's own CPU, budget 50 ms) and how long the view took
to show fresh data (its queries' wall time, budget 200 ms per view, though they
never block input). The database is the one :mod:`tests.ui.bench_ui` uses, with
what a running recorder keeps besides the calls: the hourly rollup, and the
latest hourly drift run (stored as of now, each time the bench starts).

Run::

    python -m tests.ui.bench_views                  # generates /tmp/lookout-bench-1m once
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings

from lookout.core.config import Config
from lookout.core.drift_config import DriftSettings
from lookout.core.memory import freeze_long_lived_objects
from lookout.store import rollup
from lookout.store.db import database_path, open_writer
from lookout.ui.app import application
from lookout.ui.context import AppContext, TimeRange
from lookout.ui.window import MainWindow
from tests.store.bench_drift import store_run_now
from tests.ui.bench_ui import GUI_BUDGET_MS, Heartbeat, pump
from tests.ui.bigdb import generate

RANGES = ("24h", "30d")


def prepare(data_dir: Path, calls: int) -> None:
    if not database_path(data_dir).exists():
        generate(data_dir, calls=calls, end=time.time())
    db = open_writer(data_dir)
    if not db.execute("SELECT count(*) FROM call_rollup").fetchone()[0]:
        with db.atomic():
            rollup.rebuild(db)
    db.close()
    # What a running recorder keeps: its latest hourly drift run, as of now.
    store_run_now(data_dir, DriftSettings())


def measure_views(
    data_dir: Path, only: list[str] | None = None
) -> list[tuple[str, str, float, float, float]]:
    """(view, range, worst wall ms, worst GUI CPU ms, ms until the view's data arrived)."""
    app = application()
    QSettings().clear()
    ctx = AppContext(Config(data_dir=data_dir))
    window = MainWindow(ctx)
    window.resize(1440, 900)
    window.show()
    freeze_long_lived_objects()  # as run_app does
    pump(app, ctx, 1.0)
    beat = Heartbeat()
    results = []
    # Change the range from a view without reads, so that every view measured is
    # stale and refreshes once when shown, as when a user switches to it.
    window.show_view("settings")
    ctx.set_time_range(TimeRange("15m"))
    for time_range in RANGES:
        window.show_view("settings")
        ctx.set_time_range(TimeRange(time_range))
        pump(app, ctx)
        for key in window.views:
            if key in ("settings", "connect") or (only and key not in only):
                continue  # no database reads of note, or not asked for
            with beat.watching():
                started = time.perf_counter()
                window.show_view(key)
                pump(app, ctx)
                ready_ms = (time.perf_counter() - started) * 1000
                pump(app, ctx, 0.3)
            results.append((key, time_range, beat.worst_ms, beat.worst_cpu_ms, ready_ms))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/lookout-bench-1m"))
    parser.add_argument("--views", nargs="+", metavar="KEY", help="only these views, e.g. cost drift")
    args = parser.parse_args(argv)
    prepare(args.data_dir, args.calls)
    rows = measure_views(args.data_dir, args.views)
    print(f"Per view on {args.calls:,} calls (load average {os.getloadavg()[0]:.1f}):")
    print(f"  {'view':<12} {'range':>5} {'block wall':>11} {'GUI CPU':>8} {'data in':>8}")
    for key, time_range, wall, cpu, ready in rows:
        verdict = "ok" if cpu <= GUI_BUDGET_MS else "OVER"
        print(f"  {key:<12} {time_range:>5} {wall:9.0f}ms {cpu:6.0f}ms {ready:6.0f}ms  {verdict}")
    return 1 if any(cpu > GUI_BUDGET_MS for *_, cpu, _ in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
