"""Fixtures for the redaction tests: real Presidio engines (built once per session), an in-memory keyring."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

from lookout.core.config import RedactionSettings
from lookout.redaction import Redactor


class MemoryKeyring(KeyringBackend):
    """A keyring that lives in this process only: tests must never touch the OS keychain."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.passwords.pop((service, username), None)


@pytest.fixture(scope="session", autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("lookout-data")


@pytest.fixture(scope="session")
def redactor(data_dir: Path) -> Redactor:
    """The default set-up: patterns only, every entity replaced by ``<ENTITY_TYPE>``."""
    return Redactor(RedactionSettings())
