"""A database whose every stored text carries canaries (PII, secrets, a private host name).

Written through :class:`~lookout.store.writer.CallWriter` and plain inserts, not
the recorder, so nothing here was redacted: what a report prints is only as
clean as its own re-redaction.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from sqlite_utils import Database

from lookout.core.clock import iso_utc
from lookout.store.db import open_writer
from lookout.store.writer import CallWriter
from tests.redaction.payloads import CANARIES, CANARY_TEXT, all_canaries
from tests.store.factories import NOW, make_payload, make_row

PRIVATE_HOST = "gpu-box.lab-zelda.internal"
PRIVATE_UPSTREAMS = {"mylab": f"http://{PRIVATE_HOST}:8000"}
EMAIL = CANARIES["EMAIL_ADDRESS"][0]
KEY = CANARIES["API_KEY"][0]
GROUP_ID = "3f9a0c12b7de"
HOUR = 3600.0


def every_canary() -> list[str]:
    return [*all_canaries(), PRIVATE_HOST]


def seed_canaries(data_dir: Path) -> None:
    db = open_writer(data_dir)
    writer = CallWriter(db)
    calls, payloads = [], []
    for i in range(40):
        failed = i % 4 == 0
        row = make_row(
            id=f"c{i:04d}",
            started_at=iso_utc(NOW - 20 * HOUR + i * 600),
            model=f"gpt-4o-mini {EMAIL}" if i % 2 else "gpt-4o-mini",
            upstream="mylab" if i % 5 == 0 else "openai",
            endpoint=f"/v1/chat/completions?user={EMAIL}",
            outcome="error" if failed else "ok",
            status_code=500 if failed else 200,
            error_group_id=GROUP_ID if failed else None,
            error_message=f"cannot connect to upstream 'mylab' ({PRIVATE_HOST}:8000): {CANARY_TEXT}"
            if failed
            else None,
            trace_id=KEY,
            session_id=EMAIL,
            streamed=i % 3 == 0,
            ttft_ms=120.0 + i if i % 3 == 0 else None,
        )
        calls.append(row)
        body = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": CANARY_TEXT}]})
        payloads.append(
            make_payload(
                row.id,
                created_at=row.started_at,
                request_body=body,
                response_body=json.dumps({"error": {"message": f"{PRIVATE_HOST} says {CANARY_TEXT}"}}),
                redactions=json.dumps({"EMAIL_ADDRESS": 2, "API_KEY": 1}),
                dropped_reason=None,
            )
        )
    payloads[1] = replace(
        payloads[1], request_body=None, response_body=None, dropped_reason="redaction failed"
    )
    writer.write_calls(calls, payloads)
    writer.add_counters({"dropped_payloads": 3, "redaction_failures": 1})
    _error_group(db)
    _alerts(db)
    writer.close()


def _error_group(db: Database) -> None:
    first = iso_utc(NOW - 20 * HOUR)
    db.table("error_groups").insert(
        {
            "id": GROUP_ID,
            "fingerprint": "fp-canary",
            "title": f"500 server_error · {EMAIL} {KEY} on {PRIVATE_HOST}",
            "status": "unresolved",
            "substatus": "new",
            "count": 10,
            "first_seen": first,
            "last_seen": iso_utc(NOW - HOUR),
            "provider": "openai",
            "status_code": 500,
            "models": json.dumps(["gpt-4o-mini", f"gpt-4o-mini {EMAIL}"]),
            "upstreams": json.dumps(["openai", "mylab"]),
            "operations": json.dumps(["chat"]),
            "status_changed_at": first,
        }
    )
    hour = int((NOW - 20 * HOUR) // HOUR * HOUR)
    db.table("error_group_counts").insert_all(
        [
            {"group_id": GROUP_ID, "granularity": granularity, "bucket": iso_utc(start), "count": 5}
            for granularity, start in (("hour", hour), ("hour", hour + 7200), ("day", NOW - 86400))
        ]
    )


def _alerts(db: Database) -> None:
    db.table("alerts").insert_all(
        [
            {
                "rule": "new_group",
                "subject": f"group:{GROUP_ID}",
                "severity": "medium",
                "status": status,
                "opened_at": iso_utc(NOW - 10 * HOUR),
                "last_triggered_at": iso_utc(NOW - 10 * HOUR),
                "resolved_at": iso_utc(NOW - 5 * HOUR) if status == "resolved" else None,
                "message": f"New error group: {EMAIL} {KEY} from {PRIVATE_HOST}",
                "upstream": "openai",
                "occurrences": 1,
                "delivery_attempts": 0,
            }
            for status in ("open", "resolved")
        ]
    )
