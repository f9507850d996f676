"""Benchmark: a report over 1 M calls and 30 days (budget: under 10 s).

Run ``python -m tests.report.bench_report [--calls N]``.

The calls are the mixed workload of the aggregates benchmark (8 models over 4
upstreams, text, embedding and image operations, ~5 % failures, half the text
calls streamed), inserted directly and the hourly rollup rebuilt, as the writer
would have kept it; then the report is built and written in every format. The
data dir is a temporary one, removed at the end.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from lookout.core.config import Config
from lookout.report.data import build_report
from lookout.report.model import Report, ReportOptions
from lookout.report.write import write_report
from lookout.store import rollup
from lookout.store.db import database_path, open_reader, open_writer
from tests.store.factories import NOW, bulk_insert, mixed_calls

DAYS = 30


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    calls = parser.parse_args().calls
    with tempfile.TemporaryDirectory(prefix="lookout-bench-report-") as scratch:
        data_dir = Path(scratch)
        fill(data_dir, calls)
        report = timed_build(data_dir, calls)
        for fmt in ("md", "json", "html", "pdf"):
            started = time.perf_counter()
            write_report(report, fmt, data_dir / f"report.{fmt}")  # type: ignore[arg-type]
            print(f"  write {fmt}: {time.perf_counter() - started:.2f} s")
        started = time.perf_counter()
        write_report(report, "csv", data_dir / "calls.csv", table="calls")
        elapsed = time.perf_counter() - started
        print(f"  write csv --table calls ({calls:,} rows, every text re-redacted): {elapsed:.2f} s")


def fill(data_dir: Path, calls: int) -> None:
    started = time.perf_counter()
    writer = open_writer(data_dir)
    bulk_insert(str(database_path(data_dir)), mixed_calls(calls, end=NOW, span_s=DAYS * 86_400.0))
    with writer.atomic():  # as the migration does: one transaction, committed
        rollup.rebuild(writer)
    writer.close()
    print(f"generated {calls:,} calls and their rollup in {time.perf_counter() - started:.0f} s")


def timed_build(data_dir: Path, calls: int) -> Report:
    db = open_reader(data_dir)
    started = time.perf_counter()
    report = build_report(db, ReportOptions.last(f"{DAYS}d", at=NOW, generated_at=NOW), Config(data_dir))
    print(f"build_report over {calls:,} calls, {DAYS} days: {time.perf_counter() - started:.2f} s")
    db.close()
    counted = sum(row.calls for row in report.latency.models)
    assert counted == calls, f"the report counts {counted:,} calls, not {calls:,}: is the rollup filled?"
    return report


if __name__ == "__main__":
    main()
