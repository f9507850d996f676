"""What each ``lookout`` command does, given parsed arguments and the effective config.

Kept apart from ``cli.py`` so argument parsing stays instant and these imports
(aiohttp, sqlite-utils, numpy) load only for the command that needs them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, replace
from pathlib import Path
from typing import TextIO

from lookout import __version__
from lookout.core.clock import now, parse_duration, since_iso
from lookout.core.config import Config, ConfigError
from lookout.proxy.security import is_loopback_bind
from lookout.terminal import stats_table


def run_serve(args: argparse.Namespace, config: Config) -> int:
    from lookout.proxy.engine import install_event_loop_policy, serve_until_signalled

    if not is_loopback_bind(config.proxy.host):
        raise ConfigError(
            f"refusing to bind to {config.proxy.host}: Lookout only listens on loopback "
            "(127.0.0.1, ::1) so that no other machine can use your keys"
        )
    loop_kind = install_event_loop_policy()

    def ready(url: str) -> None:
        print(
            f"Lookout {__version__} proxy on {url} ({loop_kind}); recording to {config.db_path}\n"
            f"  point an SDK at it, e.g. OPENAI_BASE_URL={url}/openai/v1\n"
            "  Ctrl-C stops it after flushing every record.",
            flush=True,
        )

    try:
        return asyncio.run(serve_until_signalled(config, ready))
    except OSError as exc:
        print(
            f"lookout: error: cannot listen on {config.proxy.host}:{config.proxy.port}: "
            f"{exc.strerror or exc}. Is another Lookout running? Use --port.",
            file=sys.stderr,
        )
        return 1


def run_stats(args: argparse.Namespace, config: Config) -> int:
    from lookout.store.db import open_reader
    from lookout.store.queries import model_stats

    since = since_iso(args.since)  # validate the flags before touching the database
    rows = model_stats(open_reader(config.data_dir), since_iso=since)
    if args.format == "json":
        print(json.dumps([asdict(row) for row in rows], indent=2))
    else:
        print(stats_table(rows, args.since))
    return 0


def run_export(args: argparse.Namespace, config: Config) -> int:
    from lookout.store.db import open_reader
    from lookout.store.export import export_calls

    since = since_iso(args.since)
    db = open_reader(config.data_dir)
    with _output(args.out) as out:
        count = export_calls(db, out, fmt=args.format, since_iso=since)
    if args.out:
        print(f"exported {count} calls to {args.out}", file=sys.stderr)
    return 0


def run_purge(args: argparse.Namespace, config: Config) -> int:
    from lookout.store.db import open_writer
    from lookout.store.retention import RetentionPolicy, purge

    retention = config.retention
    policy = RetentionPolicy(
        calls_max_age_s=parse_duration(args.older_than) if args.older_than else retention.calls_max_age_s,
        payloads_max_age_s=retention.payloads_max_age_s,
        max_db_bytes=retention.max_db_bytes,
    )
    result = purge(open_writer(config.data_dir), policy, now=now(), dry_run=args.dry_run)
    verb = "would delete" if args.dry_run else "deleted"
    print(
        f"{verb} {result.calls_deleted} calls ({result.calls_by_age} by age, "
        f"{result.calls_by_size} over the size cap) and {result.payloads_deleted} payloads"
    )
    return 0


def run_demo(args: argparse.Namespace, config: Config) -> int:
    from lookout.demo.run import run_demo as demo
    from lookout.proxy.engine import install_event_loop_policy

    install_event_loop_policy()
    duration = parse_duration(args.duration)
    summary = asyncio.run(
        demo(replace(config, proxy=replace(config.proxy, port=args.port)), duration, args.rate)
    )
    print(
        f"\ndemo done: {summary.sent} calls ({summary.ok} ok, {sum(summary.errors.values())} errors) "
        f"recorded in {config.db_path}\nnext: lookout stats",
        flush=True,
    )
    return 0


def run_doctor(args: argparse.Namespace, config: Config) -> int:
    from lookout.doctor import run_checks

    findings = run_checks(config)
    if args.format == "json":
        print(json.dumps([asdict(finding) for finding in findings], indent=2))
    else:
        width = max(len(finding.check) for finding in findings)
        for finding in findings:
            print(f"{finding.status:>4}  {finding.check:<{width}}  {finding.detail}")
    return 0


def run_bench(args: argparse.Namespace, config: Config) -> int:
    from lookout.proxy.bench import BenchOptions, format_report
    from lookout.proxy.bench import run_bench as bench

    os.environ["LOOKOUT_EVENT_LOOP"] = args.loop  # read by every bench process
    report = bench(
        BenchOptions(requests=args.requests, seconds=args.seconds, store_bodies=not args.no_bodies),
        progress=lambda step: print(f"lookout bench: {step}...", file=sys.stderr, flush=True),
    )
    print(json.dumps(asdict(report), indent=2) if args.format == "json" else format_report(report))
    return 0


def run_keys(args: argparse.Namespace, config: Config) -> int:
    from lookout.keys.commands import run_keys as keys
    from lookout.proxy.routing import PRESETS

    return keys(args, known_upstreams={*PRESETS, *config.upstreams})


@contextmanager
def _output(path: str | None) -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
        return
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        yield handle
