"""``lookout alerts``: list alerts, or print the digest of what was not notified.

Reads through a read-only connection (:mod:`lookout.store.alerts`). The list
keeps alerts active at any time in ``--since``: opened or resolved in it, or
still open. ``--digest`` shows the alerts that went to the digest instead of
notifying (every ``low`` one, and ``medium`` beyond the rate limit) with counts.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING

from lookout.core.clock import now, parse_iso, since_iso
from lookout.core.config import Config
from lookout.core.models import SEVERITIES, Alert

if TYPE_CHECKING:
    from lookout.cli import CommandFactory
    from lookout.store.alerts import Digest

MESSAGE_WIDTH = 100
HEADERS = ("id", "severity", "status", "opened (UTC)", "for", "rule", "subject", "webhook", "message")
EPILOG = """examples:
  lookout alerts
  lookout alerts --status open
  lookout alerts --since 30d --severity critical
  lookout alerts --digest --since 24h
  lookout alerts --format json | jq '.[] | select(.status == "open") | .message'"""


def add_parser(command: CommandFactory) -> None:
    parser = command("alerts", "list alerts (open and resolved), or the digest of quiet ones", EPILOG)
    parser.add_argument(
        "--status", choices=("open", "resolved", "all"), default="all", help="which alerts (default: all)"
    )
    parser.add_argument(
        "--since", help="alerts active within this window, e.g. 24h, 7d (default 7d; 24h with --digest)"
    )
    parser.add_argument("--severity", choices=SEVERITIES, help="only alerts of this severity")
    parser.add_argument(
        "--digest", action="store_true", help="what went to the digest instead of notifying, with counts"
    )
    parser.add_argument("--limit", type=int, default=200, help="list at most this many (default 200)")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.set_defaults(run="lookout.alerts_cli:run_alerts")


def run_alerts(args: argparse.Namespace, config: Config) -> int:
    from lookout.store.alerts import digest, list_alerts
    from lookout.store.db import open_reader

    window = args.since or ("24h" if args.digest else "7d")
    since = since_iso(window)  # validate the flags before touching the database
    if args.limit <= 0:
        raise ValueError("--limit must be a positive number")
    db = open_reader(config.data_dir)
    try:
        if args.digest:
            found = digest(db, since)
            print(
                json.dumps(asdict(found), indent=2) if args.format == "json" else digest_text(found, window)
            )
            return 0
        status = None if args.status == "all" else args.status
        alerts = list_alerts(db, status=status, since_iso=since, severity=args.severity, limit=args.limit)
    finally:
        db.close()
    if args.format == "json":
        print(json.dumps([asdict(alert) for alert in alerts], indent=2))
    else:
        print(alerts_table(alerts, window, now()))
    return 0


def alerts_table(alerts: Sequence[Alert], window: str, at: float) -> str:
    if not alerts:
        return f"no alerts in the last {window}."
    rows = [
        (
            str(alert.id),
            alert.severity,
            alert.status,
            _minute(alert.opened_at),
            _lasted(alert, at),
            alert.rule,
            alert.subject,
            alert.delivery_status or "-",
            _shorten(alert.message),
        )
        for alert in alerts
    ]
    widths = [max(len(header), *(len(row[i]) for row in rows)) for i, header in enumerate(HEADERS)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
             for row in (HEADERS, *rows)]  # fmt: skip
    open_count = sum(alert.status == "open" for alert in alerts)
    return "\n".join(lines) + f"\n\n{len(alerts)} alerts in the last {window}; {open_count} open"


def digest_text(found: Digest, window: str) -> str:
    counts = ", ".join(f"{found.opened[severity]} {severity}" for severity in SEVERITIES)
    head = f"Digest of the last {window}: opened {counts}; {found.still_open} still open."
    if not found.alerts:
        return head + "\nNothing went to the digest."
    lines = [head, f"{len(found.alerts)} without a notification (low, or medium beyond the rate limit):"]
    for alert in found.alerts:
        lines.append(f"  [{alert.severity}] {_minute(alert.opened_at)}  {alert.rule}  ({alert.status})")
        lines.append(f"      {alert.message}")
    return "\n".join(lines)


def _minute(iso: str) -> str:
    return iso[:16].replace("T", " ")


def _lasted(alert: Alert, at: float) -> str:
    end = parse_iso(alert.resolved_at) if alert.resolved_at else at
    seconds = max(0.0, end - parse_iso(alert.opened_at))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f} {unit}"
    return f"{seconds:.0f} s"


def _shorten(text: str) -> str:
    return text if len(text) <= MESSAGE_WIDTH else text[: MESSAGE_WIDTH - 1] + "…"
