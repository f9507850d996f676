"""Drift benchmark on a 1M-call database: `lookout drift` for all units, and the hourly job.

Not collected by pytest (the file name does not start with ``test_``). Run:

    PYTHONPATH=app python -m tests.store.bench_drift [--rows 1000000] [--keep DIR]

The generated traffic (:func:`tests.store.factories.bulk_insert_traffic`, 50k
calls a day over 20 days, eight units) ends now; in its last day one unit is
30% slower and another answers 10% of its calls with a new model snapshot, so
the run also shows both being caught. Budgets (issue 5): `lookout drift` for
all units under 2 s; the hourly job holds no write lock while it computes (its
one write transaction is timed, and 1000-row batches are written between its
steps as the recorder would).

Measured: the computation in process, phase by phase; the `lookout drift`
process both ways, each a new process: by default (after storing an hourly run
as of now in the database, as the recorder would, so the command answers from
it) and with ``--fresh`` (computed now, scipy imported); and the hourly job.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lookout.analysis.drift import Thresholds
from lookout.analysis.drift_metrics import compare_unit
from lookout.core.clock import iso_utc, parse_iso
from lookout.core.drift_config import DriftSettings
from lookout.recorder.drifting import drift_run
from lookout.store.db import database_path, open_reader, open_writer
from lookout.store.drift import resolve_windows
from lookout.store.drift_windows import UnitDrift, active_units, window_rows
from lookout.store.writer import CallWriter
from tests.store.bench_store import synthetic_calls
from tests.store.factories import bulk_insert_traffic

DAY = 86_400.0
CALLS_PER_DAY = 50_000
# Past this, the command's current window (the last 24 h of the wall clock) holds too little of the data.
MAX_LAG_H = 3.0


def generate(data_dir: Path, rows: int) -> float:
    """Fill a new database ending now; return the end (epoch s)."""
    open_writer(data_dir).close()
    end = time.time()
    span = rows / CALLS_PER_DAY * DAY
    started = time.perf_counter()
    bulk_insert_traffic(
        str(database_path(data_dir)), rows, start=end - span, step_s=span / rows, shift_from=end - DAY
    )
    print(f"generated {rows} calls over {span / DAY:.0f} days in {time.perf_counter() - started:.0f} s")
    return end


def data_end(data_dir: Path) -> float:
    db = open_reader(data_dir)
    last: str = db.execute("SELECT max(started_at) FROM calls").fetchone()[0]
    db.close()
    return parse_iso(last)


def bench_report(data_dir: Path, now: float, settings: DriftSettings, repeats: int = 3) -> list[UnitDrift]:
    """What `lookout drift --fresh` computes, in process, phase by phase: every unit, 7 days
    against the last day (the first run also imports scipy.stats)."""
    phases: dict[str, list[float]] = {"units": [], "windows read": [], "tests": [], "total": []}
    results: list[UnitDrift] = []
    thresholds = Thresholds.of(settings)
    for _ in range(repeats):
        db = open_reader(data_dir)
        spent = dict.fromkeys(phases, 0.0)
        started = time.perf_counter()
        windows = resolve_windows(db, now=now, current_s=settings.current_s, baseline=settings.baseline)
        units = active_units(db, windows)
        spent["units"] = time.perf_counter() - started
        results = []
        for unit, _ in units:
            read_started = time.perf_counter()
            sides = [
                window_rows(db, unit, since, until, max_rows=settings.max_samples)
                for since, until in (
                    (windows.baseline_from, windows.baseline_to),
                    (windows.current_from, windows.current_to),
                )
            ]
            tests_started = time.perf_counter()
            metrics = compare_unit(sides[0].columns, sides[1].columns, thresholds)
            spent["tests"] += time.perf_counter() - tests_started
            spent["windows read"] += tests_started - read_started
            results.append(UnitDrift(unit, windows, sides[0], sides[1], metrics))
        spent["total"] = time.perf_counter() - started
        for phase, seconds in spent.items():
            phases[phase].append(seconds * 1000)
        db.close()
    calls = sum(r.baseline.calls + r.current.calls for r in results)
    medians = ", ".join(f"{phase} {statistics.median(ms):.0f}" for phase, ms in phases.items())
    print(
        f"drift computed in process, {len(results)} units ({calls:,} calls in the windows, "
        f"≤ {settings.max_samples} read per window): first {phases['total'][0]:.0f} ms; "
        f"then median ms: {medians}"
    )
    return results


def store_run_now(data_dir: Path, settings: DriftSettings) -> None:
    """The recorder's hourly run as of now, stored in the database (as the recorder would)."""
    writer, reader = open_writer(data_dir), open_reader(data_dir)
    try:
        for _ in drift_run(writer, reader, settings, now=time.time()):
            pass
    finally:
        reader.close()
        writer.close()


def bench_cli(data_dir: Path, *flags: str, repeats: int = 5) -> None:
    """The real command, a new process each time: start-up and imports included."""
    times, cpu = [], []
    command = [sys.executable, "-m", "lookout.cli", "drift", *flags, "--data-dir", str(data_dir)]
    command += ["--config", "/dev/null"]
    first_line = ""
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        shown = subprocess.run(
            [*command, "--config", "/dev/null"], check=True, capture_output=True, text=True
        )
        times.append((time.perf_counter() - started) * 1000)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append((after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000)
        first_line = shown.stdout.split("\n", 1)[0]
    print(
        f"`{' '.join(('lookout drift', *flags))}` process, all units: "
        f"median {statistics.median(times):.0f} ms "
        f"(CPU {statistics.median(cpu):.0f} ms), min {min(times):.0f}, max {max(times):.0f} ms; "
        f"it said: {first_line}"
    )


def bench_job(data_dir: Path, now: float, settings: DriftSettings) -> None:
    """The hourly job on a copy, with a 1000-row batch written after each of its steps."""
    scratch = Path(tempfile.mkdtemp(prefix="lookout-bench-drift-"))
    shutil.copy(database_path(data_dir), database_path(scratch))
    try:
        writer_db, reader = open_writer(scratch), open_reader(scratch)
        writer = CallWriter(writer_db)
        steps: list[float] = []
        batches: list[float] = []
        last = None
        run = drift_run(writer_db, reader, settings, now=now)
        started = time.perf_counter()
        while True:
            step_started = time.perf_counter()
            progress = next(run, None)
            if progress is None:
                break
            steps.append((time.perf_counter() - step_started) * 1000)
            rows = list(synthetic_calls(1000, end=now + len(batches), seed=len(batches)))
            batch_started = time.perf_counter()
            writer.write_calls(rows)
            batches.append((time.perf_counter() - batch_started) * 1000)
            last = progress
        total = (time.perf_counter() - started) * 1000
        assert last is not None
        print(
            f"hourly job: {last.snapshots} snapshots for {last.units} units in {len(steps)} steps, "
            f"{total:.0f} ms with writes; longest step {max(steps):.0f} ms (no lock held), "
            f"write transaction {last.write_ms:.1f} ms; 1000-row batches between steps: "
            f"median {statistics.median(batches):.0f} ms, max {max(batches):.0f} ms"
        )
        reader.close()
        writer.close()
    finally:
        shutil.rmtree(scratch)


def show_findings(results: list[UnitDrift]) -> None:
    for result in results:
        for metric in result.metrics:
            if metric.severity in ("moderate", "major"):
                print(f"  {result.unit.label}: {metric.metric}: {metric.verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="reuse/keep the database in this directory")
    args = parser.parse_args()
    data_dir = args.keep or Path(tempfile.mkdtemp(prefix="lookout-bench-"))
    settings = DriftSettings()
    try:
        fresh = not database_path(data_dir).exists()
        end = generate(data_dir, args.rows) if fresh else data_end(data_dir)
        print(f"data ends {iso_utc(end)}; windows: 7 days before the last 24 h")
        show_findings(bench_report(data_dir, end, settings))
        lag_h = (time.time() - end) / 3600
        if lag_h < MAX_LAG_H:  # the command compares with the wall clock
            print(f"(the process runs compare the 24 h to now, {lag_h:.1f} h after the data ends)")
            store_run_now(data_dir, settings)
            bench_cli(data_dir)
            bench_cli(data_dir, "--fresh")
        else:
            print(f"`lookout drift` process: skipped, the kept data is over {MAX_LAG_H} hours old")
        bench_job(data_dir, end, settings)
    finally:
        if args.keep is None:
            shutil.rmtree(data_dir)


if __name__ == "__main__":
    main()
