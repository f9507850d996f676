"""Store benchmark at scale: inserts, a 24 h stats query and a purge on a 1M-call database.

Not collected by pytest (the file name does not start with ``test_``). Run:

    PYTHONPATH=app python -m tests.store.bench_store [--rows 1000000] [--keep DIR]

Budgets (design.md section 5): a 1000-row batch well under 50 ms, one view's
query under 200 ms with 1M calls, no purge transaction above 50 ms.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from lookout.core.clock import iso_utc
from lookout.core.models import CallRow
from lookout.store.db import database_path, open_reader, open_writer
from lookout.store.queries import iter_calls, model_stats
from lookout.store.retention import RetentionPolicy, purge
from lookout.store.writer import CallWriter
from tests.store.factories import NOW, bulk_insert, make_row

MODELS = (
    ("openai", "gpt-4o-mini"),
    ("openai", "gpt-4.1"),
    ("openai", "text-embedding-3-small"),
    ("anthropic", "claude-sonnet-4-5"),
    ("anthropic", "claude-haiku-4-5"),
    ("gemini", "gemini-2.5-flash"),
    ("groq", "llama-3.3-70b-versatile"),
    ("ollama", "llama3.2:3b"),
)
OUTCOMES = ("ok",) * 95 + ("error",) * 3 + ("client_aborted", "upstream_timeout")


def synthetic_calls(count: int, *, end: float, seed: int = 7, random_ids: bool = False) -> Iterator[CallRow]:
    """``count`` varied calls evenly spread over the days before ``end``, 50k per day.

    Ids are time-ordered (milliseconds then random bits, like UUIDv7) unless
    ``random_ids``: random keys scatter every batch over the primary-key index.
    """
    rng = random.Random(seed)
    template = make_row()
    step = 86_400 / 50_000
    start = end - count * step
    for i in range(count):
        upstream, model = rng.choice(MODELS)
        streamed = rng.random() < 0.5
        outcome = rng.choice(OUTCOMES)
        started = start + i * step
        prefix = "" if random_ids else f"{int(started * 1000):012x}"
        yield replace(
            template,
            id=prefix + f"{rng.getrandbits(64):016x}",
            started_at=iso_utc(started),
            upstream=upstream,
            model=model,
            streamed=streamed,
            outcome=outcome,  # type: ignore[arg-type]
            latency_ms=rng.lognormvariate(6.5, 0.6),
            ttft_ms=rng.lognormvariate(5.5, 0.5) if streamed else None,
            input_tokens=rng.randint(50, 8000),
            output_tokens=rng.randint(1, 2000),
            cost_usd=None if upstream == "ollama" else rng.random() / 100,
        )


def bench_inserts(data_dir: Path, random_ids: bool, batches: int = 20) -> list[float]:
    writer = CallWriter(open_writer(data_dir))
    times = []
    for b in range(batches):
        end = NOW + (b + 1) * 1000 * 1.728
        rows = list(synthetic_calls(1000, end=end, seed=1000 + b, random_ids=random_ids))
        started = time.perf_counter()
        writer.write_calls(rows)
        times.append((time.perf_counter() - started) * 1000)
    writer.close()
    return times


def bench_stats(data_dir: Path, repeats: int = 5) -> tuple[list[float], int]:
    db = open_reader(data_dir)
    since = iso_utc(NOW - 86_400)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        stats = model_stats(db, since_iso=since, until_iso=iso_utc(NOW))
        times.append((time.perf_counter() - started) * 1000)
    rows = sum(s.calls for s in stats)
    db.close()
    return times, rows


def bench_iter(data_dir: Path) -> tuple[float, int]:
    db = open_reader(data_dir)
    started = time.perf_counter()
    calls = iter_calls(db, since_iso=iso_utc(NOW - 86_400), until_iso=iso_utc(NOW))
    count = sum(1 for _ in calls)
    elapsed = (time.perf_counter() - started) * 1000
    db.close()
    return elapsed, count


def bench_purge(data_dir: Path, keep_days: float) -> None:
    """Purge a copy, so a kept database stays at full size for the next run."""
    scratch = Path(tempfile.mkdtemp(prefix="lookout-bench-purge-"))
    shutil.copy(database_path(data_dir), database_path(scratch))
    try:
        _purge_and_report(scratch, keep_days)
    finally:
        shutil.rmtree(scratch)


def _purge_and_report(data_dir: Path, keep_days: float) -> None:
    db = open_writer(data_dir)
    policy = RetentionPolicy(calls_max_age_s=keep_days * 86_400)
    started = time.perf_counter()
    result = purge(db, policy, now=NOW)
    total = (time.perf_counter() - started) * 1000
    db.close()
    print(
        f"purge to {keep_days:g} days: {result.calls_deleted} calls in {result.transactions} "
        f"transactions, max {result.max_batch_ms:.1f} ms, "
        f"locked {result.total_batch_ms:.0f} ms of {total:.0f} ms, "
        f"{result.pages_released} pages released"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="reuse/keep the database in this directory")
    parser.add_argument("--purge-to-days", type=float, default=15.0)
    parser.add_argument("--random-ids", action="store_true", help="random instead of time-ordered")
    args = parser.parse_args()
    data_dir = args.keep or Path(tempfile.mkdtemp(prefix="lookout-bench-"))
    try:
        if not database_path(data_dir).exists():
            open_writer(data_dir).close()
            started = time.perf_counter()
            bulk_insert(
                str(database_path(data_dir)),
                synthetic_calls(args.rows, end=NOW, random_ids=args.random_ids),
            )
            print(f"generated {args.rows} calls in {time.perf_counter() - started:.1f} s")
        stats_ms, rows = bench_stats(data_dir)
        print(
            f"model_stats over 24 h ({rows} calls): first {stats_ms[0]:.1f} ms, "
            f"median {statistics.median(stats_ms):.1f} ms"
        )
        iter_ms, count = bench_iter(data_dir)
        print(f"iter_calls over 24 h ({count} calls): {iter_ms:.1f} ms")
        inserts = bench_inserts(data_dir, args.random_ids)
        print(
            f"write_calls, 1000-row batches: median {statistics.median(inserts):.1f} ms, "
            f"max {max(inserts):.1f} ms"
        )
        bench_purge(data_dir, keep_days=args.purge_to_days)
    finally:
        if args.keep is None:
            shutil.rmtree(data_dir)


if __name__ == "__main__":
    main()
