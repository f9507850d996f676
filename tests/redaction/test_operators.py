"""Operators per entity: replace, mask, hash (salted via the keyring), drop."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backends.fail
import keyring.backends.null
import pytest

from lookout.core.config import RedactionSettings
from lookout.redaction import KeyringUnavailable, Redactor, installation_salt
from lookout.redaction.operators import hash_token, masked
from lookout.redaction.salt import SERVICE, USERNAME

from .conftest import MemoryKeyring
from .payloads import openai_chat_request


def text_of(redactor: Redactor, text: str) -> str:
    return redactor.redact_text(text, deadline=time.monotonic() + 5).text


@pytest.fixture(scope="module")
def masking(data_dir: Path) -> Redactor:
    return Redactor(RedactionSettings(default_operator="mask"))


@pytest.fixture(scope="module")
def hashing(data_dir: Path) -> Redactor:
    return Redactor(RedactionSettings(operators={"EMAIL_ADDRESS": "hash"}))


@pytest.fixture(scope="module")
def dropping(data_dir: Path) -> Redactor:
    return Redactor(RedactionSettings(operators={"EMAIL_ADDRESS": "drop"}))


def test_replace_is_the_default(redactor: Redactor) -> None:
    assert text_of(redactor, "mail zelda@example.com") == "mail <EMAIL_ADDRESS>"


def test_mask_keeps_shape_but_no_value(masking: Redactor) -> None:
    text = "mail john@example.com, call +1 415 555 0133, key sk-proj-Zq8RvT3kLm9NpQ2sXw4YbC6dFh1JgK5e"
    assert text_of(masking, text) == "mail j***@e******.com, call +* *** *** ****, key ********"


@pytest.mark.parametrize(
    ("entity", "value", "expected"),
    [
        ("EMAIL_ADDRESS", "zelda.quinlan@mail.example.org", "z***@m***********.org"),
        ("PHONE_NUMBER", "(212) 555-0147", "(***) ***-****"),
        ("CREDIT_CARD", "4111 1111 1111 1111", "**** **** **** ****"),
        ("PRIVATE_KEY", "-----BEGIN PRIVATE KEY-----\nMIIE+/=\n-----END PRIVATE KEY-----", "********"),
    ],
)
def test_mask_formats(entity: str, value: str, expected: str) -> None:
    assert masked(entity, value) == expected


def test_hash_maps_one_value_to_one_token_across_calls_and_redactors(
    hashing: Redactor, data_dir: Path
) -> None:
    first = text_of(hashing, "from Zelda@Example.com")
    assert re.fullmatch(r"from <EMAIL_ADDRESS:[0-9a-f]{8}>", first)
    assert text_of(hashing, "again zelda@example.com") == "again " + first.removeprefix("from ")
    other = Redactor(RedactionSettings(operators={"EMAIL_ADDRESS": "hash"}))
    assert text_of(other, "from zelda@example.com") == first
    assert text_of(hashing, "from otto@example.com") != first
    # Entities without an operator of their own keep the default.
    assert text_of(hashing, "call +1 415 555 0133") == "call <PHONE_NUMBER>"


def test_hash_is_an_hmac_under_the_installation_salt(memory_keyring: MemoryKeyring) -> None:
    salt = installation_salt()
    assert memory_keyring.passwords[(SERVICE, USERNAME)] == salt.hex()
    assert len(salt) == 32
    assert hash_token(salt, "EMAIL_ADDRESS", "a@b.co") != hash_token(b"other salt", "EMAIL_ADDRESS", "a@b.co")


def test_drop_stores_no_body_when_the_entity_is_present(dropping: Redactor) -> None:
    with_email = dropping.redact_body(
        openai_chat_request("I am zelda@example.com"), None, deadline=time.monotonic() + 5
    )
    assert with_email.text is None
    assert with_email.dropped_reason == "operator drop on EMAIL_ADDRESS"
    assert with_email.counts == {"EMAIL_ADDRESS": 1}
    without = dropping.redact_body(
        openai_chat_request("call +1 415 555 0133"), None, deadline=time.monotonic() + 5
    )
    assert without.text is not None
    assert json.loads(without.text)["messages"][-1]["content"] == "call <PHONE_NUMBER>"


def test_drop_acts_as_replace_inside_a_single_text(dropping: Redactor) -> None:
    assert text_of(dropping, "error for zelda@example.com") == "error for <EMAIL_ADDRESS>"


def test_default_drop_drops_any_body_with_findings(data_dir: Path) -> None:
    redactor = Redactor(RedactionSettings(default_operator="drop"))
    result = redactor.redact_body(b"call +1 415 555 0133", "text/plain", deadline=time.monotonic() + 5)
    assert (result.text, result.dropped_reason) == (None, "operator drop on PHONE_NUMBER")
    clean = redactor.redact_body(b"nothing personal here", "text/plain", deadline=time.monotonic() + 5)
    assert clean.text == "nothing personal here"


class PlaintextKeyring(MemoryKeyring):
    """Stands in for keyrings.alt's file backend."""


@pytest.fixture
def swap_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    yield
    keyring.set_keyring(previous)


@pytest.mark.parametrize(
    "backend",
    [keyring.backends.fail.Keyring(), keyring.backends.null.Keyring(), PlaintextKeyring()],
    ids=["no backend", "null backend", "plaintext file"],
)
def test_hash_without_a_real_keyring_fails_loudly(
    backend: keyring.backend.KeyringBackend, swap_keyring: None, data_dir: Path
) -> None:
    keyring.set_keyring(backend)
    with pytest.raises(KeyringUnavailable, match="never in a plain file"):
        installation_salt()
    with pytest.raises(KeyringUnavailable):
        Redactor(RedactionSettings(default_operator="hash"))


def test_the_keyring_is_not_touched_unless_something_is_hashed(swap_keyring: None, data_dir: Path) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    Redactor(RedactionSettings(default_operator="mask"))
