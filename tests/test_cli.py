"""The `lookout` commands end to end: real processes, signals, and a real database."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest

from lookout.demo.fake_server import FakeProvider
from tests.helpers import fetch_calls, wait_for_calls

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hello"}]}


def lookout(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lookout.cli", *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=120,
    )


@asynccontextmanager
async def serve(data_dir: Path, upstream: str) -> AsyncIterator[tuple[asyncio.subprocess.Process, str]]:
    """`lookout serve` on a free port, as a real child process."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "lookout.cli", "serve", "--port", "0", "--data-dir", str(data_dir),
        "--upstream", f"openai={upstream}",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
    base_url = line.split(" proxy on ")[1].split()[0]
    try:
        yield process, base_url
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def chat(session: aiohttp.ClientSession, base_url: str, **headers: str) -> int:
    async with session.post(f"{base_url}/openai/v1/chat/completions", json=CHAT, headers=headers) as response:
        await response.read()
        return response.status


def process_exists(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def recorder_pid(engine_pid: int) -> int:
    """The engine's spawned recorder child (not multiprocessing's resource tracker)."""
    for proc in Path("/proc").iterdir():
        try:
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (proc / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == engine_pid and b"spawn_main" in cmdline:
            return int(proc.name)
    raise AssertionError("no recorder process found")


async def test_sigterm_finishes_in_flight_calls_and_flushes_everything(
    fake_provider: FakeProvider, tmp_path: Path
) -> None:
    async with (
        serve(tmp_path, fake_provider.base_url) as (process, base_url),
        aiohttp.ClientSession() as session,
    ):
        assert [await chat(session, base_url) for _ in range(20)] == [200] * 20
        slow = asyncio.create_task(chat(session, base_url, **{"x-fake-latency-ms": "800"}))
        await asyncio.sleep(0.3)
        process.send_signal(signal.SIGTERM)
        assert await slow == 200  # the in-flight call was allowed to finish
        assert await asyncio.wait_for(process.wait(), 20) == 0
    rows = fetch_calls(tmp_path)
    assert len(rows) == 21 and all(row["outcome"] == "ok" for row in rows)


async def test_kill_9_loses_nothing_flushed_and_never_corrupts(
    fake_provider: FakeProvider, tmp_path: Path
) -> None:
    async with (
        serve(tmp_path, fake_provider.base_url) as (process, base_url),
        aiohttp.ClientSession() as session,
    ):
        for _ in range(10):
            await chat(session, base_url)
        await wait_for_calls(tmp_path, 10)
        recorder = recorder_pid(process.pid)
        process.kill()
        await process.wait()
        for _ in range(50):  # the recorder notices its engine is gone, flushes and exits
            await asyncio.sleep(0.1)
            if not process_exists(recorder):
                break
        assert not process_exists(recorder)
    with sqlite3.connect(tmp_path / "lookout.db") as db:
        assert db.execute("pragma integrity_check").fetchone() == ("ok",)
        assert db.execute("select count(*) from calls").fetchone() == (10,)


async def test_a_dead_recorder_is_restarted_and_counted(fake_provider: FakeProvider, tmp_path: Path) -> None:
    async with (
        serve(tmp_path, fake_provider.base_url) as (process, base_url),
        aiohttp.ClientSession() as session,
    ):
        await chat(session, base_url)
        await wait_for_calls(tmp_path, 1)
        os.kill(recorder_pid(process.pid), signal.SIGKILL)
        await asyncio.sleep(0.5)
        for _ in range(5):
            assert await chat(session, base_url) == 200  # traffic is unaffected
        await wait_for_calls(tmp_path, 6, within_s=20)
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 20) == 0
    with sqlite3.connect(tmp_path / "lookout.db") as db:
        restarts = db.execute("select value from counters where name = 'recorder_restarts'").fetchone()
    assert restarts is not None and restarts[0] >= 1


def test_data_dir_and_files_are_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = lookout("demo", "--duration", "2s", data_dir=data)
    assert result.returncode == 0, result.stderr
    assert (data.stat().st_mode & 0o777) == 0o700
    for path in data.iterdir():
        assert (path.stat().st_mode & 0o777) == 0o600, path


def test_demo_then_stats_summarise_the_database(tmp_path: Path) -> None:
    result = lookout("demo", "--duration", "6s", "--rate", "8", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "demo done" in result.stdout
    rows = fetch_calls(tmp_path)
    assert len(rows) >= 20
    assert {row["upstream"] for row in rows} == {"openai", "anthropic", "gemini", "ollama"}
    assert any(row["streamed"] for row in rows) and any(row["outcome"] == "error" for row in rows)

    stats = json.loads(lookout("stats", "--format", "json", data_dir=tmp_path).stdout)
    assert sum(s["calls"] for s in stats) == len(rows)
    errors = sum(row["outcome"] not in ("ok", "client_aborted") for row in rows)
    assert sum(s["errors"] for s in stats) == errors
    for entry in stats:
        mine = [r for r in rows if (r["upstream"], r["model"]) == (entry["upstream"], entry["model"])]
        priced = [r["cost_usd"] for r in mine if r["cost_usd"] is not None]
        assert entry["cost_usd"] == (pytest.approx(sum(priced)) if priced else None)
    table = lookout("stats", data_dir=tmp_path).stdout
    assert "gpt-4o-mini" in table and "unpriced" in table  # llama3.2 on ollama has no price


def test_export_and_purge(tmp_path: Path) -> None:
    assert lookout("demo", "--duration", "2s", data_dir=tmp_path).returncode == 0
    count = len(fetch_calls(tmp_path))
    out = tmp_path / "calls.csv"
    assert lookout("export", "--format", "csv", "--out", str(out), data_dir=tmp_path).returncode == 0
    assert len(out.read_text().splitlines()) == count + 1
    jsonl = lookout("export", "--format", "jsonl", data_dir=tmp_path).stdout.splitlines()
    assert len(jsonl) == count and "request_body" not in json.loads(jsonl[0])
    dry = lookout("purge", "--older-than", "0s", "--dry-run", data_dir=tmp_path)
    assert f"would delete {count} calls" in dry.stdout and len(fetch_calls(tmp_path)) == count
    assert f"deleted {count} calls" in lookout("purge", "--older-than", "0s", data_dir=tmp_path).stdout
    assert fetch_calls(tmp_path) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["stats", "--since", "soon"], "invalid duration"),
        (["stats"], "no Lookout database"),
        (["serve", "--host", "0.0.0.0"], "only listens on loopback"),
        (["serve", "--upstream", "broken"], "NAME=URL"),
    ],
)
def test_clear_errors(tmp_path: Path, args: list[str], message: str) -> None:
    result = lookout(*args, data_dir=tmp_path / "empty")
    assert result.returncode in (1, 2)
    assert message in result.stderr


def test_every_command_has_help_with_examples(tmp_path: Path) -> None:
    for command in ("serve", "stats", "export", "purge", "demo", "bench", "doctor", "keys"):
        result = lookout(command, "--help", data_dir=tmp_path)
        assert result.returncode == 0 and "examples:" in result.stdout, command


def test_common_flags_work_before_and_after_the_command() -> None:
    from lookout.cli import build_parser

    parser = build_parser()
    assert parser.parse_args(["--data-dir", "X", "stats"]).data_dir == "X"
    assert parser.parse_args(["stats", "--data-dir", "Y"]).data_dir == "Y"
    assert parser.parse_args(["stats"]).data_dir is None
    assert parser.parse_args(["-v", "stats"]).verbose is True


def test_doctor_reports_mode_and_problems(tmp_path: Path) -> None:
    assert lookout("demo", "--duration", "2s", data_dir=tmp_path).returncode == 0
    result = lookout("doctor", "--format", "json", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    findings = {finding["check"]: finding for finding in json.loads(result.stdout)}
    assert findings["data dir"]["status"] == "ok"
    assert "calls, schema v" in findings["database"]["detail"]
    assert (
        "patterns only" in findings["redaction"]["detail"]
        and "en_core_web_md" in findings["redaction"]["detail"]
    )
    assert {"version", "proxy", "upstreams", "keychain"} <= set(findings)
