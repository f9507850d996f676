"""``lookout drift``: compare each model's recent traffic with a baseline, and pin baselines.

``lookout drift`` answers from the recorder's latest hourly snapshot when that
run is recent (at most ``[drift] interval`` and a few minutes old) and compared
the windows asked for (the same baseline, a current window as long); ``--model``
and ``--upstream`` then filter its rows. That takes no scipy import (1–2 s) and
no reads of ``calls``. Otherwise, or with ``--fresh``, it computes now on a
read-only connection, as the recorder does. Either way the results are snapshot
rows, printed the same way, and the output says where they come from. ``pin``
and ``unpin`` write one row through a short-lived writer connection, like
``lookout purge``.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from lookout.core.config import Config
from lookout.drift_output import Side, UnitResult, baseline_json, day, table, unit_json, unit_table

if TYPE_CHECKING:
    from sqlite_utils import Database

    from lookout.core.drift_config import DriftSettings
    from lookout.store.drift import Snapshot
    from lookout.store.drift_windows import Windows

ACTIONS = ("show", "pin", "baselines", "unpin")
EPILOG = """examples:
  lookout drift
  lookout drift --model gpt-4o-mini --since 6h
  lookout drift --fresh              # recompute now instead of reading the hourly snapshot
  lookout drift --baseline 30d --format json | jq '.[].metrics[] | select(.severity == "major")'
  lookout drift pin before-prompt-v2 --from 2026-11-01 --to 2026-11-08 --note "old system prompt"
  lookout drift --baseline before-prompt-v2
  lookout drift baselines
  lookout drift unpin before-prompt-v2"""


def add_parser(command: Any) -> None:
    parser: argparse.ArgumentParser = command(
        "drift", "per model: is it slower, wordier, costlier, flakier or swapped than its baseline?", EPILOG
    )
    parser.add_argument("action", nargs="?", choices=ACTIONS, default="show", help="(default: show)")
    parser.add_argument("name", nargs="?", metavar="NAME", help="pin/unpin: the baseline's name")
    parser.add_argument("--model", help="only this model")
    # Not dest "upstream": the common config loader reads that as `serve`'s NAME=URL flags.
    parser.add_argument("--upstream", dest="only_upstream", metavar="UPSTREAM", help="only this upstream")
    parser.add_argument(
        "--baseline", help="a duration before the current window (default 7d), or a pinned baseline's name"
    )
    parser.add_argument("--since", help="the current window, e.g. 6h (default 24h)")
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="compute now from the calls, even when the recorder's hourly snapshot compares these windows",
    )
    parser.add_argument(
        "--from", dest="start", metavar="WHEN", help="pin: start, e.g. 2026-11-01 or 14d (ago)"
    )
    parser.add_argument("--to", dest="end", metavar="WHEN", help="pin: end (default: now)")
    parser.add_argument("--note", help="pin: a note to remember it by")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.set_defaults(run="lookout.drift_cli:run_drift")


def run_drift(args: argparse.Namespace, config: Config) -> int:
    """Dispatch ``lookout drift [ACTION] [NAME]``."""
    if args.action in ("pin", "unpin") and not args.name:
        raise ValueError(f"`lookout drift {args.action}` needs the baseline's NAME")
    if args.action == "pin":
        return _pin(args, config)
    if args.action == "unpin":
        return _unpin(args, config)
    if args.action == "baselines":
        return _baselines(args, config)
    if args.name:
        raise ValueError(f"unexpected {args.name!r}: did you mean `lookout drift --baseline {args.name}`?")
    return _show(args, config)


def _show(args: argparse.Namespace, config: Config) -> int:
    from lookout.core.clock import iso_utc, now, parse_duration
    from lookout.store.db import open_reader
    from lookout.store.drift import RUN_SLACK_S, matching_run, resolve_windows

    settings = config.drift
    current_s = parse_duration(args.since) if args.since else settings.current_s
    at = now()
    db = open_reader(config.data_dir)
    windows = resolve_windows(db, now=at, current_s=current_s, baseline=args.baseline or settings.baseline)
    max_age = settings.interval_s + RUN_SLACK_S
    stored = None if args.fresh else matching_run(db, windows, now=at, max_age_s=max_age)
    if stored is None:
        source, computed_at = "computed", iso_utc(at)
        rows = _computed(db, windows, settings, args, computed_at)
    else:  # the run covered every unit: the filters pick from it
        source, computed_at = "snapshot", stored[0].computed_at
        rows = [row for row in stored if args.model in (None, row.model)]
        rows = [row for row in rows if args.only_upstream in (None, row.upstream)]
    results = _units(rows)
    if args.format == "json":
        print(json.dumps([unit_json(result, source, computed_at) for result in results], indent=2))
        return 0
    print(_source_line(source, computed_at, fresh=args.fresh), end="\n\n")
    if not results:
        scope = " for that model or upstream" if args.model or args.only_upstream else ""
        print(f"no calls in the current window{scope}: nothing to compare. Try a longer --since.")
    else:
        print("\n\n".join(unit_table(result) for result in results))
    return 0


def _computed(
    db: Database, windows: Windows, settings: DriftSettings, args: argparse.Namespace, computed_at: str
) -> list[Snapshot]:
    """Drift computed now, as snapshot rows (this imports scipy)."""
    from lookout.analysis.drift import Thresholds
    from lookout.store.drift import as_snapshots
    from lookout.store.drift_windows import iter_unit_drift

    drifts = iter_unit_drift(
        db,
        windows,
        Thresholds.of(settings),
        max_rows=settings.max_samples,
        upstream=args.only_upstream,
        model=args.model,
    )
    return as_snapshots(computed_at, drifts)


def _units(rows: list[Snapshot]) -> list[UnitResult]:
    """Rows grouped by unit, busiest unit (in the current window) first."""
    groups: dict[tuple[str, str | None, str | None], list[Snapshot]] = {}
    for row in rows:
        groups.setdefault((row.upstream, row.model, row.operation), []).append(row)
    results = [_unit_result(group) for group in groups.values()]
    return sorted(results, key=lambda result: (-result.current.calls, result.unit.label))


def _unit_result(rows: list[Snapshot]) -> UnitResult:
    from lookout.store.drift import metric_drift
    from lookout.store.drift_windows import Unit, Windows

    first = rows[0]
    windows = Windows(
        first.baseline_name, first.baseline_from, first.baseline_to, first.current_from, first.current_to
    )
    # The error rate covers every call read, so its counts are how many were read (sampled or not).
    errors = next((row for row in rows if row.metric == "error_rate"), None)
    baseline = Side(first.baseline_calls, errors.baseline_n if errors else first.baseline_calls)
    current = Side(first.current_calls, errors.current_n if errors else first.current_calls)
    unit = Unit(first.upstream, first.model, first.operation)
    return UnitResult(unit, windows, baseline, current, tuple(metric_drift(row) for row in rows))


def _source_line(source: str, computed_at: str, *, fresh: bool) -> str:
    clock = f"{computed_at[11:16]} UTC"
    if source == "snapshot":
        return f"as of {clock}, from the recorder's hourly snapshot — `--fresh` recomputes now"
    why = "" if fresh else ": no recent recorder snapshot compares these windows"
    return f"computed now ({clock}) from the calls{why}"


def _pin(args: argparse.Namespace, config: Config) -> int:
    from lookout.core.clock import iso_utc, now
    from lookout.store.db import open_writer
    from lookout.store.drift import pin_baseline

    if not args.start:
        raise ValueError("`lookout drift pin` needs --from (and optionally --to), e.g. --from 2026-11-01")
    at = now()
    start, end = _when(args.start, at), _when(args.end, at) if args.end else at
    db = open_writer(config.data_dir)
    try:
        baseline = pin_baseline(
            db, args.name, iso_utc(start), iso_utc(end), created_at=iso_utc(at), note=args.note
        )
    finally:
        db.close()
    print(f"pinned baseline {baseline.name}: {day(baseline.start)} → {day(baseline.end)}")
    print(f"compare with it: lookout drift --baseline {baseline.name}")
    return 0


def _unpin(args: argparse.Namespace, config: Config) -> int:
    from lookout.store.db import open_writer
    from lookout.store.drift import unpin_baseline

    db = open_writer(config.data_dir)
    try:
        deleted = unpin_baseline(db, args.name)
    finally:
        db.close()
    if not deleted:
        print(
            f"lookout: error: no pinned baseline named {args.name!r} (see `lookout drift baselines`)",
            file=sys.stderr,
        )
        return 1
    print(f"unpinned baseline {args.name}")
    return 0


def _baselines(args: argparse.Namespace, config: Config) -> int:
    from lookout.store.db import open_reader
    from lookout.store.drift import list_baselines

    baselines = list_baselines(open_reader(config.data_dir))
    if args.format == "json":
        print(json.dumps([baseline_json(baseline) for baseline in baselines], indent=2))
    elif not baselines:
        print("no pinned baselines. Pin one: lookout drift pin NAME --from 2026-11-01 --to 2026-11-08")
    else:
        rows = [
            (
                b.name,
                day(b.start),
                day(b.end),
                day(b.created_at),
                b.note or "",
            )
            for b in baselines
        ]
        print(table(("name", "from", "to", "pinned", "note"), rows))
    return 0


def _when(text: str, at: float) -> float:
    """An ISO date or time (UTC unless it says otherwise), or a duration meaning that long ago."""
    from lookout.core.clock import parse_duration, parse_iso

    try:
        return parse_iso(text)
    except ValueError:
        pass
    try:
        return at - parse_duration(text)
    except ValueError:
        raise ValueError(
            f"invalid time {text!r}: use a date such as 2026-11-01, or a duration ago such as 14d"
        ) from None
