"""Opening the database: permissions, pragmas, read-only readers, the missing-database error."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest
from sqlite_utils import Database

from lookout.store.db import (
    DatabaseMissingError,
    database_path,
    open_reader,
    open_writer,
)
from lookout.store.schema import SCHEMA_VERSION, SchemaTooNewError
from lookout.store.writer import CallWriter
from tests.store.factories import make_row


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_writer_creates_private_dir_and_files(data_dir: Path) -> None:
    previous = os.umask(0o022)
    try:
        db = open_writer(data_dir / "nested")
        CallWriter(db).write_calls([make_row()])
        assert os.umask(0o022) == 0o022, "open_writer must restore the umask"
    finally:
        os.umask(previous)
    path = database_path(data_dir / "nested")
    assert mode(path.parent) == 0o700
    for suffix in ("", "-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        assert companion.exists(), suffix
        assert mode(companion) == 0o600, suffix
    db.close()


def test_writer_tightens_existing_loose_permissions(data_dir: Path) -> None:
    data_dir.mkdir(mode=0o755)
    data_dir.chmod(0o755)
    open_writer(data_dir).close()
    path = database_path(data_dir)
    path.chmod(0o644)
    open_writer(data_dir).close()
    assert mode(data_dir) == 0o700
    assert mode(path) == 0o600


def test_reader_keeps_shm_private(data_dir: Path) -> None:
    open_writer(data_dir).close()  # last connection gone: -wal and -shm removed
    previous = os.umask(0o022)
    try:
        reader = open_reader(data_dir)
        reader.execute("SELECT count(*) FROM calls").fetchone()
    finally:
        os.umask(previous)
    shm = database_path(data_dir).with_name("lookout.db-shm")
    assert not shm.exists() or mode(shm) == 0o600
    reader.close()


def test_writer_pragmas(writer_db: Database) -> None:
    def pragma(name: str) -> object:
        return writer_db.execute(f"PRAGMA {name}").fetchone()[0]

    assert pragma("journal_mode") == "wal"
    assert pragma("synchronous") == 1  # NORMAL
    assert pragma("auto_vacuum") == 2  # INCREMENTAL
    assert int(str(pragma("busy_timeout"))) > 0


def test_reopening_writer_keeps_data_and_settings(data_dir: Path) -> None:
    db = open_writer(data_dir)
    CallWriter(db).write_calls([make_row()])
    db.close()
    db = open_writer(data_dir)
    assert db.execute("SELECT count(*) FROM calls").fetchone()[0] == 1
    assert db.execute("PRAGMA auto_vacuum").fetchone()[0] == 2
    db.close()


def test_reader_is_read_only(reader_db: Database) -> None:
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        reader_db.execute("DELETE FROM calls")
    assert reader_db.execute("PRAGMA busy_timeout").fetchone()[0] > 0


def test_reader_sees_committed_batches(writer: CallWriter, reader_db: Database) -> None:
    assert reader_db.execute("SELECT count(*) FROM calls").fetchone()[0] == 0
    writer.write_calls([make_row(id="a"), make_row(id="b")])
    assert reader_db.execute("SELECT count(*) FROM calls").fetchone()[0] == 2


def test_reader_without_database_explains_what_to_do(data_dir: Path) -> None:
    with pytest.raises(DatabaseMissingError) as excinfo:
        open_reader(data_dir)
    message = str(excinfo.value)
    assert str(database_path(data_dir)) in message
    assert "lookout serve" in message and "lookout demo" in message
    assert not data_dir.exists(), "a reader must not create anything"


def test_reader_on_uninitialised_file_is_missing(data_dir: Path) -> None:
    data_dir.mkdir()
    sqlite3.connect(database_path(data_dir)).close()
    with pytest.raises(DatabaseMissingError):
        open_reader(data_dir)


def test_path_with_uri_characters(tmp_path: Path) -> None:
    data_dir = tmp_path / "my data #1?x=%20"
    open_writer(data_dir).close()
    reader = open_reader(data_dir)
    assert reader.execute("SELECT count(*) FROM calls").fetchone()[0] == 0
    reader.close()


def test_writer_refuses_a_newer_schema(data_dir: Path) -> None:
    db = open_writer(data_dir)
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(SchemaTooNewError):
        open_writer(data_dir)
