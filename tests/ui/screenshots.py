"""The README's screenshots: the real app, on a virtual screen, over realistic data.

Builds a data dir with 30 days of generated history (rolled up as the recorder
would) plus a real ``lookout demo`` run through the proxy and recorder, so error
groups, alerts, payloads and drift are the real thing. Then opens the main
window and saves one PNG per view. Run it from the repository root::

    xvfb-run -a -s "-screen 0 1600x1000x24" python -m tests.ui.screenshots resources/screenshots
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from lookout.core.config import load_config
from lookout.demo.run import run_demo
from lookout.store import rollup
from lookout.store.db import open_writer
from tests.ui.bigdb import generate

VIEWS = ("overview", "calls", "errors", "performance", "drift", "cost", "traces", "alerts", "connect")
SETTLE_S = 2.5


def build_data(data_dir: Path, calls: int) -> None:
    generate(data_dir, calls=calls, end=time.time() - 120, payload_every=5)
    db = open_writer(data_dir)
    with db.atomic():
        rollup.rebuild(db)
    db.close()
    config = load_config(None, data_dir)
    config = replace(config, proxy=replace(config.proxy, port=0, shutdown_grace_s=120.0))
    asyncio.run(run_demo(config, duration_s=45.0, rate_per_s=6.0, on_progress=None))


def shoot(data_dir: Path, out: Path) -> None:
    from PySide6.QtCore import QCoreApplication, QEventLoop, QSettings

    from lookout.ui.app import application
    from lookout.ui.context import AppContext
    from lookout.ui.window import MainWindow

    app = application()
    QSettings().clear()
    ctx = AppContext(load_config(None, data_dir))
    window = MainWindow(ctx)
    window.resize(1440, 900)
    window.show()

    def settle() -> None:
        deadline = time.monotonic() + SETTLE_S
        while time.monotonic() < deadline:
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
            ctx.wait_idle(50)

    settle()
    for key in VIEWS:
        window.show_view(key)
        settle()
        if key == "calls":
            window.open_item("calls", _streamed_call(data_dir))
            settle()
        if key == "traces":
            window.open_item("traces", _busiest_session(data_dir))
            settle()
        window.grab().save(str(out / f"{key}.png"))
        print(f"saved {out / f'{key}.png'}")
    app.quit()


def _streamed_call(data_dir: Path) -> str:
    """The newest streamed call with a stored body: its inspector shows the chunk timeline."""
    from lookout.store.db import open_reader

    row = (
        open_reader(data_dir)
        .execute(
            "SELECT c.id FROM calls c JOIN payloads p ON p.call_id = c.id "
            "WHERE c.streamed AND p.response_body IS NOT NULL AND p.chunk_times IS NOT NULL "
            "ORDER BY c.started_at DESC LIMIT 1"
        )
        .fetchone()
    )
    return str(row[0])


def _busiest_session(data_dir: Path) -> str:
    """The demo's session with the most calls: its waterfall shows the calls and their traces."""
    from lookout.store.db import open_reader

    row = (
        open_reader(data_dir)
        .execute(
            "SELECT session_id FROM calls WHERE session_id IS NOT NULL "
            "AND started_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 day') "
            "GROUP BY session_id ORDER BY count(*) DESC LIMIT 1"
        )
        .fetchone()
    )
    return str(row[0])


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("--calls", type=int, default=60_000, help="generated history (default 60000)")
    parser.add_argument("--data-dir", type=Path, help="reuse (or keep) this data dir")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="lookout-shots-"))
    if not (data_dir / "lookout.db").exists():
        build_data(data_dir, args.calls)
    os.environ.setdefault("LOOKOUT_THEME", "light")
    shoot(data_dir, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
