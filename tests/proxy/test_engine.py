"""The engine process's own set-up: what ``running_engine`` does beyond serving."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest

from lookout.core.config import CaptureSettings, Config, ProxySettings
from lookout.proxy.engine import running_engine


@pytest.fixture
def unfreeze_after() -> Iterator[None]:
    yield
    gc.unfreeze()  # hand the test process's objects back to the collector


@pytest.mark.usefixtures("unfreeze_after")
async def test_long_lived_objects_are_frozen_once_the_engine_listens(tmp_path: Path) -> None:
    gc.unfreeze()
    config = Config(
        data_dir=tmp_path, proxy=ProxySettings(port=0), capture=CaptureSettings(store_bodies=False)
    )
    async with running_engine(config):
        # The modules and the server are out of the collector's full passes.
        assert gc.get_freeze_count() > 10_000
        assert all(obj is not running_engine for obj in gc.get_objects())


async def test_the_keyring_backend_is_resolved_before_the_engine_listens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    resolved: list[bool] = []
    get_keyring = keyring.get_keyring

    def counting() -> Any:
        resolved.append(True)
        return get_keyring()

    monkeypatch.setattr(keyring, "get_keyring", counting)
    config = Config(
        data_dir=tmp_path, proxy=ProxySettings(port=0), capture=CaptureSettings(store_bodies=False)
    )
    async with running_engine(config):
        assert resolved  # not left to the first call that needs a key
