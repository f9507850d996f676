"""Fixtures for report tests: offscreen Qt, and a data dir seeded with canaries in every stored text.

Rows are written straight through the store's writer and plain inserts, bypassing
the recorder and its redaction, so the report's own re-redaction is what is tested.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

from pathlib import Path

import pytest

from lookout.core.config import Config
from tests.report.seed import PRIVATE_UPSTREAMS, seed_canaries


@pytest.fixture(scope="session")
def canary_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("report-canaries")
    seed_canaries(data_dir)
    return data_dir


@pytest.fixture(scope="session")
def canary_config(canary_dir: Path) -> Config:
    return Config(data_dir=canary_dir, upstreams=PRIVATE_UPSTREAMS)
