"""The vault: storage in keyring, the name index, the read cache, and the no-keychain message."""

from __future__ import annotations

import json
import logging
import timeit
import traceback

import keyring
import pytest
from keyring.backends import chainer, fail, null
from keyring.errors import KeyringError, KeyringLocked

from lookout.keys import vault
from lookout.keys.vault import VaultUnavailable
from tests.keys.conftest import CANARY, MemoryKeyring


def test_keys_round_trip_under_the_lookout_service(memory_keyring: MemoryKeyring) -> None:
    vault.set_key("openai", CANARY)
    assert memory_keyring.entries[("lookout", "openai")] == CANARY
    vault.refresh()
    assert vault.get_key("openai") == CANARY
    assert vault.get_key("anthropic") is None


def test_the_index_lists_names_and_never_keys(memory_keyring: MemoryKeyring) -> None:
    vault.set_key("openai", CANARY)
    vault.set_key("anthropic", "sk-ant-other-key")
    vault.set_key("openai", "sk-rotated-key-123")  # replacing does not duplicate the name
    assert vault.list_upstreams() == ["anthropic", "openai"]
    index = memory_keyring.entries[("lookout", vault.INDEX_ENTRY)]
    assert json.loads(index) == ["anthropic", "openai"]
    assert CANARY not in index


def test_delete_removes_key_and_name_and_reports_absence(memory_keyring: MemoryKeyring) -> None:
    vault.set_key("openai", CANARY)
    vault.set_key("gemini", "AIza-gemini-key")
    assert vault.delete_key("openai") is True
    assert vault.get_key("openai") is None
    assert ("lookout", "openai") not in memory_keyring.entries
    assert vault.list_upstreams() == ["gemini"]
    assert vault.delete_key("openai") is False


def test_an_unreadable_index_lists_nothing_but_keeps_the_keys(memory_keyring: MemoryKeyring) -> None:
    vault.set_key("openai", CANARY)
    memory_keyring.entries[("lookout", vault.INDEX_ENTRY)] = "{not json"
    assert vault.list_upstreams() == []
    assert vault.get_key("openai") == CANARY


def test_reads_are_cached_until_the_ttl_runs_out(
    memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr(vault, "_clock", lambda: now[0])
    memory_keyring.entries[("lookout", "openai")] = "sk-first-key-0000"
    assert vault.get_key("openai") == "sk-first-key-0000"
    # Another process (`lookout keys set`) changes the key behind this one's back.
    memory_keyring.entries[("lookout", "openai")] = "sk-second-key-1111"
    now[0] += vault.CACHE_TTL_S - 1
    assert vault.get_key("openai") == "sk-first-key-0000"
    assert memory_keyring.reads == 1
    now[0] += 2
    assert vault.get_key("openai") == "sk-second-key-1111"
    assert memory_keyring.reads == 2


def test_absent_keys_are_cached_too(memory_keyring: MemoryKeyring) -> None:
    assert vault.get_key("ollama") is None
    assert vault.get_key("ollama") is None
    assert memory_keyring.reads == 1


def test_writes_in_this_process_and_refresh_take_effect_at_once(memory_keyring: MemoryKeyring) -> None:
    vault.set_key("openai", "sk-first-key-0000")
    assert vault.get_key("openai") == "sk-first-key-0000"
    vault.set_key("openai", "sk-second-key-1111")
    assert vault.get_key("openai") == "sk-second-key-1111"
    memory_keyring.entries[("lookout", "openai")] = "sk-third-key-2222"
    vault.refresh()
    assert vault.get_key("openai") == "sk-third-key-2222"
    vault.delete_key("openai")
    assert vault.get_key("openai") is None


def test_a_cache_hit_costs_well_under_ten_microseconds() -> None:
    vault.set_key("openai", CANARY)
    calls = 20_000
    best = min(timeit.repeat(lambda: vault.get_key("openai"), number=calls, repeat=5)) / calls
    assert best < 2e-6, f"{best * 1e6:.2f} µs per cached get_key"


@pytest.mark.parametrize("name", ["", "__index__", "__anything", "my lab", "a/b", "tab\there", "x" * 101])
def test_bad_upstream_names_are_refused(name: str) -> None:
    for call in (
        lambda: vault.set_key(name, CANARY),
        lambda: vault.get_key(name),
        lambda: vault.delete_key(name),
    ):
        with pytest.raises(ValueError, match="not a valid upstream name"):
            call()


@pytest.mark.parametrize(
    "key",
    ["", "lookout", f"{CANARY} ", f"{CANARY}\n", f"{CANARY}\r\nX-Evil: 1", f"{CANARY}é", "k" * 5000],
)
def test_malformed_keys_are_refused_without_being_quoted(key: str) -> None:
    with pytest.raises(ValueError) as caught:
        vault.set_key("openai", key)
    assert CANARY not in str(caught.value)
    assert vault.list_upstreams() == []


@pytest.mark.parametrize(
    "backend", [fail.Keyring(), null.Keyring()], ids=lambda backend: type(backend).__module__
)
def test_no_keychain_gives_a_clear_message_everywhere(backend: keyring.backend.KeyringBackend) -> None:
    keyring.set_keyring(backend)
    problem = vault.backend_problem()
    assert problem is not None
    for hint in ("gnome-keyring", "KWallet", "keyrings.alt", "weaker", "never picks it for you"):
        assert hint in problem
    calls = (
        lambda: vault.set_key("openai", CANARY),
        lambda: vault.get_key("openai"),
        lambda: vault.delete_key("openai"),
        vault.list_upstreams,
    )
    for call in calls:
        with pytest.raises(VaultUnavailable) as caught:
            call()
        assert str(caught.value) == problem


def test_a_chainer_with_nothing_to_chain_is_no_keychain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
    keyring.set_keyring(chainer.ChainerBackend())
    problem = vault.backend_problem()
    assert problem is not None and "chainer" in problem


def test_a_usable_keychain_has_no_problem() -> None:
    assert vault.backend_problem() is None
    assert vault.backend_name().endswith("MemoryKeyring")


class PlaintextKeyring(MemoryKeyring):
    """Stands in for keyrings.alt's file backend, which keyring may pick on its own."""

    __module__ = "keyrings.alt.file"
    priority = 0.5


def test_a_file_backend_is_used_only_when_chosen_explicitly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    monkeypatch.setattr(keyring.core, "load_config", lambda: None)
    keyring.set_keyring(PlaintextKeyring())
    problem = vault.backend_problem()
    assert problem is not None and "keyrings.alt.file.PlaintextKeyring" in problem
    with pytest.raises(VaultUnavailable):
        vault.set_key("openai", CANARY)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    assert vault.backend_problem() is None


class HostileKeyring(MemoryKeyring):
    """A backend whose errors quote their arguments, the worst case for a leaked key."""

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringError(f"could not store {password} for {username}")

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("the collection is locked")


def test_backend_failures_become_vault_errors_that_never_hold_the_key() -> None:
    keyring.set_keyring(HostileKeyring())
    with pytest.raises(VaultUnavailable) as caught:
        vault.set_key("openai", CANARY)
    text = "".join(traceback.format_exception(caught.value))
    assert "KeyringError" in text and "unlock" in text
    assert CANARY not in text
    with pytest.raises(VaultUnavailable, match="KeyringLocked: the collection is locked"):
        vault.get_key("openai")


async def test_the_proxy_lookup_hits_the_cache_and_reads_on_a_miss(memory_keyring: MemoryKeyring) -> None:
    memory_keyring.entries[("lookout", "openai")] = CANARY
    assert await vault.key_for_proxy("openai") == CANARY
    assert await vault.key_for_proxy("openai") == CANARY
    assert await vault.key_for_proxy("ollama") is None
    assert memory_keyring.reads == 2


async def test_the_proxy_lookup_without_keychain_returns_none_and_warns_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    vault.set_key("openai", CANARY)
    vault.refresh()
    keyring.set_keyring(fail.Keyring())
    with caplog.at_level(logging.DEBUG):
        assert await vault.key_for_proxy("openai") is None
        assert await vault.key_for_proxy("anthropic") is None
        assert await vault.key_for_proxy("bad name") is None
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1 and "gnome-keyring" in warnings[0].getMessage()
    assert CANARY not in caplog.text
