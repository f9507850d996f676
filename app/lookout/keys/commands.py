"""``lookout keys set|list|delete``: manage the API keys the proxy injects for each upstream.

Parsing here imports nothing heavy; the vault, and with it ``keyring``, loads only
when a keys command runs, so ``lookout --help`` stays instant. A key is read from a
hidden prompt or from standard input, never from argv (shell history and ``ps``
would see it), and is never printed whole.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable, Collection
from typing import TextIO

from lookout.keys.injection import PLACEHOLDER

# Generous: real keys are under 200 characters, and the vault rejects anything odd.
STDIN_LIMIT = 64 * 1024
MASK_MIN_CHARS = 16  # shorter keys would give too much away in a hint

KEYS_EPILOG = f"""examples:
  lookout keys set openai                   # asks for the key, input hidden
  lookout keys set anthropic < ~/.secrets/anthropic-key
  echo "$GEMINI_API_KEY" | lookout keys set gemini
  lookout keys list
  lookout keys delete openai

then leave the key out of your app, or give SDKs the placeholder "{PLACEHOLDER}":
  OPENAI_API_KEY={PLACEHOLDER} OPENAI_BASE_URL=http://127.0.0.1:8787/openai/v1 python my_app.py
A running proxy sees a new, changed or deleted key within 30 s."""

ACTIONS = {
    "set": (
        "store the API key for an upstream in the OS keychain (read from a hidden prompt or stdin)",
        """examples:
  lookout keys set openai
  echo "$ANTHROPIC_API_KEY" | lookout keys set anthropic
  lookout keys set mylab < key.txt       # for --upstream mylab=URL""",
    ),
    "list": (
        "list the upstreams with a stored key, with a masked hint of each key",
        """examples:
  lookout keys list""",
    ),
    "delete": (
        "remove the stored API key for an upstream",
        """examples:
  lookout keys delete openai""",
    ),
}


def add_keys_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> argparse.ArgumentParser:
    """Add ``keys`` and its actions to the ``lookout`` parser; ``common`` carries --data-dir etc."""
    help_text = "store, list and delete the upstream API keys the proxy injects"
    keys = subparsers.add_parser(
        "keys",
        help=help_text,
        description=help_text,
        parents=[common],
        epilog=KEYS_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = keys.add_subparsers(dest="keys_action", metavar="ACTION", required=True)
    for name, (action_help, epilog) in ACTIONS.items():
        action = actions.add_parser(
            name,
            help=action_help,
            description=action_help,
            parents=[common],
            epilog=epilog,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        if name != "list":
            # Not dest "upstream": `serve --upstream NAME=URL` owns that name in the shared namespace.
            action.add_argument(
                "keys_upstream", metavar="UPSTREAM", help="upstream name, e.g. openai, anthropic, gemini"
            )
    return keys


def run_keys(args: argparse.Namespace, known_upstreams: Collection[str] = ()) -> int:
    """Run the parsed ``lookout keys`` action. 0 on success, 1 if it failed, 2 for bad input.

    ``known_upstreams`` (presets plus configured ones) only feeds a hint for a typo'd name.
    """
    from lookout.keys.vault import VaultUnavailable

    handlers: dict[str, Callable[[argparse.Namespace, Collection[str]], int]] = {
        "set": _set,
        "list": _list,
        "delete": _delete,
    }
    try:
        return handlers[args.keys_action](args, known_upstreams)
    except VaultUnavailable as exc:
        _error(str(exc))
        return 1
    except ValueError as exc:  # a bad name or key format; the message never quotes the key
        _error(str(exc))
        return 2


def read_key(upstream: str, stdin: TextIO) -> str:
    """The key from a hidden prompt on a terminal, else from ``stdin``; surrounding whitespace dropped."""
    if stdin.isatty():
        try:
            return getpass.getpass(f"API key for {upstream} (input hidden): ").strip()
        except EOFError:
            return ""
    return stdin.read(STDIN_LIMIT).strip()


def mask(key: str) -> str:
    """A hint that tells keys apart without revealing them, e.g. ``sk-…abcd``."""
    if len(key) < MASK_MIN_CHARS:
        return f"…({len(key)} characters)"
    return f"{key[:3]}…{key[-4:]}"


def _set(args: argparse.Namespace, known_upstreams: Collection[str]) -> int:
    from lookout.keys import vault

    upstream: str = args.keys_upstream
    vault.check_name(upstream)  # before prompting, so a typo costs no paste
    key = read_key(upstream, sys.stdin)
    if not key:
        _error(f'no key given; type it at the prompt or pipe it: echo "$KEY" | lookout keys set {upstream}')
        return 2
    vault.set_key(upstream, key)
    print(f"stored the {upstream} key ({mask(key)}) in {vault.backend_name()}")
    print(f'a running proxy uses it within 30 s for requests with no key or the placeholder "{PLACEHOLDER}"')
    if known_upstreams and upstream not in known_upstreams:
        print(
            f"note: {upstream!r} is not a configured upstream; add it with "
            f"`lookout serve --upstream {upstream}=URL` or in the config file",
            file=sys.stderr,
        )
    return 0


def _list(args: argparse.Namespace, known_upstreams: Collection[str]) -> int:
    from lookout.keys import vault

    names = vault.list_upstreams()
    if not names:
        print("no keys stored; add one with: lookout keys set openai")
        return 0
    width = max(len(name) for name in names)
    for name in names:
        key = vault.get_key(name)
        hint = mask(key) if key else "(missing: removed from the keychain outside Lookout?)"
        print(f"{name:<{width}}  {hint}")
    return 0


def _delete(args: argparse.Namespace, known_upstreams: Collection[str]) -> int:
    from lookout.keys import vault

    upstream: str = args.keys_upstream
    if not vault.delete_key(upstream):
        _error(f"no key stored for {upstream!r}; see: lookout keys list")
        return 1
    print(f"deleted the {upstream} key; a running proxy stops using it within 30 s")
    return 0


def _error(message: str) -> None:
    print(f"lookout: error: {message}", file=sys.stderr)
