"""Trace and session ids for a call, from W3C ``traceparent`` or Lookout's own headers.

``traceparent`` is forwarded upstream unchanged; ``x-lookout-trace`` and
``x-lookout-session`` are Lookout's and are stripped before forwarding. Lookout's
own header wins when both are present, since the user set it on purpose.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# version-traceid-parentid-flags; an all-zero trace id is invalid per the spec.
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}")
_MAX_ID = 128
TRACE_HEADERS = (b"x-lookout-trace", b"traceparent", b"x-lookout-session")  # what trace_ids reads


def trace_ids(headers: Mapping[str, str]) -> tuple[str | None, str | None]:
    """``(trace_id, session_id)`` taken from the request headers."""
    trace = _clean(headers.get("x-lookout-trace")) or _from_traceparent(headers.get("traceparent"))
    return trace, _clean(headers.get("x-lookout-session"))


def _from_traceparent(value: str | None) -> str | None:
    if not value:
        return None
    match = _TRACEPARENT.match(value.strip().lower())
    if match is None or set(match.group(1)) == {"0"}:
        return None
    return match.group(1)


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()[:_MAX_ID]
    return value or None
