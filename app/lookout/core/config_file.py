"""Changing ``config.toml`` safely, for the app's settings pages.

Owns the write side of the config file (``core.config`` owns the read side):

- the file is edited as a document (tomlkit), so the user's comments, ordering
  and any keys the app does not manage survive every save;
- a change is a mapping of key paths to values; ``None`` removes the key
  (TOML has no null), and a table left empty by a removal goes too;
- the result is validated with :func:`~lookout.core.config.load_config` before it
  replaces anything, so the app can never save a file that Lookout then refuses;
- the write is atomic: a private temp file in the same directory, fsynced, then
  ``os.replace``. A crash leaves the old file or the new one, never half of each.

Example::

    update_config(path, {("proxy", "port"): 9000, ("upstreams", "mylab"): None})
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.container import Container
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AbstractTable

from lookout.core.config import Config, load_config
from lookout.core.settings import ConfigError

KeyPath = tuple[str, ...]
FILE_MODE = 0o600
DIR_MODE = 0o700


def read_values(path: Path) -> dict[str, Any]:
    """The file's contents as plain Python values (empty when there is no file yet)."""
    return _document(path).unwrap()


def update_config(path: Path, changes: Mapping[KeyPath, Any]) -> Config:
    """Apply ``changes`` to the file at ``path`` atomically; return the config the file now holds
    (without command-line overrides).

    Raises :class:`ConfigError` (and leaves the file untouched) when the result
    would not load, e.g. a port of 0 or an unknown operator.
    """
    document = _document(path)
    for keys, value in changes.items():
        if not keys:
            raise ValueError("a config change needs a key path")
        if value is None:
            _remove(document, keys)
        else:
            _set(document, keys, value)
    return _write_validated(path, tomlkit.dumps(document))


def _document(path: Path) -> tomlkit.TOMLDocument:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return tomlkit.document()
    try:
        return tomlkit.parse(text)
    except TOMLKitError as exc:
        raise ConfigError(f"config file {path} is not valid TOML ({exc}); fix it by hand first") from None


def _set(document: tomlkit.TOMLDocument, keys: KeyPath, value: Any) -> None:
    container: Container | AbstractTable = document
    for key in keys[:-1]:
        child = container.get(key)
        if child is None:
            child = tomlkit.table()
            container[key] = child
        if not isinstance(child, Container | AbstractTable):
            raise ConfigError(f"{'.'.join(keys)}: {key} is a value in the config file, not a table")
        container = child
    container[keys[-1]] = value


def _remove(document: tomlkit.TOMLDocument, keys: KeyPath) -> None:
    parents: list[Any] = [document]
    for key in keys[:-1]:
        child = parents[-1].get(key)
        if not isinstance(child, dict):
            return  # nothing there to remove
        parents.append(child)
    parents[-1].pop(keys[-1], None)
    # Drop tables the removal left empty, innermost first, so no bare [a.b] header lingers.
    for depth in range(len(parents) - 1, 0, -1):
        if len(parents[depth]) == 0:
            parents[depth - 1].pop(keys[depth - 1], None)


def _write_validated(path: Path, text: str) -> Config:
    path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else FILE_MODE
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".config-", suffix=".toml.tmp")
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        temp.chmod(mode)
        config = load_config(temp)
        temp.replace(path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return config
