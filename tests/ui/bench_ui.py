"""Benchmark: the Calls view and its queries on a generated 1 M-call database.

Budgets (design.md §5, issue 6): no GUI-thread block over 50 ms while scrolling,
filtering, searching, streaming in new rows or inspecting; each view's queries
under 200 ms.

The GUI thread is watched by a 1 ms heartbeat timer: the longest gap between two
beats, less the interval, is the longest time input would have waited. Query
times are measured directly on a reader connection.

Run::

    python -m tests.ui.bench_ui                  # generates /tmp/lookout-bench-1m once
    python -m tests.ui.bench_ui --calls 200000 --data-dir /tmp/small
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QElapsedTimer, Qt, QTimer
from PySide6.QtWidgets import QApplication

from lookout.core.clock import iso_utc
from lookout.core.config import Config
from lookout.store import browse
from lookout.store.db import database_path, open_reader, open_writer
from lookout.store.writer import CallWriter
from lookout.ui.app import application
from lookout.ui.context import AppContext, TimeRange
from lookout.ui.views.calls import CallsView
from tests.store.factories import make_payload, make_row
from tests.ui.bigdb import generate

GUI_BUDGET_MS = 50.0
QUERY_BUDGET_MS = 200.0


class Heartbeat:
    """Measures the longest stall of the GUI thread's event loop.

    ``worst_ms`` is wall time between two beats, less the interval: what input
    would have waited, including time the OS gave to other processes.
    ``worst_cpu_ms`` is the GUI thread's own CPU time in that gap: the work that
    caused the stall, which on a busy machine is the figure to hold to budget.
    """

    def __init__(self) -> None:
        self._timer = QTimer()
        self._timer.setInterval(1)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._beat)
        self._clock = QElapsedTimer()
        self._last = 0
        self._last_cpu = 0.0
        self.worst_ms = 0.0
        self.worst_cpu_ms = 0.0

    def _beat(self) -> None:
        now, cpu = self._clock.elapsed(), time.thread_time()
        self.worst_ms = max(self.worst_ms, now - self._last - 1)
        self.worst_cpu_ms = max(self.worst_cpu_ms, (cpu - self._last_cpu) * 1000)
        self._last, self._last_cpu = now, cpu

    @contextmanager
    def watching(self) -> Iterator[None]:
        self.worst_ms = self.worst_cpu_ms = 0.0
        self._clock.start()
        self._last, self._last_cpu = 0, time.thread_time()
        self._timer.start()
        try:
            yield
        finally:
            self._timer.stop()


def pump(app: QApplication, ctx: AppContext, seconds: float = 0.0) -> None:
    """Let the event loop run (queries finish and deliver) without blocking it."""
    deadline = time.monotonic() + seconds
    while True:
        app.processEvents()
        idle = ctx.wait_idle(1)
        if idle and time.monotonic() >= deadline:
            app.processEvents()
            return
        time.sleep(0.001)


def gui_scenarios(data_dir: Path) -> dict[str, tuple[float, float]]:
    """Longest GUI-thread block per interaction on the Calls view: (wall ms, GUI-thread CPU ms)."""
    app = application()
    ctx = AppContext(Config(data_dir=data_dir))
    ctx.set_time_range(TimeRange("30d"))
    view = CallsView(ctx)
    view.resize(1400, 860)
    view.show()
    beat = Heartbeat()
    results: dict[str, tuple[float, float]] = {}

    def measure(name: str, action: Callable[[], None], settle_s: float = 0.3) -> None:
        with beat.watching():
            action()
            pump(app, ctx, settle_s)
        results[name] = (beat.worst_ms, beat.worst_cpu_ms)

    measure("open (first page)", view.refresh)
    bar = view.table.verticalScrollBar()

    def scroll() -> None:
        for _ in range(25):  # ~25 pages: each reaches the end and fetches the next
            bar.setValue(bar.maximum())
            pump(app, ctx, 0.02)

    measure("scroll 25 pages", scroll)
    measure("filter model", lambda: view.model_box.setCurrentIndex(view.model_box.findText("gpt-4o")))
    measure("filter outcome", lambda: view.outcome.setCurrentIndex(view.outcome.findText("error")))
    measure("filter status 5xx", lambda: view.status.setCurrentText("5xx"))
    for box in (view.model_box, view.outcome):
        box.setCurrentIndex(0)
    view.status.setCurrentText("")
    pump(app, ctx, 0.3)

    def search(text: str) -> Callable[[]]:
        def run() -> None:
            view.search.setText(text)
            view.apply_filters()

        return run

    measure("search common word", search("refund"))
    measure("search rare number", search("500005"))
    measure(
        "search + model filter", lambda: view.model_box.setCurrentIndex(view.model_box.findText("o4-mini"))
    )
    view.search.clear()
    view.model_box.setCurrentIndex(0)
    view.apply_filters()
    pump(app, ctx, 0.3)
    bar.setValue(30 * 22)  # reading a bit down the list
    _write_new_rows(data_dir, 500)
    measure("500 new rows stream in", lambda: view.refresh(), settle_s=0.5)

    def inspect() -> None:
        for row in range(0, 40, 2):
            view.table.selectRow(row)
            pump(app, ctx, 0.01)

    measure("inspect 20 calls", inspect)
    view.close()
    ctx.wait_idle(5000)
    return results


def _write_new_rows(data_dir: Path, count: int) -> None:
    db = open_writer(data_dir)
    t = time.time()
    rows = [make_row(id=f"bench-new-{t:.0f}-{i}", started_at=iso_utc(t + i / 1000)) for i in range(count)]
    payloads = [make_payload(row.id, created_at=row.started_at) for row in rows]
    CallWriter(db).write_calls(rows, payloads)
    db.close()


def query_times(data_dir: Path, repeat: int = 5) -> dict[str, float]:
    """Median time (ms) of each Calls-view query on a reader connection."""
    db = open_reader(data_dir)
    now = time.time()
    month = iso_utc(now - 30 * 86400)
    day = iso_utc(now - 86400)
    first = browse.calls_page(db, browse.CallFilter(since_iso=month))
    cases: dict[str, Callable[[], Any]] = {
        "page, 30 d": lambda: browse.calls_page(db, browse.CallFilter(since_iso=month)),
        "page 2, 30 d": lambda: browse.calls_page(
            db, browse.CallFilter(since_iso=month), after=first.rows[-1].key, upto=first.snapshot
        ),
        "page, model + outcome": lambda: browse.calls_page(
            db, browse.CallFilter(since_iso=month, model="gpt-4o", outcome="error")
        ),
        "page, status 5xx, 24 h": lambda: browse.calls_page(
            db, browse.CallFilter(since_iso=day, status="5xx")
        ),
        "search common word": lambda: browse.calls_page(
            db, browse.CallFilter(since_iso=month, search="refund")
        ),
        "search, 24 h": lambda: browse.calls_page(db, browse.CallFilter(since_iso=day, search="refund")),
        "search + rare filters": lambda: browse.calls_page(
            db, browse.CallFilter(search="refund", model="o4-mini", outcome="upstream_timeout")
        ),
        "new rows since snapshot": lambda: browse.calls_recorded_since(
            db, browse.CallFilter(), first.snapshot - 1000
        ),
        "call detail": lambda: browse.call_detail(db, first.rows[0].id),
        "filter choices": lambda: [browse.distinct_values(db, c) for c in ("upstream", "model", "outcome")],
        "data signature (poll)": lambda: browse.data_signature(db),
    }
    times: dict[str, float] = {}
    for name, run in cases.items():
        samples = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            run()
            samples.append((time.perf_counter() - t0) * 1000)
        times[name] = statistics.median(samples)
    db.close()
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/lookout-bench-1m"))
    parser.add_argument("--format", choices=("table", "json"), default="table")
    args = parser.parse_args(argv)
    if not database_path(args.data_dir).exists():
        t0 = time.perf_counter()
        generate(args.data_dir, calls=args.calls, end=time.time())
        print(f"generated {args.calls:,} calls in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    queries = query_times(args.data_dir)
    gui = gui_scenarios(args.data_dir)
    load = os.getloadavg()[0]
    if args.format == "json":
        report = {"queries_ms": queries, "gui_block_ms": gui, "load_average": load, "cpus": os.cpu_count()}
        print(json.dumps(report, indent=2))
    else:
        print(f"Queries (median ms, budget {QUERY_BUDGET_MS:.0f}):")
        for name, ms in queries.items():
            print(f"  {name:<28} {ms:8.1f}  {'ok' if ms <= QUERY_BUDGET_MS else 'OVER'}")
        print(f"Longest GUI-thread block (ms, budget {GUI_BUDGET_MS:.0f}; load average {load:.1f}):")
        print(f"  {'':<28} {'wall':>8} {'GUI CPU':>8}")
        for name, (wall, cpu) in gui.items():
            print(f"  {name:<28} {wall:8.1f} {cpu:8.1f}  {'ok' if cpu <= GUI_BUDGET_MS else 'OVER'}")
    over = any(ms > QUERY_BUDGET_MS for ms in queries.values()) or any(
        cpu > GUI_BUDGET_MS for _, cpu in gui.values()
    )
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
