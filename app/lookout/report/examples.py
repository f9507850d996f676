"""Example failures for ``--include-bodies``: the N most recent failed calls of each top error group.

Bodies come from ``payloads`` (stored redacted) and are re-redacted here keeping
their JSON structure, then pretty-printed and cut to :data:`BODY_CHARS` so a
report stays readable. A body the redactor withholds is left out with a note.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlite_utils import Database

from lookout.report.audit import call_filter
from lookout.report.model import ExampleCall, ExamplesSection, ReportOptions
from lookout.report.scrub import Scrubber
from lookout.store.queries import NON_ERROR_OUTCOMES

BODY_CHARS = 4000

_RECENT_FAILURES_SQL = """
SELECT c.id, c.started_at, c.model, c.status_code, c.outcome, p.request_body, p.response_body,
       p.dropped_reason, p.truncated
FROM calls AS c LEFT JOIN payloads AS p ON p.call_id = c.id
WHERE c.error_group_id = ? AND c.outcome NOT IN ({non_errors}) AND {where}
ORDER BY c.started_at DESC
LIMIT ?
"""


def examples_section(
    db: Database, options: ReportOptions, group_ids: Sequence[str], scrubber: Scrubber
) -> ExamplesSection:
    """Up to ``options.bodies_per_group`` recent failures for each group, newest first."""
    where, params = call_filter(options, alias="c")
    sql = _RECENT_FAILURES_SQL.format(where=where, non_errors=", ".join("?" for _ in NON_ERROR_OUTCOMES))
    calls: list[ExampleCall] = []
    for group_id in group_ids:
        rows = db.query(sql, [group_id, *NON_ERROR_OUTCOMES, *params, options.bodies_per_group])
        calls.extend(_example(group_id, row, scrubber) for row in rows)
    return ExamplesSection(per_group=options.bodies_per_group, calls=calls)


def _example(group_id: str, row: dict[str, Any], scrubber: Scrubber) -> ExampleCall:
    notes: list[str] = []
    request = _body(row["request_body"], scrubber, notes)
    response = _body(row["response_body"], scrubber, notes)
    if row["request_body"] is None and row["response_body"] is None:
        notes.append(f"no body stored ({row['dropped_reason'] or 'payload purged or never captured'})")
    if row["truncated"]:
        notes.append("truncated when captured")
    return ExampleCall(
        group_id=group_id,
        call_id=row["id"],
        started_at=row["started_at"],
        model=row["model"],
        status_code=row["status_code"],
        outcome=row["outcome"],
        request_body=request,
        response_body=response,
        note="; ".join(notes) or None,
    )


def _body(stored: str | None, scrubber: Scrubber, notes: list[str]) -> str | None:
    if stored is None:
        return None
    text, withheld = scrubber.body(stored)
    if text is None:
        notes.append(withheld or "body withheld")
        return None
    text = _pretty(text)
    if len(text) > BODY_CHARS:
        notes.append(f"body shortened to {BODY_CHARS} characters")
        return text[:BODY_CHARS] + "\n…"
    return text


def _pretty(text: str) -> str:
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text
