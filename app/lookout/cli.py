"""The ``lookout`` command line: a thin layer of argument parsing over the packages.

Every command takes ``--data-dir`` (or ``LOOKOUT_DATA_DIR``) and ``--config``.
Commands that print results take ``--format json`` for scripts.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable, Sequence

from lookout import __version__
from lookout.core.config import Config, ConfigError, load_config, with_proxy
from lookout.keys.commands import add_keys_parser
from lookout.proxy.routing import parse_upstream_flags

Handler = Callable[[argparse.Namespace, Config], int]
CommandFactory = Callable[[str, str, str], argparse.ArgumentParser]

# Feature commands live beside their feature. Each module has
# ``add_parser(command: CommandFactory) -> None``, which calls
# ``command(name, help, epilog)`` and ``set_defaults(run="module:function")`` on the
# result, and imports nothing heavy at module level so ``lookout --help`` stays instant.
FEATURE_COMMANDS: tuple[str, ...] = (
    "lookout.errors_cli",
    "lookout.alerts_cli",
    "lookout.report_cli",
    "lookout.drift_cli",
)

EPILOGS = {
    "serve": """examples:
  lookout serve
  lookout serve --port 9000 --upstream mylab=http://10.0.0.5:8000
  OPENAI_BASE_URL=http://127.0.0.1:8787/openai/v1 python my_app.py""",
    "stats": """examples:
  lookout stats
  lookout stats --since 7d
  lookout stats --since 1h --format json | jq '.[] | select(.error_rate > 0.05)'""",
    "export": """examples:
  lookout export --format csv --since 7d --out calls.csv
  lookout export --format jsonl | gzip > calls.jsonl.gz""",
    "purge": """examples:
  lookout purge --dry-run
  lookout purge --older-than 7d""",
    "demo": """examples:
  lookout demo
  lookout demo --duration 20s && lookout stats""",
    "doctor": """examples:
  lookout doctor
  lookout doctor --format json""",
    "bench": """examples:
  lookout bench
  lookout bench --seconds 5          # a quicker look; the c=16 ratio is noisier
  lookout bench --requests 2000 --format json""",
}


def _common_flags(*, defaults: bool) -> argparse.ArgumentParser:
    """The flags every command takes. Subcommands get them without defaults, so that
    ``lookout --data-dir X stats`` keeps X instead of the subcommand resetting it."""
    common = argparse.ArgumentParser(add_help=False)
    unset = argparse.SUPPRESS
    common.add_argument(
        "--data-dir",
        default=None if defaults else unset,
        help="where lookout.db lives (env: LOOKOUT_DATA_DIR)",
    )
    common.add_argument(
        "--config",
        default=None if defaults else unset,
        help="TOML config file (default: the user config dir)",
    )
    common.add_argument(
        "-v", "--verbose", action="store_true", default=False if defaults else unset, help="log more"
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common_flags(defaults=False)
    parser = argparse.ArgumentParser(
        prog="lookout",
        description="Lookout: a privacy-first local monitor for the LLM API calls your programs make. "
        "With no command, `lookout` opens the desktop app.",
        parents=[_common_flags(defaults=True)],
    )
    parser.add_argument("--version", action="version", version=f"lookout {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, help_text: str, epilog: str | None = None) -> argparse.ArgumentParser:
        return sub.add_parser(
            name,
            help=help_text,
            description=help_text,
            parents=[common],
            epilog=epilog or EPILOGS.get(name),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    serve = command("serve", "run the proxy and recorder headless, until SIGTERM/SIGINT")
    _add_proxy_flags(serve)

    stats = command("stats", "per-model calls, error rate, latency, TTFT and cost")
    stats.add_argument("--since", default="24h", help="time window, e.g. 1h, 24h, 7d (default 24h)")
    stats.add_argument("--format", choices=("table", "json"), default="table")

    export = command("export", "export call records (metadata, no bodies) as CSV or JSON lines")
    export.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    export.add_argument("--since", default="30d", help="time window (default 30d)")
    export.add_argument("--out", help="output file (default: standard output)")

    purge = command("purge", "apply retention now: delete old calls (and payloads)")
    purge.add_argument(
        "--older-than",
        help="delete calls older than this, e.g. 7d (default: the retention setting)",
    )
    purge.add_argument("--dry-run", action="store_true", help="count what would be deleted, delete nothing")

    demo = command("demo", "fill the database with realistic traffic from a built-in fake provider")
    demo.add_argument("--duration", default="60s", help="how long to drive traffic (default 60s)")
    demo.add_argument("--rate", type=float, default=5.0, help="calls per second (default 5)")
    demo.add_argument("--port", type=int, default=0, help="proxy port (default: any free port)")

    add_keys_parser(sub, common)

    doctor = command("doctor", "check this installation: data dir, database, proxy, keychain, redaction mode")
    doctor.add_argument("--format", choices=("table", "json"), default="table")

    bench = command("bench", "measure the proxy's added latency and throughput against a direct connection")
    bench.add_argument(
        "--requests", type=int, default=1000, help="requests per latency series (default 1000)"
    )
    bench.add_argument(
        "--seconds",
        type=float,
        default=20.0,
        help="duration of each throughput run (default 20; 5 gives a quicker, noisier ratio)",
    )
    bench.add_argument("--format", choices=("table", "json"), default="table")
    bench.add_argument(
        "--loop", choices=("uvloop", "asyncio"), default="uvloop", help="event loop to measure"
    )
    bench.add_argument(
        "--no-bodies",
        action="store_true",
        help="store metadata only (measures the proxy with redaction idle)",
    )
    for module in FEATURE_COMMANDS:
        importlib.import_module(module).add_parser(command)
    return parser


def _add_proxy_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (default 8787)")
    parser.add_argument(
        "--upstream",
        action="append",
        default=[],
        metavar="NAME=URL",
        help="add or override an upstream; repeatable",
    )


def _config_for(args: argparse.Namespace) -> Config:
    upstreams = parse_upstream_flags(getattr(args, "upstream", []) or [])
    config = load_config(args.config, args.data_dir, upstreams)
    changes = {
        k: v
        for k, v in (("host", getattr(args, "host", None)), ("port", getattr(args, "port", None)))
        if v is not None
    }
    return with_proxy(config, **changes) if changes else config


def _handler(args: argparse.Namespace) -> Handler:
    run = getattr(args, "run", None)  # "module:function", set by a feature command
    if run:
        module, function = run.split(":")
        handler: Handler = getattr(importlib.import_module(module), function)
        return handler
    from lookout import commands  # deferred: keeps `lookout --help` instant

    builtin: Handler = getattr(commands, f"run_{args.command}")
    return builtin


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="lookout: %(message)s")
    if args.command is None:
        args.run = "lookout.ui.app:run_app"  # no command: the desktop app
    handler = _handler(args)
    try:
        config = _config_for(args)
        return handler(args, config)
    except (ConfigError, ValueError) as exc:
        print(f"lookout: error: {exc}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:  # e.g. no database yet: the message says what to do
        print(f"lookout: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
