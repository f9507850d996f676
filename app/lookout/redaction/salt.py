"""The per-installation salt of the ``hash`` operator, kept in the OS keyring.

Hash tokens (``<EMAIL_ADDRESS:3fa2c1d9>``) are an HMAC of the value under this
salt, so the same e-mail maps to the same token across calls while the token
cannot be reversed by hashing guesses without the salt. The salt lives in the
OS keychain through ``keyring`` (service ``lookout``, user ``redaction-salt``):
when no real backend is available we fail loudly rather than keep it in a
plain file.
"""

from __future__ import annotations

import secrets

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

SERVICE = "lookout"
USERNAME = "redaction-salt"

_HOW_TO_FIX = (
    "The 'hash' redaction operator keeps a per-installation salt in the OS keychain, never in a plain file. "
    "Unlock or install a keychain (macOS Keychain and Windows Credential Locker work as they are; "
    "on Linux run a Secret Service such as gnome-keyring or KWallet), or pick another operator in "
    "config.toml, e.g. "
    '[redaction] default_operator = "replace".'
)


class KeyringUnavailable(RuntimeError):
    """No usable OS keyring: the message says what to do."""


def installation_salt() -> bytes:
    """This installation's salt, created and stored in the keyring on first use."""
    backend = keyring.get_keyring()
    _refuse_unsafe(backend)
    try:
        stored = keyring.get_password(SERVICE, USERNAME)
        if stored is None:
            stored = secrets.token_hex(32)
            keyring.set_password(SERVICE, USERNAME, stored)
            if keyring.get_password(SERVICE, USERNAME) != stored:
                raise KeyringUnavailable(
                    f"the keyring backend {_name(backend)} did not keep the salt. {_HOW_TO_FIX}"
                )
        return bytes.fromhex(stored)
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(f"the keyring failed ({type(exc).__name__}). {_HOW_TO_FIX}") from None
    except ValueError:  # not hex: someone else wrote that entry
        raise KeyringUnavailable(f"the keyring entry {SERVICE}/{USERNAME} is not a Lookout salt.") from None


def _refuse_unsafe(backend: KeyringBackend) -> None:
    name = _name(backend)
    if name.startswith(("keyring.backends.fail.", "keyring.backends.null.")) or "plaintext" in name.lower():
        raise KeyringUnavailable(f"no usable OS keyring backend (found {_name(backend)}). {_HOW_TO_FIX}")


def _name(backend: KeyringBackend) -> str:
    return f"{type(backend).__module__}.{type(backend).__name__}"
