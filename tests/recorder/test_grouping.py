"""The recorder's grouping step: which calls are errors, one group per failure, redacted titles, events."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from sqlite_utils import Database

from lookout.analysis.cost import PriceTable
from lookout.core.config import CaptureSettings, RedactionSettings
from lookout.core.errors_config import ErrorsSettings, FingerprintRule
from lookout.core.models import Exchange, Outcome
from lookout.recorder.build import BuiltCall, RowBuilder
from lookout.recorder.grouping import Grouper
from lookout.recorder.payload import PayloadBuilder
from lookout.redaction import RedactedText, RedactionFailed, Redactor
from lookout.store.db import open_writer
from lookout.store.writer import CallWriter
from tests.store.factories import NOW

SECRET = "hunter2hunter2"
RATE_LIMIT = (
    "Rate limit reached for {model} in organization org-{org} on tokens per min (TPM): Limit 200000, Used "
    "{used}, "
    "Requested 412. Please try again in {wait}. Visit https://platform.openai.com/account/rate-limits to "
    "learn more."
)


class BrokenRedactor(Redactor):
    def redact_text(self, text: str, *, deadline: float) -> RedactedText:
        raise RedactionFailed("redaction failed")


@pytest.fixture(scope="module")
def redactor() -> Iterator[Redactor]:
    yield Redactor(RedactionSettings())


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_writer(tmp_path)
    yield database
    database.close()


def builder(redactor: Redactor | None) -> RowBuilder:
    payloads = PayloadBuilder(redactor, CaptureSettings(), 5.0) if redactor else None
    return RowBuilder(PriceTable.load({}), 1 << 20, payloads)


def grouper(redactor: Redactor | None, **settings: object) -> Grouper:
    payloads = PayloadBuilder(redactor, CaptureSettings(), 5.0) if redactor else None
    return Grouper(ErrorsSettings(**settings), payloads.redact_title if payloads else None)  # type: ignore[arg-type]


def openai_error(n: int, status: int, error: Mapping[str, object], *, model: str = "gpt-4o-mini") -> Exchange:
    return Exchange(
        id=f"call-{n:04d}", started_at=NOW + n, upstream="openai", method="POST", path="/v1/chat/completions",
        request_content_type="application/json",
        request_body=json.dumps({"model": model, "messages": [{"role": "user", "content": "hi"}]}).encode(),
        status_code=status, response_content_type="application/json",
        response_body=json.dumps({"error": dict(error)}).encode(), latency_ms=40.0,
    )  # fmt: skip


def rate_limited(n: int, model: str, used: int, wait: str) -> Exchange:
    message = RATE_LIMIT.format(model=model, org=f"Qx{n:04d}uVqpjtJiKq", used=used, wait=wait)
    error = {"message": message, "type": "tokens", "code": "rate_limit_exceeded", "param": None}
    return openai_error(n, 429, error, model=model)


def network_failure(n: int, outcome: Outcome, text: str) -> Exchange:
    return Exchange(
        id=f"call-{n:04d}", started_at=NOW + n, upstream="ollama", method="POST", path="/api/chat",
        status_code=None, outcome=outcome, network_error=text, latency_ms=5.0,
    )  # fmt: skip


def built(rows: RowBuilder, *exchanges: Exchange) -> list[BuiltCall]:
    return [rows.build(exchange) for exchange in exchanges]


def test_message_variants_share_a_group_and_only_errors_get_one(redactor: Redactor, db: Database) -> None:
    rows, groups = builder(redactor), grouper(redactor)
    calls = built(
        rows,
        rate_limited(1, "gpt-4o-mini", 199823, "222ms"),
        rate_limited(2, "gpt-4.1", 150000, "1.5s"),
        openai_error(
            3,
            400,
            {
                "message": "This model's maximum context length is 128000 tokens. However, your "
                "messages resulted in 130512 tokens.",
                "type": "invalid_request_error",
                "code": "context_length_exceeded",
            },
        ),
        network_failure(
            4, "upstream_unreachable", "cannot connect to upstream 'ollama' (http://127.0.0.1:9): refused"
        ),
        network_failure(5, "client_aborted", "the client went away"),
        Exchange(
            id="ok", started_at=NOW, upstream="openai", method="POST", path="/v1/embeddings", status_code=200
        ),
    )
    for call in calls:
        groups.observe(call)
    ids = [call.row.error_group_id for call in calls]
    assert ids[0] == ids[1] and len({ids[0], ids[2], ids[3]}) == 3
    assert ids[4] is None and ids[5] is None  # a client hanging up is not an error, nor is a success
    assert groups.drain_events() == []  # events come with the write

    groups.write(db)
    events = groups.drain_events()
    assert [(e.kind, e.group_id) for e in events] == [("new", ids[0]), ("new", ids[2]), ("new", ids[3])]
    assert groups.drain_events() == []
    titles = dict(db.execute("SELECT id, title FROM error_groups"))
    assert titles[ids[0]] == (
        "429 rate_limit_exceeded · Rate limit reached for <model> in organization <id> on tokens per min "
        "(TPM)"
    )
    assert titles[ids[3]] == "upstream_unreachable · cannot connect to upstream 'ollama' (<url>): refused"
    assert db.execute("SELECT count, models FROM error_groups WHERE id = ?", [ids[0]]).fetchone() == (
        2, '["gpt-4.1", "gpt-4o-mini"]'
    )  # fmt: skip


def test_titles_are_redacted_after_parameterizing(redactor: Redactor, db: Database) -> None:
    groups = grouper(redactor)
    error = {
        "message": f"Invalid request: password={SECRET} is not accepted",
        "type": "invalid_request_error",
    }
    (call,) = built(builder(redactor), openai_error(1, 400, error))
    groups.observe(call)
    groups.write(db)
    (title,) = [row[0] for row in db.execute("SELECT title FROM error_groups")]
    assert (
        SECRET not in title
        and title == "400 invalid_request_error · Invalid request: password=<SECRET> is not accepted"
    )
    assert groups.drain_events()[0].title == title


@pytest.mark.parametrize("unavailable", ["broken", "none"])
def test_titles_fail_closed_to_metadata_only(redactor: Redactor, db: Database, unavailable: str) -> None:
    broken = BrokenRedactor(RedactionSettings()) if unavailable == "broken" else None
    groups = grouper(broken)
    error = {
        "message": f"Invalid request: password={SECRET}",
        "type": "invalid_request_error",
        "code": "bad_pw",
    }
    (call,) = built(builder(redactor), openai_error(1, 400, error))
    groups.observe(call)
    groups.write(db)
    assert [row[0] for row in db.execute("SELECT title FROM error_groups")] == ["400 bad_pw"]
    assert call.row.error_group_id is not None  # still grouped, by the in-memory message


def test_a_regression_is_an_event(redactor: Redactor, db: Database) -> None:
    rows, groups = builder(redactor), grouper(redactor)
    first, later = built(rows, rate_limited(1, "gpt-4o", 1, "1s"), rate_limited(90, "gpt-4o", 2, "2s"))
    groups.observe(first)
    groups.write(db)
    db.execute(
        "UPDATE error_groups SET status = 'resolved', substatus = NULL"
    )  # as `lookout errors resolve` would
    db.conn.commit()
    groups.observe(later)
    groups.write(db)
    assert [e.kind for e in groups.drain_events()] == ["new", "regressed"]


def test_custom_rules_name_the_group(redactor: Redactor, db: Database) -> None:
    rule = FingerprintRule(name="ollama-down", title="Local Ollama is down", status="upstream_unreachable")
    groups = grouper(redactor, fingerprint_rules=(rule,))
    calls = built(
        builder(redactor),
        network_failure(1, "upstream_unreachable", "cannot connect: Connection refused"),
        network_failure(2, "upstream_unreachable", "cannot connect: Name or service not known"),
    )
    for call in calls:
        groups.observe(call)
    groups.write(db)
    assert calls[0].row.error_group_id == calls[1].row.error_group_id
    assert db.execute("SELECT title, rule, count FROM error_groups").fetchone() == (
        "Local Ollama is down", "ollama-down", 2
    )  # fmt: skip


def test_a_failed_group_write_never_takes_the_calls_with_it(redactor: Redactor, db: Database) -> None:
    groups = grouper(redactor)
    (call,) = built(builder(redactor), rate_limited(1, "gpt-4o", 1, "1s"))
    groups.observe(call)
    db.execute("DROP TABLE error_group_counts")  # any SQLite failure inside the groups' savepoint
    with db.atomic():
        CallWriter(db).write_calls([call.row])
        groups.write(db)
    assert db.table("calls").count == 1 and db.table("error_groups").count == 0
    assert groups.drain_events() == []
