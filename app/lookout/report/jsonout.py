"""The JSON format: the report's data as one object, described by ``resources/report_schema.json``.

Each section is an object with ``"available": true`` and its fields, or
``{"available": false, "reason": "…"}``; ``examples`` is ``null`` when bodies
were not asked for. Unknown numbers are ``null``, never 0. A change to the
shape bumps ``format_version`` and the schema together.
"""

from __future__ import annotations

import json
from dataclasses import fields, is_dataclass
from typing import Any, TextIO

from lookout.report.model import Report, Unavailable

FORMAT_NAME = "lookout-report"
SCHEMA_RESOURCE = "report_schema.json"
SECTIONS = ("summary", "latency", "errors", "drift", "alerts", "cost", "audit", "examples")


def report_dict(report: Report) -> dict[str, Any]:
    """The report as JSON-ready data."""
    data: dict[str, Any] = {
        "format": FORMAT_NAME,
        "format_version": report.format_version,
        "header": plain(report.header),
    }
    for name in SECTIONS:
        value = getattr(report, name)
        data[name] = None if value is None else _section(value)
    return data


def write_json(report: Report, out: TextIO) -> None:
    json.dump(report_dict(report), out, indent=2, ensure_ascii=False)
    out.write("\n")


def plain(value: Any) -> Any:
    """Dataclasses as dicts (internal fields left out), :class:`Unavailable` as its JSON form."""
    if isinstance(value, Unavailable):
        return {"available": False, "reason": value.reason}
    if is_dataclass(value) and not isinstance(value, type):
        return {
            item.name: plain(getattr(value, item.name))
            for item in fields(value)
            if not item.metadata.get("internal")
        }
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def _section(value: Any) -> dict[str, Any]:
    data = plain(value)
    if isinstance(value, Unavailable):
        return dict(data)
    return {"available": True, **data}
