"""Shared pytest fixtures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping

import pytest

from lookout.demo.fake_server import FakeProvider, run_fake_provider


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Mapping[str, Callable[[], asyncio.AbstractEventLoop]]:
    """Run async tests on uvloop where the engine would use it, so they test what ships."""
    try:
        import uvloop
    except ImportError:
        return {"asyncio": asyncio.new_event_loop}
    return {"uvloop": uvloop.new_event_loop}


@pytest.fixture
async def fake_provider() -> AsyncIterator[FakeProvider]:
    """A fake LLM provider (OpenAI, Anthropic, Gemini, Ollama formats) on a free loopback port."""
    async with run_fake_provider() as provider:
        yield provider
