"""Fixtures for store tests: a fresh data directory and writer/reader connections on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from lookout.store.db import open_reader, open_writer
from lookout.store.writer import CallWriter


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def writer_db(data_dir: Path) -> Iterator[Database]:
    db = open_writer(data_dir)
    yield db
    db.close()


@pytest.fixture
def writer(writer_db: Database) -> CallWriter:
    return CallWriter(writer_db)


@pytest.fixture
def reader_db(writer_db: Database, data_dir: Path) -> Iterator[Database]:
    db = open_reader(data_dir)
    yield db
    db.close()
