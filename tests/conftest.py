"""Shared pytest fixtures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from lookout.demo.fake_server import FakeProvider, run_fake_provider


@pytest.fixture(scope="session")
def event_loop_policy() -> asyncio.AbstractEventLoopPolicy:
    """Run async tests on uvloop where the engine would use it, so they test what ships."""
    try:
        import uvloop
    except ImportError:
        return asyncio.DefaultEventLoopPolicy()
    return uvloop.EventLoopPolicy()


@pytest.fixture
async def fake_provider() -> AsyncIterator[FakeProvider]:
    """A fake LLM provider (OpenAI, Anthropic, Gemini, Ollama formats) on a free loopback port."""
    async with run_fake_provider() as provider:
        yield provider
