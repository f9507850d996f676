"""Test helpers shared across the suite: an in-process proxy and database waits."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yarl import URL

from lookout.core.config import ProxySettings
from lookout.core.models import Exchange
from lookout.proxy.engine import serving
from lookout.proxy.routing import Router
from lookout.proxy.server import ProxyServer

PROVIDER_UPSTREAMS = ("openai", "anthropic", "gemini", "ollama")


@dataclass
class InProcessProxy:
    """A real proxy on a loopback port whose records land in a list, not a recorder."""

    base_url: str
    server: ProxyServer
    records: list[Exchange] = field(default_factory=list)

    async def next_record(self, within_s: float = 5.0) -> Exchange:
        """Wait for the proxy's next finished record (records are handed off after the response)."""
        deadline = time.monotonic() + within_s
        while not self.records:
            if time.monotonic() > deadline:
                raise AssertionError("the proxy produced no record")
            await asyncio.sleep(0.01)
        return self.records.pop(0)


@contextlib.asynccontextmanager
async def in_process_proxy(upstreams: Mapping[str, str], **settings: Any) -> AsyncIterator[InProcessProxy]:
    records: list[Exchange] = []
    server = ProxyServer(ProxySettings(port=0, **settings), Router(upstreams), records.append)
    async with serving(server) as base_url:
        yield InProcessProxy(base_url, server, records)


def all_providers_at(base_url: str) -> dict[str, str]:
    return dict.fromkeys(PROVIDER_UPSTREAMS, base_url)


def fetch_calls(data_dir: Path, where: str = "1=1", params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    path = data_dir / "lookout.db"
    if not path.exists():
        return []
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        db.row_factory = sqlite3.Row
        try:
            rows = db.execute(f"select * from calls where {where} order by started_at", params).fetchall()
        except sqlite3.OperationalError:  # table not created yet
            return []
        return [dict(row) for row in rows]


async def wait_for_calls(data_dir: Path, count: int, within_s: float = 10.0) -> list[dict[str, Any]]:
    """Poll the database until it holds at least ``count`` calls."""
    deadline = time.monotonic() + within_s
    while True:
        rows = fetch_calls(data_dir)
        if len(rows) >= count:
            return rows
        if time.monotonic() > deadline:
            raise AssertionError(f"expected {count} calls in the database, found {len(rows)}")
        await asyncio.sleep(0.05)


Script = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextlib.asynccontextmanager
async def raw_server(script: Script) -> AsyncIterator[tuple[URL, list[bytes]]]:
    """A TCP server that runs ``script`` per connection; yields its URL and a list for request heads."""
    heads: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await script(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield URL(f"http://127.0.0.1:{port}/v1/x?a=1"), heads
    finally:
        server.close()


async def read_request(reader: asyncio.StreamReader, heads: list[bytes]) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    heads.append(head)
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return await reader.readexactly(int(line.split(b":")[1]))
    return b""
