"""Aggregates benchmark: every view query over 15 m … 30 d on a 1M-call database, and the writer's
rollup cost.

Not collected by pytest (the file name does not start with ``test_``). Run:

    PYTHONPATH=app:. python -m tests.store.bench_aggregates [--rows 1000000] [--keep DIR]

Budget (design.md section 5): one view's queries under 200 ms with 1M calls.
The database holds ``--rows`` mixed calls spread over the 30 days before
``NOW``; the rollup is built by the migration's backfill, which is timed too.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from lookout.store import rollup
from lookout.store.db import database_path, open_reader, open_writer
from lookout.store.rollup_cells import SOURCE_COLUMNS
from lookout.store.writer import CallWriter
from lookout.ui.views.cost import cost_data
from lookout.ui.views.overview import overview_data
from lookout.ui.views.performance import performance_data
from tests.store.factories import NOW, bulk_insert, mixed_calls

DAY = 86_400.0
RANGES = (("15m", 900.0), ("1h", 3600.0), ("24h", DAY), ("7d", 7 * DAY), ("30d", 30 * DAY))
# The queries each view runs on a refresh: the views' own data functions.
VIEWS: dict[str, Callable[[Database, float, float], Any]] = {
    "overview (kpis + previous, rates, groups, alerts)": lambda db, s, e: overview_data(db, s, e),
    "performance (series, histograms)": lambda db, s, e: performance_data(db, s, e),
    "cost (spend, usage, unpriced, projection)": lambda db, s, e: cost_data(db, s, e, utc_offset_s=0.0),
}


def build(data_dir: Path, rows: int) -> None:
    open_writer(data_dir).close()
    started = time.perf_counter()
    bulk_insert(str(database_path(data_dir)), mixed_calls(rows, end=NOW, span_s=30 * DAY))
    print(f"generated {rows} calls in {time.perf_counter() - started:.1f} s")
    db = open_writer(data_dir)
    started = time.perf_counter()
    with db.atomic():
        rollup.rebuild(db)
    hours = db.execute("SELECT count(*) FROM call_rollup").fetchone()[0]
    print(f"rollup backfill (the migration's): {hours} rows in {time.perf_counter() - started:.1f} s")
    db.close()


def bench_views(data_dir: Path, repeats: int) -> None:
    db = open_reader(data_dir)
    # Ranges end 17 s past the hour, like a live "last 24 h": partial edge hours come from calls.
    end = NOW + 17
    for view, query in VIEWS.items():
        figures = []
        for label, span in RANGES:
            times = []
            for _ in range(repeats):
                started = time.perf_counter()
                query(db, end - span, end)
                times.append((time.perf_counter() - started) * 1000)
            figures.append(f"{label} {statistics.median(times):.0f}")
        print(f"{view:45} median ms: {', '.join(figures)}")
    db.close()


def bench_writer(data_dir: Path, batches: int = 10) -> None:
    """1000-row and 10-row batches into the full database, and the rollup's share of each."""
    writer = CallWriter(open_writer(data_dir))
    for size in (1000, 10):
        total, rollup_part = [], []
        for b in range(batches):
            rows = list(mixed_calls(size, end=NOW + (b + 1) * 60, span_s=60, seed=100 + b))
            rows = [replace(row, id=f"bench-{size}-{b}-{i}") for i, row in enumerate(rows)]
            started = time.perf_counter()
            writer.write_calls(rows)
            total.append((time.perf_counter() - started) * 1000)
            values = [tuple(getattr(row, c) for c in SOURCE_COLUMNS) for row in rows]
            started = time.perf_counter()
            with writer.db.atomic():
                rollup.record(writer.db.conn, values, values)  # add and take back: net zero
            rollup_part.append((time.perf_counter() - started) * 1000 / 2)
        print(
            f"write_calls, {size}-row batches: median {statistics.median(total):.1f} ms, "
            f"of which rollup ~{statistics.median(rollup_part):.1f} ms"
        )
    writer.db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="reuse/keep the database in this directory")
    args = parser.parse_args()
    data_dir = args.keep or Path(tempfile.mkdtemp(prefix="lookout-bench-agg-"))
    try:
        if not database_path(data_dir).exists():
            build(data_dir, args.rows)
        bench_views(data_dir, args.repeats)
        scratch = Path(tempfile.mkdtemp(prefix="lookout-bench-agg-write-"))
        shutil.copy(database_path(data_dir), database_path(scratch))
        try:
            bench_writer(scratch)
        finally:
            shutil.rmtree(scratch)
    finally:
        if args.keep is None:
            shutil.rmtree(data_dir)


if __name__ == "__main__":
    main()
