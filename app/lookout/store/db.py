"""Opening ``<data dir>/lookout.db``: file permissions, pragmas, writer and reader connections.

The recorder process is the only writer. It opens the database with
:func:`open_writer`, which creates the data directory (0700) and the database
files (0600), applies pending migrations and switches to WAL. Everything else
(CLI, desktop app, reports) opens it with :func:`open_reader`: a read-only
connection that never creates, migrates or writes.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from lookout.store.schema import migrate, schema_version

DB_FILENAME = "lookout.db"
# Companion files SQLite creates next to the database in WAL and rollback modes.
DB_FILE_SUFFIXES = ("", "-wal", "-shm", "-journal")
BUSY_TIMEOUT_MS = 5000
# The writer's page cache. At 1M calls the indexes no longer fit SQLite's 2 MiB
# default and every batch re-reads index pages; 32 MiB measured ~2x faster inserts.
WRITER_CACHE_KIB = 32 * 1024
DIR_MODE = 0o700
FILE_MODE = 0o600


class DatabaseMissingError(FileNotFoundError):
    """No Lookout database exists yet at the expected path."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(
            f"no Lookout database at {path}: nothing has been recorded yet. "
            "Start the proxy with `lookout serve` (or try `lookout demo`), "
            "or pass the right --data-dir / LOOKOUT_DATA_DIR."
        )


def database_path(data_dir: str | os.PathLike[str]) -> Path:
    """Where the database lives inside a data directory."""
    return Path(data_dir) / DB_FILENAME


def open_writer(data_dir: str | os.PathLike[str]) -> Database:
    """Open (creating if needed) the database for the single writer, fully migrated.

    Creates the data directory with mode 0700 and the database files with
    mode 0600, then applies pending migrations and enables WAL.
    """
    path = database_path(data_dir)
    with _private_umask():
        _ensure_private_dir(path.parent)
        db = Database(_connect(str(path)))
        try:
            _prepare_writer(db)
        except BaseException:
            db.close()
            raise
    restrict_file_modes(path)
    return db


def open_reader(data_dir: str | os.PathLike[str]) -> Database:
    """Open the database read-only. Raises :class:`DatabaseMissingError` if there is none."""
    path = database_path(data_dir)
    if not path.is_file():
        raise DatabaseMissingError(path)
    uri = path.resolve().as_uri() + "?mode=ro"
    # A reader may create the -shm file of a WAL database; keep it private too.
    with _private_umask():
        db = Database(_connect(uri, uri=True))
    if schema_version(db) == 0:
        db.close()
        raise DatabaseMissingError(path)
    return db


def restrict_file_modes(path: Path) -> None:
    """chmod the database and its companion files to 0600.

    The umask already makes new files private; this also fixes files created
    by an older version or copied in with looser modes.
    """
    for suffix in DB_FILE_SUFFIXES:
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.chmod(FILE_MODE)


def _ensure_private_dir(directory: Path) -> None:
    directory.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    # mkdir leaves an existing directory's mode alone; the data dir must be
    # private whoever created it.
    directory.chmod(DIR_MODE)


def _connect(target: str, *, uri: bool = False) -> sqlite3.Connection:
    # check_same_thread=False: the recorder may open the writer on one thread
    # and write from another, and the app reads off the GUI thread. One writer
    # is the architecture's rule, not the driver's.
    conn = sqlite3.connect(target, uri=uri, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS:d}")
    return conn


def _prepare_writer(db: Database) -> None:
    db.execute(f"PRAGMA cache_size=-{WRITER_CACHE_KIB:d}")
    # Migrations run before WAL is enabled: migration 1 sets auto_vacuum, which
    # SQLite only honours on a new file whose header WAL has not yet rewritten.
    migrate(db)
    db.enable_wal()
    db.execute("PRAGMA synchronous=NORMAL")
    # The writer stores payloads with INSERT OR REPLACE; only with recursive triggers
    # does the implicit delete of a replaced row fire the trigger that keeps
    # payloads_fts in step (otherwise the old text stays searchable).
    db.execute("PRAGMA recursive_triggers=ON")


@contextmanager
def _private_umask() -> Iterator[None]:
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)
