"""The proxy-to-recorder queue never blocks: it drops bodies, then records, and counts both."""

from __future__ import annotations

import gc
import pickle
from dataclasses import replace
from pathlib import Path

import pytest

from lookout.core.config import Config, ProxySettings
from lookout.core.models import Exchange
from lookout.recorder.link import RecorderLink


def record(size: int) -> Exchange:
    return Exchange(id="x", started_at=0.0, upstream="openai", method="POST", path="/",
                    request_body=b"q" * size, request_bytes=size, response_body=b"r" * size,
                    response_bytes=size)  # fmt: skip


def test_over_budget_drops_bodies_first_then_records(tmp_path: Path) -> None:
    settings = replace(ProxySettings(), queue_max_records=3, queue_max_body_bytes=1000)
    link = RecorderLink(Config(data_dir=tmp_path, proxy=settings))  # not started: nothing drains it
    kept = record(400)
    stripped = record(400)
    link.submit(kept)
    link.submit(stripped)
    link.submit(record(10))
    link.submit(record(10))
    assert kept.request_body and kept.response_body
    assert stripped.request_body == b"" and stripped.response_truncated and stripped.request_truncated
    assert link.stats() == {"queued": 3, "dropped_payloads": 1, "dropped_records": 1}


def test_queued_records_are_packed_bytes_the_collector_never_walks(tmp_path: Path) -> None:
    link = RecorderLink(Config(data_dir=tmp_path))  # not started: the records stay queued
    sent = replace(record(300), request_headers=[("User-Agent", "sdk")], chunk_marks=[(300, 1.5)])
    link.submit(sent)
    blob, size = link._queue.get_nowait()  # type: ignore[misc]
    assert isinstance(blob, bytes) and not gc.is_tracked(blob) and size == 600
    assert Exchange.unpacked(blob) == sent


def test_each_batch_tells_the_recorder_how_many_records_still_wait(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The recorder sheds load (stores calls without bodies) when this backlog gets deep."""
    link = RecorderLink(Config(data_dir=tmp_path))  # not started: _run is driven by hand
    sent: list[tuple[str, object]] = []
    monkeypatch.setattr(link, "_deliver", sent.append)
    for _ in range(70):
        link.submit(record(10))
    link._queue.put(None)  # then stop
    link._run()
    assert [kind for kind, _ in sent] == ["calls", "backlog", "calls", "backlog", "stop"]
    assert [value for kind, value in sent if kind == "backlog"] == [6, 0]


def test_unpacking_refuses_anything_but_an_exchange() -> None:
    with pytest.raises(TypeError, match="packed Exchange"):
        Exchange.unpacked(pickle.dumps({"not": "an exchange"}))
