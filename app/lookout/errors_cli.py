"""``lookout errors``: list error groups, show one, and resolve, ignore or reopen it.

Reads go through a read-only connection. A status change is one small update
through a writer connection with a busy timeout, alongside the recorder (the
single regular writer), which re-reads a group's status under its own write lock
and so never undoes the change. Any unambiguous prefix of a group id works.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from lookout.core.config import Config
from lookout.core.models import ErrorGroup

if TYPE_CHECKING:
    from lookout.analysis.lifecycle import GroupState

ACTIONS = ("list", "show", "resolve", "ignore", "reopen")
SPARKS = " ▁▂▃▄▅▆▇█"
TITLE_WIDTH = 72
EVENTS_SHOWN = 10
EPILOG = """examples:
  lookout errors
  lookout errors --status all --since 30d
  lookout errors show 3f9a0c
  lookout errors resolve 3f9a0c
  lookout errors ignore 3f9a0c --for 2h
  lookout errors ignore 3f9a0c --until-count 100
  lookout errors reopen 3f9a0c
  lookout errors --format json | jq '.[] | select(.substatus == "new")'"""


def add_parser(command: Any) -> None:
    parser: argparse.ArgumentParser = command(
        "errors", "list error groups (one per distinct failure) and resolve, ignore or reopen them", EPILOG
    )
    parser.add_argument(
        "action", nargs="?", choices=ACTIONS, default="list", help="what to do (default: list)"
    )
    parser.add_argument(
        "group_id", nargs="?", metavar="ID", help="a group id, or an unambiguous prefix of one"
    )
    parser.add_argument(
        "--status",
        choices=("unresolved", "resolved", "ignored", "all"),
        default="unresolved",
        help="list groups with this status (default: unresolved)",
    )
    parser.add_argument("--since", default="7d", help="list groups seen within this window (default 7d)")
    parser.add_argument("--limit", type=int, default=50, help="list at most this many groups (default 50)")
    parser.add_argument("--for", dest="for_", metavar="DURATION", help="ignore: for this long, e.g. 2h")
    parser.add_argument("--until-count", type=int, metavar="N", help="ignore: until N more events")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.set_defaults(run="lookout.errors_cli:run_errors")


def run_errors(args: argparse.Namespace, config: Config) -> int:
    """Dispatch ``lookout errors [ACTION] [ID]``."""
    from lookout.store.group_queries import AmbiguousGroupId
    from lookout.store.groups import GroupNotFound

    try:
        return _dispatch(args, config)
    except (GroupNotFound, AmbiguousGroupId) as exc:
        print(f"lookout: error: {exc.args[0]}", file=sys.stderr)
        return 1


def _dispatch(args: argparse.Namespace, config: Config) -> int:
    if args.action == "list":
        if args.group_id:
            raise ValueError(
                f"unexpected {args.group_id!r}: did you mean `lookout errors show {args.group_id}`?"
            )
        return _list(args, config)
    if not args.group_id:
        raise ValueError(f"`lookout errors {args.action}` needs a group id (see `lookout errors`)")
    if args.action != "ignore" and (args.for_ or args.until_count is not None):
        raise ValueError("--for and --until-count go with `lookout errors ignore`")
    if args.action == "show":
        return _show(args, config)
    return _change(args, config)


def _list(args: argparse.Namespace, config: Config) -> int:
    from lookout.core.clock import iso_utc, now, since_iso
    from lookout.store.db import open_reader
    from lookout.store.group_queries import group_histograms, list_groups

    at = now()
    since = since_iso(args.since, at)
    db = open_reader(config.data_dir)
    groups = list_groups(
        db, status=args.status, since_iso=since, limit=args.limit, now=at, new_days=config.errors.new_days
    )
    if args.format == "json":
        print(json.dumps([asdict(group) for group in groups], indent=2))
        return 0
    if not groups:
        which = "" if args.status == "all" else f"{args.status} "
        print(f"no {which}error groups seen in the last {args.since}. Try --status all or --since 30d.")
        return 0
    hourly = group_histograms(db, [g.id for g in groups], "hour", iso_utc(at - 23 * 3600), iso_utc(at))
    print(_groups_table(groups, hourly, at))
    return 0


def _show(args: argparse.Namespace, config: Config) -> int:
    from lookout.core.clock import iso_utc, now
    from lookout.store.db import open_reader
    from lookout.store.group_queries import (
        find_group_id,
        get_group,
        group_breakdown,
        group_histogram,
        latest_events,
    )

    at = now()
    db = open_reader(config.data_dir)
    group = get_group(db, find_group_id(db, args.group_id), now=at, new_days=config.errors.new_days)
    assert group is not None  # find_group_id found it
    hourly = group_histogram(db, group.id, "hour", iso_utc(at - 23 * 3600), iso_utc(at))
    daily = group_histogram(db, group.id, "day", iso_utc(at - 29 * 86400), iso_utc(at))
    events = latest_events(db, group.id, EVENTS_SHOWN)
    breakdown = {
        column: group_breakdown(db, group.id, column) for column in ("model", "upstream", "operation")
    }
    if args.format == "json":
        document = {
            "group": asdict(group),
            "hourly": hourly,
            "daily": daily,
            "breakdown": breakdown,
            "events": [asdict(event) for event in events],
        }
        print(json.dumps(document, indent=2))
        return 0
    print(f"{group.id}  {_state(group.status, group.substatus)}  {group.title}")
    times = "time" if group.count == 1 else "times"
    print(f"  seen {group.count} {times}, first {group.first_seen}, last {group.last_seen}")
    tags = {"model": group.models, "upstream": group.upstreams, "operation": group.operations}
    for column, values in breakdown.items():
        # Counts come from the calls still stored; older ones are gone, the group's tags remain.
        listed = ", ".join(f"{value or '(unknown)'} ×{count}" for value, count in values) or ", ".join(
            tags[column]
        )
        print(f"  {column + 's':<11} {listed or '-'}")
    print(f"  last 24h    {_spark([count for _, count in hourly])}  ({sum(c for _, c in hourly)} events)")
    print(f"  last 30d    {_spark([count for _, count in daily])}  ({sum(c for _, c in daily)} events)")
    if events:
        rows = [
            (
                e.started_at,
                e.model or "-",
                e.upstream,
                str(e.status_code or e.outcome),
                _short(e.error_message or ""),
            )
            for e in events
        ]
        print("\nlatest events (stored calls):")
        print(_table(("time", "model", "upstream", "status", "error (redacted)"), rows))
    return 0


def _change(args: argparse.Namespace, config: Config) -> int:
    from functools import partial

    from lookout.analysis import lifecycle
    from lookout.core.clock import now, parse_duration
    from lookout.store.db import open_reader, open_writer
    from lookout.store.group_queries import find_group_id, get_group
    from lookout.store.groups import update_group_state

    for_s = parse_duration(args.for_) if args.for_ else None
    at = now()
    group_id = find_group_id(open_reader(config.data_dir), args.group_id)  # no database: no write either
    change: Callable[[GroupState], GroupState]
    if args.action == "resolve":
        change = partial(lifecycle.resolve, at=at)
    elif args.action == "reopen":
        change = partial(lifecycle.reopen, at=at, new_days=config.errors.new_days)
    else:
        change = partial(lifecycle.ignore, at=at, for_s=for_s, until_count=args.until_count)
    db = open_writer(config.data_dir)
    try:
        update_group_state(db, group_id, change)
        group = get_group(db, group_id, now=at, new_days=config.errors.new_days)
    finally:
        db.close()
    assert group is not None
    if args.format == "json":
        print(json.dumps(asdict(group), indent=2))
    else:
        print(f"{group.id}  {_state(group.status, group.substatus)}{_ignore_detail(group)}  {group.title}")
    return 0


def _groups_table(groups: list[ErrorGroup], hourly: dict[str, list[int]], at: float) -> str:
    rows = [
        (
            g.id,
            _state(g.status, g.substatus),
            str(g.count),
            _spark(hourly[g.id]),
            _ago(g.last_seen, at),
            ", ".join(g.models[:3]) + (" …" if len(g.models) > 3 else "") or "-",
            _short(g.title),
        )
        for g in groups
    ]
    table = _table(
        ("id", "status", "events", "last 24h", "last seen", "models", "title"), rows, numeric=frozenset({2})
    )
    return table + f"\n{len(groups)} groups; `lookout errors show ID` for one"


def _table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: frozenset[int] = frozenset()
) -> str:
    """Left-aligned columns (text reads better so), numbers right-aligned."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            cell.rjust(width) if i in numeric else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([line(headers), "  ".join("-" * w for w in widths), *(line(row) for row in rows)])


def _state(status: str, substatus: str | None) -> str:
    return f"{status}/{substatus}" if substatus else status


def _ignore_detail(group: ErrorGroup) -> str:
    if group.status != "ignored":
        return ""
    if group.ignored_until:
        return f" until {group.ignored_until}"
    if group.ignored_events_left is not None:
        return f" for {group.ignored_events_left} more events"
    return " forever"


def _spark(counts: list[int]) -> str:
    """One character per bucket; blank for none, then eight heights up to the busiest bucket."""
    peak = max(counts, default=0)
    if peak == 0:
        return SPARKS[0] * len(counts)
    return "".join(SPARKS[0] if c == 0 else SPARKS[1 + (c * 7) // peak] for c in counts)


def _ago(iso: str, at: float) -> str:
    from lookout.core.clock import parse_iso

    seconds = max(0.0, at - parse_iso(iso))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit} ago"
    return f"{int(seconds)}s ago"


def _short(text: str) -> str:
    return text if len(text) <= TITLE_WIDTH else text[: TITLE_WIDTH - 1] + "…"
