"""Privacy end to end: canaries go through every path, and no byte of them reaches disk or logs.

A real engine (proxy + recorder with a real Presidio engine) sits between an
aiohttp client and two upstreams: the fake provider (OpenAI, Anthropic, Gemini,
Ollama formats) and a small echo upstream that quotes the prompt back in plain
and streamed answers, in an error message and in a non-JSON body. Afterwards
every file in the data dir is scanned byte by byte, as is everything the
processes printed, and then every way data leaves Lookout on purpose: each
report format with bodies included, and the printing commands' JSON output.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from lookout.cli import main as lookout_main
from lookout.core.clock import now
from lookout.core.config import Config, ProxySettings
from lookout.demo.fake_server import FakeProvider
from lookout.proxy.engine import running_engine
from lookout.report.data import build_report
from lookout.report.model import ExamplesSection, ReportOptions
from lookout.report.write import FORMATS, write_report
from lookout.store.db import open_reader
from tests.helpers import all_providers_at, wait_for_calls
from tests.redaction.payloads import CANARIES, CANARY_TEXT
from tests.report.scan import readable

CANARY_VALUES = [value for values in CANARIES.values() for value in values]
# Canaries in the context that defines them (a bearer token after "Bearer", a
# password inside a URL), as a user's prompt would carry them.
PROMPT = "Please remember these for me: " + CANARY_TEXT
SECRET_KEY = "sk-proj-Zq8RvT3kLm9NpQ2sXw4YbC6dFh1JgK5eUa7ViO0tHr2Ws8Ex"


def prompt_of(body: bytes) -> str:
    return str(json.loads(body)["messages"][-1]["content"])


async def echo_chat(request: web.Request) -> web.StreamResponse:
    text = prompt_of(await request.read())
    if request.headers.get("x-echo-status"):
        error = {"message": f"Invalid prompt: {text}", "type": "invalid_request_error", "code": None}
        return web.json_response({"error": error}, status=400)
    if request.headers.get("x-echo-stream"):
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        for start in range(0, len(text), 40):
            delta = {"choices": [{"index": 0, "delta": {"content": text[start : start + 40]}}]}
            await response.write(f"data: {json.dumps({'model': 'gpt-4o-mini', **delta})}\n\n".encode())
        await response.write(b"data: [DONE]\n\n")
        return response
    message = {"role": "assistant", "content": f"You said: {text}"}
    return web.json_response({"model": "gpt-4o-mini", "choices": [{"index": 0, "message": message}]})


async def echo_text(request: web.Request) -> web.Response:
    return web.Response(text=f"plain echo: {(await request.read()).decode()}")


@pytest.fixture
async def echo_upstream() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_post("/v1/chat/completions", echo_chat)
    app.router.add_post("/v1/text", echo_text)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


async def send_everything(session: aiohttp.ClientSession, base: str) -> int:
    chat = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": PROMPT}]}
    secret = {"Authorization": f"Bearer {SECRET_KEY}", "x-api-key": SECRET_KEY, "Cookie": f"s={SECRET_KEY}"}
    requests = [
        ("/echo/v1/chat/completions", chat, {}),
        ("/echo/v1/chat/completions", {**chat, "stream": True}, {"x-echo-stream": "1"}),
        ("/echo/v1/chat/completions", chat, {"x-echo-status": "400"}),
        ("/openai/v1/chat/completions", {**chat, "stream": True}, {}),
        ("/openai/v1/responses", {"model": "gpt-4.1", "input": PROMPT}, {}),
        (
            "/anthropic/v1/messages",
            {**chat, "model": "claude-haiku-4-5", "max_tokens": 50, "stream": True},
            {},
        ),
        (
            "/gemini/v1beta/models/gemini-2.5-flash:generateContent",
            {"contents": [{"parts": [{"text": PROMPT}]}]},
            {},
        ),
        ("/ollama/api/chat", {**chat, "model": "llama3.2"}, {}),
    ]
    for path, body, headers in requests:
        async with session.post(
            f"{base}{path}?key={SECRET_KEY}", json=body, headers={**secret, **headers}
        ) as r:
            await r.read()
    text_headers = {**secret, "Content-Type": "text/plain; charset=utf-8"}
    async with session.post(f"{base}/echo/v1/text", data=PROMPT.encode(), headers=text_headers) as r:
        assert PROMPT in await r.text()  # the user's traffic itself is untouched
    return len(requests) + 1


def leaked(blob: bytes) -> list[str]:
    found = [value for value in [*CANARY_VALUES, SECRET_KEY] if value.encode() in blob]
    # JSON escapes some characters (e.g. "/" never, "\n" in PEM keys): check that form too.
    found += [v for v in CANARY_VALUES if json.dumps(v)[1:-1].encode() in blob and v not in found]
    return found


async def test_no_canary_reaches_disk_or_logs(
    fake_provider: FakeProvider,
    echo_upstream: str,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")  # the PDF and HTML reports draw charts
    data = tmp_path / "data"
    upstreams = {**all_providers_at(fake_provider.base_url), "echo": echo_upstream}
    config = Config(data_dir=data, proxy=ProxySettings(port=0), upstreams=upstreams)
    async with running_engine(config) as engine, aiohttp.ClientSession() as session:
        sent = await send_everything(session, engine.base_url)
        await wait_for_calls(data, sent, within_s=30)

    files = [path for path in data.rglob("*") if path.is_file()]
    assert any(path.name == "lookout.db" for path in files)
    for path in files:
        assert leaked(path.read_bytes()) == [], path
    output = capfd.readouterr()
    assert leaked((output.out + output.err).encode()) == []

    with sqlite3.connect(data / "lookout.db") as db:
        stored = db.execute("select request_body, response_body, redactions from payloads").fetchall()
        messages = [
            m for (m,) in db.execute("select error_message from calls where error_message is not null")
        ]
    assert len(stored) == sent
    assert all(request is not None for request, _, _ in stored), "bodies are stored, redacted"
    counts: dict[str, int] = {}
    for _, _, redactions in stored:
        for entity, n in json.loads(redactions).items():
            counts[entity] = counts.get(entity, 0) + n
    assert {"EMAIL_ADDRESS", "API_KEY", "CREDIT_CARD"} <= set(counts)
    assert any("Invalid prompt" in message and "<EMAIL_ADDRESS>" in message for message in messages)
    streamed = [response for _, response, _ in stored if response and "<EMAIL_ADDRESS>" in response]
    assert streamed, "responses that echoed the canaries are stored, redacted"

    exported = export_everything(config, tmp_path / "exports", capfd)
    assert exported
    for path in exported:
        for text in readable(path) if path.suffix != ".txt" else [path.read_text()]:
            assert leaked(text.encode()) == [], path.name


def export_everything(config: Config, out: Path, capfd: pytest.CaptureFixture[str]) -> list[Path]:
    """Every report format with bodies, and the JSON of each printing command, as files."""
    out.mkdir()
    db = open_reader(config.data_dir)
    try:
        report = build_report(db, ReportOptions.last("1h", at=now(), include_bodies=True), config)
    finally:
        db.close()
    assert isinstance(report.examples, ExamplesSection) and report.examples.calls, "bodies to scan"
    paths = [path for fmt in FORMATS for path in write_report(report, fmt, out / f"report.{fmt}")]
    commands = [
        ["errors"],
        ["alerts", "--status", "all"],
        ["stats"],
        ["drift"],
        ["export", "--format", "jsonl"],
    ]
    for command in commands:
        capfd.readouterr()
        extra = [] if command[0] == "export" else ["--format", "json"]
        assert lookout_main([*command, *extra, "--data-dir", str(config.data_dir)]) == 0
        target = out / f"{command[0]}.txt"
        target.write_text(capfd.readouterr().out)
        paths.append(target)
    return paths
