"""``lookout report``: a redacted report of a time range, as HTML, PDF, Markdown, JSON or CSV.

Argument parsing only; the work is :func:`lookout.report.data.build_report` and
:func:`lookout.report.write.write_report`, imported when the command runs.
Progress goes to standard error, one line per step, so standard output stays
clean for ``--out -`` (Markdown and JSON).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from lookout.core.clock import now, parse_iso
from lookout.core.config import Config

if TYPE_CHECKING:
    from lookout.report.model import Report, ReportOptions
    from lookout.report.write import Format

FORMATS = ("html", "pdf", "md", "json", "csv")
SUFFIXES = {".html": "html", ".htm": "html", ".pdf": "pdf", ".md": "md", ".json": "json", ".csv": "csv"}
EPILOG = """examples:
  lookout report --since 7d --out week.html
  lookout report --since 24h --format pdf --out today.pdf
  lookout report --from 2026-11-01 --to 2026-11-08 --model gpt-4o-mini --format md --out -
  lookout report --since 7d --include-bodies --out incident.html
  lookout report --since 30d --format json --out - | jq '.summary.kpis'
  lookout report --since 7d --format csv --table calls --out calls.csv"""


def add_parser(command: Any) -> None:
    parser: argparse.ArgumentParser = command(
        "report", "write a redacted report of a time range: HTML, PDF, Markdown, JSON or CSV", EPILOG
    )
    when = parser.add_mutually_exclusive_group()
    when.add_argument("--since", help="the range ending now, e.g. 24h, 7d (default 7d)")
    when.add_argument("--from", dest="from_", metavar="TIME", help="range start: ISO date or time (UTC)")
    parser.add_argument("--to", metavar="TIME", help="range end with --from (default: now)")
    parser.add_argument("--upstream", action="append", default=[], help="only this upstream; repeatable")
    parser.add_argument("--model", action="append", default=[], help="only this model; repeatable")
    parser.add_argument(
        "--format", choices=FORMATS, help="output format (default: from --out's suffix, else html)"
    )
    parser.add_argument(
        "--out", help="output file, or - for standard output (md, json); default lookout-report-DATE.EXT"
    )
    parser.add_argument("--table", choices=("calls", "groups"), help="csv: write only this table to --out")
    parser.add_argument(
        "--include-bodies",
        action="store_true",
        help="add redacted bodies of recent failures of the top groups",
    )
    parser.add_argument(
        "--bodies-per-group", type=int, default=3, metavar="N", help="with --include-bodies (default 3)"
    )
    parser.add_argument("--top", type=int, default=10, metavar="N", help="error groups listed (default 10)")
    parser.add_argument(
        "--show-hosts", action="store_true", help="name your own upstreams' hosts (hidden by default)"
    )
    parser.set_defaults(run="lookout.report_cli:run_report")


def run_report(args: argparse.Namespace, config: Config) -> int:
    from lookout.redaction import KeyringUnavailable
    from lookout.report.data import build_report
    from lookout.report.write import ReportUnavailable, write_report
    from lookout.store.db import open_reader

    fmt = chosen_format(args.format, args.out)
    options = report_options(args, at=now())
    out = output_path(args.out, fmt, options.end)
    if args.table and fmt != "csv":
        raise ValueError("--table only applies to --format csv")
    if out is None and fmt not in ("md", "json"):
        raise ValueError(f"--out - (standard output) works for md and json, not {fmt}")
    if out is not None and not out.parent.is_dir():
        raise ValueError(f"cannot write {out}: directory {out.parent} does not exist")
    progress = StderrProgress()
    db = open_reader(config.data_dir)
    try:
        report = build_report(db, options, config, progress=progress)
    except KeyringUnavailable as exc:
        print(f"lookout: error: cannot re-redact the report, so none was written: {exc}", file=sys.stderr)
        return 1
    finally:
        db.close()
    if out is None:
        return _to_stdout(report, fmt)
    try:
        written = write_report(report, fmt, out, table=args.table, progress=progress)
    except ReportUnavailable as exc:
        print(f"lookout: error: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(path)
    return 0


def chosen_format(fmt: str | None, out: str | None) -> Format:
    """``--format``, else the format ``--out``'s suffix names, else html."""
    if not fmt and out and out != "-":
        fmt = SUFFIXES.get(Path(out).suffix.lower())
    return cast("Format", fmt or "html")


def report_options(args: argparse.Namespace, *, at: float) -> ReportOptions:
    """The :class:`~lookout.report.model.ReportOptions` the flags ask for (raises ValueError)."""
    from lookout.report.model import ReportOptions

    extras = {
        "upstreams": tuple(args.upstream),
        "models": tuple(args.model),
        "include_bodies": args.include_bodies,
        "bodies_per_group": args.bodies_per_group,
        "top_groups": args.top,
        "show_hosts": args.show_hosts,
        "generated_at": at,
    }
    if args.from_ is None:
        if args.to:
            raise ValueError("--to needs --from (or use --since)")
        return ReportOptions.last(args.since or "7d", at=at, **extras)
    start = _time(args.from_, "--from")
    end = _time(args.to, "--to") if args.to else at
    return ReportOptions.between(start, end, **extras)


def output_path(out: str | None, fmt: str, end: float) -> Path | None:
    """``--out`` as a path (None for standard output); by default lookout-report-DATE.EXT here."""
    if out == "-":
        return None
    if out:
        return Path(out).expanduser()
    from lookout.report.write import default_file_name

    return Path(default_file_name(fmt, end))


class StderrProgress:
    """Prints each new step once, with how far along the whole job is."""

    def __init__(self) -> None:
        self._last = ""

    def __call__(self, message: str, fraction: float) -> None:
        if message != self._last:
            self._last = message
            print(f"lookout report: {fraction:4.0%} {message}", file=sys.stderr, flush=True)


def _to_stdout(report: Report, fmt: str) -> int:
    from lookout.report.jsonout import write_json
    from lookout.report.markdown import write_markdown

    (write_json if fmt == "json" else write_markdown)(report, sys.stdout)
    return 0


def _time(text: str, flag: str) -> float:
    try:
        return parse_iso(text)
    except ValueError:
        raise ValueError(
            f"{flag} {text!r} is not a date or time; use e.g. 2026-11-20 or 2026-11-20T08:00Z"
        ) from None
