"""Migrations: the calls/counters schema, idempotence, upgrades from every earlier version."""

from __future__ import annotations

import sqlite3
from dataclasses import fields
from pathlib import Path

import pytest
from sqlite_utils import Database

from lookout.core.models import CallRow, PayloadRow
from lookout.store.schema import (
    SCHEMA_VERSION,
    SchemaTooNewError,
    migrate,
    schema_version,
)


def fresh_db(path: Path) -> Database:
    return Database(sqlite3.connect(path))


def schema_sql(db: Database) -> list[tuple[str, str]]:
    rows = db.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
    return [(name, sql) for name, sql in rows]


def index_columns(db: Database, table: str) -> set[tuple[str, ...]]:
    return {tuple(index.columns) for index in db.table(table).indexes}


def test_calls_has_exactly_the_callrow_columns(writer_db: Database) -> None:
    columns = [column.name for column in writer_db.table("calls").columns]
    assert columns == [field.name for field in fields(CallRow)]


def test_calls_column_types(writer_db: Database) -> None:
    types = {column.name: column.type for column in writer_db.table("calls").columns}
    assert writer_db.table("calls").pks == ["id"]
    assert types["id"] == "TEXT"
    assert types["started_at"] == "TEXT"
    assert types["streamed"] == "INTEGER"
    assert types["latency_ms"] == "REAL"
    assert types["input_tokens"] == "INTEGER"


def test_calls_indexes_cover_the_read_paths(writer_db: Database) -> None:
    assert {
        ("started_at",),
        ("model", "started_at"),
        ("upstream", "started_at"),
        ("outcome", "started_at"),
        ("error_group_id", "started_at"),
        ("trace_id",),
    } <= index_columns(writer_db, "calls")


def test_counters_table(writer_db: Database) -> None:
    counters = writer_db.table("counters")
    assert [column.name for column in counters.columns] == ["name", "value", "updated_at"]
    assert counters.pks == ["name"]


def test_payloads_has_exactly_the_payloadrow_columns(writer_db: Database) -> None:
    columns = [column.name for column in writer_db.table("payloads").columns]
    assert columns == [field.name for field in fields(PayloadRow)]
    assert ["created_at"] in [index.columns for index in writer_db.table("payloads").indexes]


def test_migrate_from_empty_sets_version_and_auto_vacuum(tmp_path: Path) -> None:
    db = fresh_db(tmp_path / "x.db")
    assert schema_version(db) == 0
    assert migrate(db) == SCHEMA_VERSION
    assert schema_version(db) == SCHEMA_VERSION
    assert db.execute("PRAGMA auto_vacuum").fetchone()[0] == 2


def test_migrate_is_idempotent(tmp_path: Path) -> None:
    db = fresh_db(tmp_path / "x.db")
    migrate(db)
    before = schema_sql(db)
    assert migrate(db) == SCHEMA_VERSION
    assert schema_sql(db) == before


@pytest.mark.parametrize("start", range(SCHEMA_VERSION))
def test_upgrade_from_each_earlier_version_matches_fresh(tmp_path: Path, start: int) -> None:
    fresh = fresh_db(tmp_path / "fresh.db")
    migrate(fresh)
    upgraded = fresh_db(tmp_path / "old.db")
    assert migrate(upgraded, target=start) == start
    assert schema_version(upgraded) == start
    migrate(upgraded)
    assert schema_version(upgraded) == SCHEMA_VERSION
    assert schema_sql(upgraded) == schema_sql(fresh)


def test_newer_database_is_refused(tmp_path: Path) -> None:
    db = fresh_db(tmp_path / "x.db")
    migrate(db)
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    with pytest.raises(SchemaTooNewError, match="upgrade Lookout"):
        migrate(db)
