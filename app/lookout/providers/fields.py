"""Never-raising readers for untrusted JSON: decoding captured bytes and picking typed fields.

Everything a provider sends is treated as hostile input: bodies may be truncated,
malformed, non-UTF-8 or shaped unlike the documentation. These helpers turn any of
that into ``None`` (or an empty container) instead of an exception, so the parsers
can read fields without guarding every access.
"""

from __future__ import annotations

import json
import math

JsonObj = dict[str, object]

_BOM = "\ufeff"


def loads(data: bytes | str) -> object:
    """The decoded JSON value of ``data``, or ``None`` if it is not valid JSON."""
    # Undecodable bytes become U+FFFD rather than failing the whole document:
    # one stray byte inside a string should not hide the model or the usage.
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    try:
        return json.loads(text.removeprefix(_BOM))
    except (ValueError, RecursionError):
        return None


def dig(value: object, *keys: str) -> object:
    """The value found by following ``keys`` through nested objects, or ``None``."""
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def as_obj(value: object) -> JsonObj | None:
    """``value`` if it is a JSON object."""
    return value if isinstance(value, dict) else None


def as_list(value: object) -> list[object]:
    """``value`` if it is a JSON array, else an empty list."""
    return value if isinstance(value, list) else []


def as_str(value: object) -> str | None:
    """``value`` if it is a non-empty string, made safe to encode as UTF-8."""
    if not isinstance(value, str) or not value:
        return None
    if value.isascii():
        return value
    # JSON escapes such as "\ud800" decode to lone surrogates, which SQLite and
    # every UTF-8 writer downstream would refuse.
    return value.encode("utf-8", "replace").decode("utf-8")


def as_count(value: object) -> int | None:
    """``value`` if it is a non-negative whole number (a token count)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float) and math.isfinite(value) and value.is_integer() and value >= 0:
        return int(value)
    return None


def as_code(value: object) -> str | None:
    """An error code as text: providers send both strings and numbers."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return as_str(value)


def counts(value: object, keys: tuple[str, ...]) -> dict[str, int]:
    """The token counts among ``keys`` that ``value`` (an object) actually reports."""
    found: dict[str, int] = {}
    for key in keys:
        count = as_count(dig(value, key))
        if count is not None:
            found[key] = count
    return found


def total(*parts: int | None) -> int | None:
    """The sum of the known ``parts``, or ``None`` when none is known."""
    known = [part for part in parts if part is not None]
    return sum(known) if known else None
