"""``python -m lookout.demo``: run the fake provider alone, in its own process.

Benchmarks use it as the "direct" upstream so that the proxy and the upstream do
not share an event loop; it is also handy for poking at the wire formats by hand.
It prints its base URL on the first line of output, then serves until interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from lookout.demo.fake_server import serve_forever


def main(argv: list[str] | None = None) -> None:
    """Parse ``--host`` and ``--port`` and serve until Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m lookout.demo", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind (default: a free one)")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_forever(args.host, args.port))


if __name__ == "__main__":
    main()
