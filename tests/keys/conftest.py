"""An in-memory keyring backend, installed for every test here so none touches a real keychain."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from lookout.keys import vault

CANARY = "sk-canary-0123456789abcdefWXYZ"  # a key that must never show up in output, logs or errors


class MemoryKeyring(KeyringBackend):
    """Keeps entries in a dict and counts reads, so tests can see the vault's cache work."""

    priority = 100.0  # keyring only reads the value, so no classproperty is needed

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}
        self.reads = 0

    def get_password(self, service: str, username: str) -> str | None:
        self.reads += 1
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError("not found")


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    vault.refresh()
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)
        vault.refresh()
