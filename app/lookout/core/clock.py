"""Time helpers: the storage timestamp format and human durations such as ``7d``.

Every timestamp Lookout stores is ISO-8601 UTC with milliseconds and a ``Z``
suffix, e.g. ``2026-11-28T20:32:26.123Z``. That format sorts lexically in the
same order as time, which the store's range queries rely on.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}


def now() -> float:
    """Current time as epoch seconds (one seam for tests to reason about)."""
    return time.time()


def iso_utc(epoch: float) -> str:
    """Format epoch seconds as the storage timestamp format."""
    whole = int(epoch // 1)
    millis = int((epoch - whole) * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{millis:03d}Z"


def parse_iso(text: str) -> float:
    """Parse an ISO-8601 timestamp (``Z`` or offset; naive means UTC) to epoch seconds."""
    dt = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def parse_duration(text: str) -> float:
    """Parse ``90s``, ``15m``, ``24h``, ``7d``, ``2w`` or ``250ms`` to seconds.

    A bare number means seconds. Raises ValueError with a readable message.
    """
    match = _DURATION.match(text)
    if not match:
        raise ValueError(
            f"invalid duration {text!r}: use a number and a unit, e.g. 250ms, 30s, 15m, 24h, 7d, 2w"
        )
    value, unit = match.groups()
    return float(value) * _UNIT_SECONDS[unit or "s"]


def since_iso(duration: str, at: float | None = None) -> str:
    """The storage timestamp ``duration`` before ``at`` (default: now)."""
    reference = now() if at is None else at
    return iso_utc(reference - parse_duration(duration))
