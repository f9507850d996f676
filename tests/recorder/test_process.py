"""The recorder loop: writes what it receives, counts drops, purges on start-up, flushes on stop."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from lookout.core.clock import iso_utc
from lookout.core.config import Config
from lookout.core.models import Exchange
from lookout.recorder import process
from lookout.recorder.process import Recorder
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


def embedding_call(n: int, ended_s_ago: float) -> Exchange:
    call = exchange(n)
    call.started_at -= ended_s_ago
    call.request_body = b'{"model": "text-embedding-3-small", "input": "hello"}'
    call.request_content_type = "application/json"
    return call


def stored_with_bodies(tmp_path: Path, ended_s_ago: list[float], after_s: float = 0.0) -> list[int]:
    """Run a recorder and, once it has run ``after_s``, send it calls that ended that long ago.

    Returns the indexes of the calls stored with their bodies; the others must say why not.
    """
    receive, send = multiprocessing.Pipe(duplex=False)
    recorder = threading.Thread(
        target=Recorder(Config(data_dir=tmp_path), multiprocessing.Event()).run, args=(receive,)
    )
    recorder.start()
    time.sleep(after_s)
    calls = [embedding_call(n, ago) for n, ago in enumerate(ended_s_ago)]
    send.send(("calls", [call.packed() for call in calls]))
    send.send(("stop", None))
    recorder.join(10)
    db = open_reader(tmp_path)
    assert count_calls(db) == len(calls)
    payloads = {row["call_id"]: row for row in db.table("payloads").rows}
    stored = [n for n, call in enumerate(calls) if payloads[call.id]["request_body"] is not None]
    withheld = [payloads[call.id] for n, call in enumerate(calls) if n not in stored]
    assert all(p["dropped_reason"] == "recorder behind" and p["request_headers"] is None for p in withheld)
    return stored


def test_a_recorder_far_behind_stores_calls_as_metadata_until_it_catches_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under a flood, keeping every call (cost, tokens, latency) beats redacting every body."""
    monkeypatch.setattr(process, "SHED_LAG_S", 0.5)
    # Sent 1.5 s into the recorder's run: the first call has waited 1.5 s for it, over the limit.
    assert stored_with_bodies(tmp_path, [2.0, 0.0], after_s=1.5) == [1]
    assert counters(open_reader(tmp_path))["backlog_metadata_only"] == 1


def test_calls_queued_while_the_recorder_started_keep_their_bodies(tmp_path: Path) -> None:
    # Ended long ago, but queued while the recorder started: it isn't behind yet.
    assert stored_with_bodies(tmp_path, [process.SHED_LAG_S * 3]) == [0]


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
