"""Upstream API keys in the OS keychain, through ``keyring``.

Owns where keys live (service ``lookout``, username = upstream name), the index of
stored names (keyring cannot enumerate, so the names, never the keys, sit as a JSON
list under their own entry), the check that a real OS keychain is there, and the
read cache the proxy relies on.

No keychain, no vault: when keyring has only its fail or null backend, an empty
chainer, or a file backend from ``keyrings.alt`` that nobody chose, every function
raises :class:`VaultUnavailable` saying how to fix it. Nothing falls back to a file.

Caching: the proxy reads keys on its hot path, but ``lookout keys set`` runs in
another process and cannot tell it that a key changed. So reads are cached for
``CACHE_TTL_S``: a hit is a dict lookup and a clock read (well under a microsecond),
a new, rotated or deleted key reaches a running proxy within 30 s, and the keychain
sees at most two reads a minute per upstream. Writes in this process update the
cache at once, and :func:`refresh` drops it for callers that know better.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from collections.abc import Callable
from typing import TypeVar

import keyring
import keyring.core
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null

from lookout.keys.injection import PLACEHOLDER

SERVICE = "lookout"
INDEX_ENTRY = "__index__"
CACHE_TTL_S = 30.0
MAX_KEY_CHARS = 4096
MAX_NAME_CHARS = 100

log = logging.getLogger(__name__)
T = TypeVar("T")

_clock: Callable[[], float] = time.monotonic
# upstream -> (expires at, key or None). Written from worker threads too: single dict
# operations are atomic under the GIL, and a race costs at most one extra keychain read.
_cache: dict[str, tuple[float, str | None]] = {}
_warned = False


class VaultUnavailable(Exception):
    """No usable OS keychain, or it refused an operation. The message says what to do, never a key."""


def set_key(upstream: str, key: str) -> None:
    """Store (or replace) the key for ``upstream``. Raises ValueError for a bad name or key."""
    check_name(upstream)
    check_key(key)
    backend = _backend()
    # The backend's own message could echo its arguments, so only its type is kept.
    _call(lambda: backend.set_password(SERVICE, upstream, key), "store the key", detail=False)
    names = _read_index(backend)
    if upstream not in names:
        _write_index(backend, [*names, upstream])
    _remember(upstream, key)


def get_key(upstream: str) -> str | None:
    """The stored key for ``upstream``, or None. Cached for CACHE_TTL_S (see the module docstring)."""
    entry = _fresh(upstream)
    if entry is not None:
        return entry[1]
    check_name(upstream)  # only names that passed get cached, so hits skip this
    backend = _backend()
    key = _call(lambda: backend.get_password(SERVICE, upstream), "read the key")
    _remember(upstream, key)
    return key


def delete_key(upstream: str) -> bool:
    """Remove the key for ``upstream``. False if none was stored."""
    check_name(upstream)
    backend = _backend()
    # Asking first keeps "not there" apart from a real failure: backends raise the
    # same PasswordDeleteError for both.
    existed = _call(lambda: backend.get_password(SERVICE, upstream), "read the key") is not None
    if existed:
        _call(lambda: backend.delete_password(SERVICE, upstream), "delete the key")
    names = _read_index(backend)
    if upstream in names:
        _write_index(backend, [name for name in names if name != upstream])
    _remember(upstream, None)
    return existed


def list_upstreams() -> list[str]:
    """Names of the upstreams with a stored key, sorted. Never the keys."""
    return _read_index(_backend())


def refresh() -> None:
    """Forget every cached read, so the next one asks the keychain."""
    global _warned
    _cache.clear()
    _warned = False


def cached_key(upstream: str) -> tuple[bool, str | None]:
    """``(True, key)`` when a fresh read of ``upstream``'s key is cached (``key`` None if there
    is none), else ``(False, None)``. Never touches the keychain, so the proxy can call it
    from a parser callback; on a miss it awaits :func:`key_for_proxy` instead.
    """
    entry = _fresh(upstream)
    return (True, entry[1]) if entry is not None else (False, None)


async def key_for_proxy(upstream: str) -> str | None:
    """The stored key for the proxy's hot path: never blocks the event loop, never raises.

    A cache hit returns at once. A miss reads the keychain in a worker thread, because
    an OS keychain call can take milliseconds or wait on an unlock prompt. Without a
    usable keychain it returns None (cached like a read) and logs why, once.
    """
    entry = _fresh(upstream)
    if entry is not None:
        return entry[1]
    try:
        return await asyncio.to_thread(get_key, upstream)
    except (VaultUnavailable, ValueError) as exc:
        _remember(upstream, None)
        _warn_once(str(exc))
        return None


def check_name(upstream: str) -> None:
    """Upstream names are short, printable and free of spaces; ``__`` is reserved for the index."""
    if (
        not upstream
        or len(upstream) > MAX_NAME_CHARS
        or not upstream.isprintable()
        or any(char.isspace() or char == "/" for char in upstream)
        or upstream.startswith("__")
    ):
        raise ValueError(f"{upstream!r} is not a valid upstream name (e.g. openai, anthropic, mylab)")


def check_key(key: str) -> None:
    """A key is one token of printable ASCII; anything else is a paste mistake (and a header injection)."""
    if key == PLACEHOLDER:
        raise ValueError(f"{PLACEHOLDER!r} is the placeholder apps send; store the real key instead")
    if not key or len(key) > MAX_KEY_CHARS:
        raise ValueError(f"an API key must be 1 to {MAX_KEY_CHARS} characters long")
    if not (key.isascii() and key.isprintable()) or any(char.isspace() for char in key):
        raise ValueError("an API key must be a single line of printable ASCII without spaces")


def load_backend() -> None:
    """Resolve the keyring backend now rather than on the first call that needs a key.

    The first resolution imports and probes every backend (~140 ms here). Even in
    the worker thread :func:`key_for_proxy` uses, that holds the GIL, so the
    proxy's event loop would stall on the user's first call. Problems are reported
    where a key is needed, with how to fix them, so they are not raised here.
    """
    # keyring raises whatever a misconfigured backend name causes
    with contextlib.suppress(Exception):
        keyring.get_keyring()


def backend_problem() -> str | None:
    """Why keys cannot be stored here, with how to fix it; None when an OS keychain is usable."""
    try:
        backend = keyring.get_keyring()
    except Exception as exc:  # keyring raises whatever a misconfigured backend name causes
        return _no_keychain(f"keyring could not load its configured backend ({type(exc).__name__}: {exc})")
    return _problem_with(backend)


def backend_name() -> str:
    """The keyring backend in use, for messages (e.g. ``keyring.backends.SecretService.Keyring``)."""
    return _qualified_name(keyring.get_keyring())


def _backend() -> KeyringBackend:
    problem = backend_problem()
    if problem is not None:
        raise VaultUnavailable(problem)
    return keyring.get_keyring()


def _problem_with(backend: KeyringBackend) -> str | None:
    name = _qualified_name(backend)
    if isinstance(backend, fail.Keyring | null.Keyring):
        return _no_keychain(f"keyring found none (backend {name})")
    if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
        return _no_keychain("keyring's chainer backend has no keychain to chain")
    if name.startswith("keyrings.alt.") and not _chosen_explicitly():
        return _no_keychain(
            f"keyring picked {name} on its own, a file-based backend from keyrings.alt, "
            "which Lookout uses only when you select it explicitly"
        )
    return None


def _chosen_explicitly() -> bool:
    if os.environ.get("PYTHON_KEYRING_BACKEND"):
        return True
    try:
        return keyring.core.load_config() is not None
    except Exception:  # a broken keyringrc.cfg chooses nothing
        return False


def _no_keychain(cause: str) -> str:
    return (
        f"Lookout keeps API keys only in an OS keychain, and {cause}.\n"
        "To fix it:\n"
        "  - Linux: install and unlock a Secret Service provider, such as GNOME Keyring (gnome-keyring)\n"
        "    or KWallet, in your desktop session. On a machine without a desktop, run Lookout inside\n"
        "    `dbus-run-session` after starting `gnome-keyring-daemon --unlock`.\n"
        "  - macOS Keychain and Windows Credential Manager work out of the box; if you see this there,\n"
        "    check PYTHON_KEYRING_BACKEND and keyringrc.cfg (`python -m keyring diagnose`).\n"
        "  - Or, knowingly, `pip install keyrings.alt` and set\n"
        "    PYTHON_KEYRING_BACKEND=keyrings.alt.file.PlaintextKeyring for every lookout command.\n"
        "    That stores keys in a file protected only by its permissions, weaker than a keychain,\n"
        "    so Lookout never picks it for you.\n"
        "Meanwhile, send the real key from your app: the proxy forwards it untouched."
    )


def _call(action: Callable[[], T], doing: str, *, detail: bool = True) -> T:
    try:
        return action()
    except Exception as exc:  # backends raise their own types (D-Bus, Keychain, locked, ...)
        reason = f"{type(exc).__name__}: {exc}" if detail else type(exc).__name__
        message = (
            f"the OS keychain could not {doing} ({reason}). "
            "If it is locked, unlock it (log in to the desktop session or open the keychain app) and retry."
        )
    # Raised outside the except block, so no chained traceback can carry the backend's text.
    raise VaultUnavailable(message)


def _read_index(backend: KeyringBackend) -> list[str]:
    raw = _call(lambda: backend.get_password(SERVICE, INDEX_ENTRY), "read the list of stored keys")
    try:
        names = json.loads(raw) if raw else []
    except json.JSONDecodeError:
        names = []  # unreadable index: the keys themselves are still intact
    return sorted(name for name in names if isinstance(name, str)) if isinstance(names, list) else []


def _write_index(backend: KeyringBackend, names: list[str]) -> None:
    entry = json.dumps(sorted(names))
    _call(lambda: backend.set_password(SERVICE, INDEX_ENTRY, entry), "update the list of stored keys")


def _fresh(upstream: str) -> tuple[float, str | None] | None:
    entry = _cache.get(upstream)
    return entry if entry is not None and entry[0] > _clock() else None


def _remember(upstream: str, key: str | None) -> None:
    _cache[upstream] = (_clock() + CACHE_TTL_S, key)


def _warn_once(message: str) -> None:
    global _warned
    if not _warned:
        _warned = True
        log.warning("stored API keys are unavailable; requests go upstream as sent.\n%s", message)


def _qualified_name(backend: KeyringBackend) -> str:
    return f"{type(backend).__module__}.{type(backend).__qualname__}"
