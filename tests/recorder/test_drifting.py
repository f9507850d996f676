"""The recorder's side of drift: text measured as rows are built, and the stepwise hourly job."""

from __future__ import annotations

import json
import logging
import multiprocessing
import sqlite3
import threading
import time
from pathlib import Path

import anthropic
import openai
import pytest
from sqlite_utils import Database

from lookout.analysis.cost import PriceTable
from lookout.analysis.refusal import RefusalDetector
from lookout.core.clock import iso_utc
from lookout.core.config import Config
from lookout.core.drift_config import DriftSettings
from lookout.core.models import Exchange
from lookout.demo.fake_server import FakeProvider
from lookout.recorder.build import RowBuilder
from lookout.recorder.drifting import DriftJob, drift_run
from lookout.recorder.process import Recorder
from lookout.store.db import database_path, open_reader, open_writer
from lookout.store.drift import last_computed_at, latest_snapshots, pin_baseline
from tests.helpers import all_providers_at, in_process_proxy
from tests.store.factories import NOW, bulk_insert, unit_calls

DAY = 86_400.0
HI = [{"role": "user", "content": "Say hello"}]


def builder(phrases: tuple[str, ...] = ()) -> RowBuilder:
    return RowBuilder(
        PriceTable.load({}), capture_limit=1 << 20, payloads=None, refusals=RefusalDetector(phrases)
    )


# --- text measured when rows are built ---------------------------------------------------


async def test_rows_carry_the_answers_length_measured_on_real_traffic(fake_provider: FakeProvider) -> None:
    async with in_process_proxy(all_providers_at(fake_provider.base_url)) as proxy:
        client = openai.AsyncOpenAI(base_url=f"{proxy.base_url}/openai/v1", api_key="sk-test", max_retries=0)
        plain = await client.chat.completions.create(model="gpt-4o-mini", messages=HI)  # type: ignore[arg-type]
        plain_row = builder().build(await proxy.next_record()).row
        stream = await client.chat.completions.create(model="gpt-4o-mini", messages=HI, stream=True)  # type: ignore[arg-type]
        streamed_text = "".join(
            [chunk.choices[0].delta.content or "" async for chunk in stream if chunk.choices]
        )
        stream_row = builder().build(await proxy.next_record()).row
        claude = anthropic.AsyncAnthropic(
            base_url=f"{proxy.base_url}/anthropic", api_key="sk-ant", max_retries=0
        )
        async with claude.messages.stream(model="claude-haiku-4-5", max_tokens=100, messages=HI) as events:  # type: ignore[arg-type]
            claude_text = await events.get_final_text()
        claude_row = builder().build(await proxy.next_record()).row
        await client.embeddings.create(model="text-embedding-3-small", input="hello")
        embedding_row = builder().build(await proxy.next_record()).row
    assert plain.choices[0].message.content
    assert (plain_row.response_chars, plain_row.refusal, plain_row.empty_response) == (
        len(plain.choices[0].message.content),
        False,
        False,
    )
    assert stream_row.streamed and stream_row.response_chars == len(streamed_text) > 0
    assert claude_row.response_chars == len(claude_text) > 0 and claude_row.refusal is False
    # Not a text-generation answer: unknown, not zero.
    assert (embedding_row.response_chars, embedding_row.refusal, embedding_row.empty_response) == (None,) * 3


def chat_exchange(body: dict[str, object], **changes: object) -> Exchange:
    raw = json.dumps(body).encode()
    exchange = Exchange(
        id="0" * 32, started_at=NOW, upstream="openai", method="POST", path="/v1/chat/completions",
        request_body=b'{"model":"gpt-4o-mini","messages":[]}', status_code=200,
        response_content_type="application/json", response_body=raw, response_bytes=len(raw),
        latency_ms=300.0,
    )  # fmt: skip
    for key, value in changes.items():
        setattr(exchange, key, value)
    return exchange


def answer(text: str) -> dict[str, object]:
    return {"model": "gpt-4o-mini", "choices": [{"message": {"role": "assistant", "content": text}}]}


def test_refusals_and_empty_answers_are_flagged_and_only_numbers_are_kept() -> None:
    refused = builder().build(chat_exchange(answer("I'm sorry, but I can't help with that."))).row
    assert (refused.response_chars, refused.refusal, refused.empty_response) == (38, True, False)
    empty = builder().build(chat_exchange(answer("  "))).row
    assert (empty.refusal, empty.empty_response) == (False, True)
    custom = builder(("ne mogu",)).build(chat_exchange(answer("Ne mogu to učiniti."))).row
    assert custom.refusal is True


def test_failed_or_cut_responses_are_not_measured() -> None:
    failed = builder().build(chat_exchange(answer("I can't help with that."), status_code=500)).row
    cut = builder().build(chat_exchange(answer("Hello"), response_truncated=True)).row
    for row in (failed, cut):
        assert (row.response_chars, row.refusal, row.empty_response) == (None, None, None)


# --- the job ---------------------------------------------------------------------------------


def fill(data_dir: Path, *, end: float, slower: float = 1.0) -> None:
    """Two units: 700 calls over the week before the last day, 300 in the last day (slower)."""
    open_writer(data_dir).close()
    path = str(database_path(data_dir))
    for seed, model in ((1, "gpt-4o-mini"), (2, "gpt-4.1")):
        bulk_insert(path, unit_calls(700, start=end - 8 * DAY, step_s=7 * DAY / 700, seed=seed, model=model))
        rows = unit_calls(300, start=end - DAY, step_s=DAY / 300, seed=seed + 10, model=model, slower=slower)
        bulk_insert(path, rows)


def can_take_the_write_lock(path: Path) -> bool:
    conn = sqlite3.connect(path, timeout=0)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.rollback()
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        conn.close()


def test_a_run_computes_unit_by_unit_holding_no_write_lock_then_writes_once(tmp_path: Path) -> None:
    fill(tmp_path, end=NOW, slower=1.6)
    writer, reader = open_writer(tmp_path), open_reader(tmp_path)
    steps = drift_run(writer, reader, DriftSettings(), now=NOW)
    progress = []
    for run in steps:
        progress.append((run.units, run.done, run.snapshots))
        stored = writer.execute("SELECT count(*) FROM drift_snapshots").fetchone()[0]
        if run.snapshots == 0:  # still computing: nothing written, nothing locked
            assert stored == 0 and not writer.conn.in_transaction
            assert can_take_the_write_lock(database_path(tmp_path))
    # Listing, then per unit: its baseline, its current window, its statistics; then the write.
    assert progress[:7] == [(2, 0, 0), (2, 0, 0), (2, 0, 0), (2, 1, 0), (2, 1, 0), (2, 1, 0), (2, 2, 0)]
    assert progress[-1][2] == stored > 0
    assert run.write_ms < 1000
    latency = [s for s in latest_snapshots(reader) if s.metric == "latency_ms"]
    assert {s.model for s in latency} == {"gpt-4o-mini", "gpt-4.1"}
    assert all(s.severity in ("moderate", "major") and s.computed_at == iso_utc(NOW) for s in latency)
    writer.close()
    reader.close()


def test_a_pinned_baseline_in_the_settings_is_used_and_a_missing_one_falls_back(tmp_path: Path) -> None:
    fill(tmp_path, end=NOW)
    writer, reader = open_writer(tmp_path), open_reader(tmp_path)
    pin_baseline(writer, "early", iso_utc(NOW - 8 * DAY), iso_utc(NOW - 6 * DAY), created_at=iso_utc(NOW))
    list(drift_run(writer, reader, DriftSettings(baseline="early"), now=NOW))
    assert {s.baseline_name for s in latest_snapshots(reader)} == {"early"}
    list(drift_run(writer, reader, DriftSettings(baseline="gone"), now=NOW + 3600))
    assert {s.baseline_name for s in latest_snapshots(reader)} == {"7d"}
    writer.close()
    reader.close()


def test_the_job_runs_when_due_and_again_an_interval_after_the_last_stored_run(tmp_path: Path) -> None:
    fill(tmp_path, end=NOW)
    writer = open_writer(tmp_path)
    job = DriftJob(tmp_path, DriftSettings(interval_s=3600), writer)
    job.start_if_due(NOW)  # nothing stored yet: due at once
    assert job.busy
    while job.busy:
        job.step()
    assert last_computed_at(writer) == iso_utc(NOW)
    job.start_if_due(NOW + 3599)
    assert not job.busy
    # A restarted recorder picks up the schedule from the database.
    restarted = DriftJob(tmp_path, DriftSettings(interval_s=3600), writer)
    restarted.start_if_due(NOW + 1800)
    assert not restarted.busy
    restarted.start_if_due(NOW + 3600)
    assert restarted.busy
    restarted.close()
    assert not restarted.busy and last_computed_at(writer) == iso_utc(NOW)  # an abandoned run stores nothing
    writer.close()


def test_a_failing_run_is_logged_and_dropped_without_stopping_anything(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fill(tmp_path, end=NOW)
    read_only = open_reader(tmp_path)  # the final write fails: a real error, not a mock
    job = DriftJob(tmp_path, DriftSettings(), read_only)
    with caplog.at_level(logging.ERROR, logger="lookout.recorder.drifting"):
        job.start_if_due(NOW)
        while job.busy:
            job.step()
    assert "drift run failed (OperationalError)" in caplog.text
    assert last_computed_at(read_only) is None
    read_only.close()


def test_the_recorder_stores_drift_snapshots_while_it_records(tmp_path: Path) -> None:
    fill(tmp_path, end=time.time())
    receive, send = multiprocessing.Pipe(duplex=False)
    recorder = threading.Thread(
        target=Recorder(Config(data_dir=tmp_path), multiprocessing.Event()).run, args=(receive,)
    )
    recorder.start()
    deadline = time.monotonic() + 30
    db = Database(sqlite3.connect(f"file:{database_path(tmp_path)}?mode=ro", uri=True))
    while not last_computed_at(db) and time.monotonic() < deadline:
        time.sleep(0.05)
    send.send(("stop", None))
    recorder.join(10)
    assert not recorder.is_alive()
    assert {s.model for s in latest_snapshots(db)} == {"gpt-4o-mini", "gpt-4.1"}
    db.close()
