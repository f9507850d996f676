"""Shared pytest fixtures."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from lookout.demo.fake_server import FakeProvider, run_fake_provider


@pytest.fixture
async def fake_provider() -> AsyncIterator[FakeProvider]:
    """A fake LLM provider (OpenAI, Anthropic, Gemini, Ollama formats) on a free loopback port."""
    async with run_fake_provider() as provider:
        yield provider
