"""The recorder loop: writes what it receives, counts drops, sheds load, purges at start-up, flushes."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import threading
import time
from pathlib import Path

from lookout.core.clock import iso_utc
from lookout.core.config import Config, ProxySettings
from lookout.core.models import Exchange
from lookout.recorder.process import SHED_QUEUE_SHARE, Recorder
from lookout.store.db import open_reader, open_writer
from lookout.store.queries import count_calls, counters
from lookout.store.writer import CallWriter
from tests.store.factories import make_row


def exchange(n: int) -> Exchange:
    return Exchange(id=f"{n:032x}", started_at=time.time(), upstream="openai", method="POST",
                    path="/v1/embeddings", status_code=200, latency_ms=3.0)  # fmt: skip


def test_records_flush_on_stop_and_old_rows_are_purged_at_start_up(tmp_path: Path) -> None:
    writer = CallWriter(open_writer(tmp_path))
    writer.write_calls([make_row(id="ancient", started_at=iso_utc(time.time() - 40 * 86400))])
    writer.close()

    receive, send = multiprocessing.Pipe(duplex=False)
    recorder = threading.Thread(
        target=Recorder(Config(data_dir=tmp_path), multiprocessing.Event()).run, args=(receive,)
    )
    recorder.start()
    send.send(("calls", [exchange(n).packed() for n in range(25)]))
    send.send(("counters", {"dropped_records": 2}))
    time.sleep(0.5)  # let the start-up purge's short steps run before asking it to stop
    send.send(("stop", None))
    recorder.join(10)

    db = open_reader(tmp_path)
    assert not recorder.is_alive()
    assert count_calls(db) == 25  # the 40-day-old row went at start-up
    assert counters(db)["dropped_records"] == 2


def test_engine_going_away_still_flushes(tmp_path: Path) -> None:
    receive, send = multiprocessing.Pipe(duplex=False)
    recorder = threading.Thread(
        target=Recorder(Config(data_dir=tmp_path), multiprocessing.Event()).run, args=(receive,)
    )
    recorder.start()
    send.send(("calls", [exchange(1).packed()]))
    send.close()  # like a kill -9 of the engine: EOF on the pipe
    recorder.join(10)
    assert count_calls(open_reader(tmp_path)) == 1


def test_a_hurried_recorder_keeps_records_as_metadata_only(tmp_path: Path) -> None:
    hurry = multiprocessing.Event()
    hurry.set()
    receive, send = multiprocessing.Pipe(duplex=False)
    recorder = threading.Thread(target=Recorder(Config(data_dir=tmp_path), hurry).run, args=(receive,))
    recorder.start()
    send.send(("calls", [exchange(n).packed() for n in range(3)]))
    send.send(("stop", None))
    recorder.join(10)
    db = open_reader(tmp_path)
    assert count_calls(db) == 3
    payloads = list(db.table("payloads").rows)
    assert [p["dropped_reason"] for p in payloads] == ["engine stopping"] * 3  # the inspector says why
    assert all(p["request_body"] is None and p["request_headers"] is None for p in payloads)
    assert counters(db)["shutdown_metadata_only"] == 3


def embedding_call(n: int, ended_s_ago: float = 0.0) -> Exchange:
    call = exchange(n)
    call.started_at -= ended_s_ago
    call.request_body = b'{"model": "text-embedding-3-small", "input": "hello"}'
    call.request_content_type = "application/json"
    return call


def stored_with_bodies(tmp_path: Path, messages: list[tuple[str, object]]) -> list[str]:
    """Run a recorder on ``messages``; the ids of the calls stored with their bodies.

    The others must have a payload row that says why not, and nothing else.
    """
    receive, send = multiprocessing.Pipe(duplex=False)
    recorder = threading.Thread(
        target=Recorder(Config(data_dir=tmp_path), multiprocessing.Event()).run, args=(receive,)
    )
    recorder.start()
    for message in [*messages, ("stop", None)]:
        send.send(message)
    recorder.join(10)
    payloads = list(open_reader(tmp_path).table("payloads").rows)
    withheld = [p for p in payloads if p["request_body"] is None]
    assert all(p["dropped_reason"] == "recorder behind" and p["request_headers"] is None for p in withheld)
    return [p["call_id"] for p in payloads if p["request_body"] is not None]


def test_a_deep_engine_queue_makes_the_recorder_store_calls_without_bodies(tmp_path: Path) -> None:
    """Under a flood, keeping every call (cost, tokens, latency) beats redacting every body."""
    deep = int(ProxySettings().queue_max_records * SHED_QUEUE_SHARE) + 1
    flooded, after = embedding_call(1), embedding_call(2)
    stored = stored_with_bodies(
        tmp_path,
        [("backlog", deep), ("calls", [flooded.packed()]), ("backlog", 3), ("calls", [after.packed()])],
    )
    assert stored == [after.id]
    db = open_reader(tmp_path)
    assert count_calls(db) == 2 and counters(db)["backlog_metadata_only"] == 1


def test_a_backlog_from_start_up_is_redacted_not_shed(tmp_path: Path) -> None:
    """Calls queued while the recorder started (imports, Presidio) keep their bodies, however old."""
    early = [embedding_call(n, ended_s_ago=60.0) for n in range(3)]
    stored = stored_with_bodies(tmp_path, [("calls", [call.packed() for call in early]), ("backlog", 40)])
    assert sorted(stored) == sorted(call.id for call in early)


def test_scipy_is_loaded_while_the_recorder_starts_not_during_its_first_drift_run(tmp_path: Path) -> None:
    # A fresh interpreter: in this one, other tests may have imported scipy already.
    script = (
        "import sys, multiprocessing\n"
        "from lookout.core.config import Config\n"
        "from lookout.recorder.process import Recorder\n"
        "assert 'scipy.stats' not in sys.modules\n"
        f"Recorder(Config(data_dir={str(tmp_path)!r}), multiprocessing.Event())\n"
        "wanted = ('scipy.stats', 'scipy.special', 'scipy.spatial.distance')\n"
        "print(all(name in sys.modules for name in wanted))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "True", result.stderr
