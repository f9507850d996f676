"""What gets stored of a call's content: redacted, sampled, assembled, or withheld (fail closed)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from lookout.core.config import CaptureSettings, RedactionSettings
from lookout.core.models import Exchange, ParsedCall, ProviderError
from lookout.recorder.payload import WITHHELD, PayloadBuilder
from lookout.redaction import RedactedText, RedactionFailed, Redactor
from lookout.redaction.cache import RedactionCache

EMAIL = "zelda.quinlan@example-mail.com"
REQUEST = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": f"mail {EMAIL}"}]})
STREAM = (
    f'data: {{"model":"gpt-4o-mini","choices":[{{"index":0,"delta":{{"content":"Hi {EMAIL}"}}}}]}}\n\n'
    "data: [DONE]\n\n"
).encode()


class BrokenRedactor(Redactor):
    def redact_text(self, text: str, *, deadline: float) -> RedactedText:
        raise RedactionFailed("redaction failed")


@pytest.fixture(scope="module")
def redactor() -> Iterator[Redactor]:
    yield Redactor(RedactionSettings())


def exchange(**changes: object) -> Exchange:
    base = Exchange(
        id="c1", started_at=1_764_000_000.0, upstream="openai", method="POST", path="/v1/chat/completions",
        request_content_type="application/json", request_body=REQUEST.encode(),
        response_content_type="text/event-stream", response_body=STREAM,
        request_headers=[("User-Agent", "app/1.0")], response_headers=[("x-request-id", "req_1")],
    )  # fmt: skip
    for key, value in changes.items():
        setattr(base, key, value)
    return base


def build(builder: PayloadBuilder, ex: Exchange, parsed: ParsedCall | None = None, outcome: str = "ok"):  # type: ignore[no-untyped-def]
    return builder.build(ex, ex.response_body, parsed or ParsedCall(streamed=True), outcome)  # type: ignore[arg-type]


def test_bodies_are_stored_redacted_and_streams_assembled(redactor: Redactor) -> None:
    result = build(PayloadBuilder(redactor, CaptureSettings(), 5.0), exchange())
    payload = result.payload
    assert EMAIL not in (payload.request_body or "") + (payload.response_body or "")
    assert json.loads(payload.request_body or "")["model"] == "gpt-4o-mini"
    assert "Hi <EMAIL_ADDRESS>" in (payload.response_body or "") and "data:" not in (
        payload.response_body or ""
    )
    assert json.loads(payload.redactions) == {"EMAIL_ADDRESS": 2}
    assert json.loads(payload.request_headers or "") == {"User-Agent": "app/1.0"}
    assert (result.endpoint, result.failed, payload.dropped_reason) == ("/v1/chat/completions", False, None)


def test_a_calls_bodies_and_headers_go_through_presidio_in_one_run(
    redactor: Redactor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(redactor, "cache", RedactionCache())
    runs: list[str] = []
    find = redactor.detector.find
    monkeypatch.setattr(redactor.detector, "find", lambda text: runs.append(text) or find(text))
    build(PayloadBuilder(redactor, CaptureSettings(), 5.0), exchange())
    assert len(runs) == 2  # the URL path (metadata, stored even without bodies), then all four parts
    assert EMAIL in runs[1] and "req_1" in runs[1] and "app/1.0" in runs[1]


def test_error_text_and_paths_are_redacted_too(redactor: Redactor) -> None:
    parsed = ParsedCall(error=ProviderError("invalid_request_error", None, f"bad prompt from {EMAIL}"))
    path = f"/v1/users/{EMAIL}/files"
    result = build(PayloadBuilder(redactor, CaptureSettings(), 5.0), exchange(path=path), parsed, "error")
    assert result.error_message == "bad prompt from <EMAIL_ADDRESS>"
    assert EMAIL not in result.endpoint and result.endpoint.startswith("/v1/users/")
    gemini = "/v1beta/models/gemini-2.5-flash:streamGenerateContent"
    assert build(PayloadBuilder(redactor, CaptureSettings(), 5.0), exchange(path=gemini)).endpoint == gemini


def test_failure_or_timeout_stores_metadata_only(redactor: Redactor) -> None:
    broken = BrokenRedactor(RedactionSettings())
    parsed = ParsedCall(error=ProviderError(None, None, f"quote {EMAIL}"))
    for builder in (
        PayloadBuilder(broken, CaptureSettings(), 5.0),
        PayloadBuilder(redactor, CaptureSettings(), 0.0),
    ):
        result = build(builder, exchange(), parsed, "error")
        assert result.failed and result.error_message is None and result.endpoint == WITHHELD
        assert result.payload.request_body is None and result.payload.response_body is None
        assert result.payload.dropped_reason in ("redaction failed", "over time budget")


def test_sampling_and_per_upstream_switches(redactor: Redactor) -> None:
    never = PayloadBuilder(redactor, CaptureSettings(success_sample_rate=0.0), 5.0)
    assert build(never, exchange()).payload.dropped_reason == "not sampled"
    assert build(never, exchange(), outcome="error").payload.request_body is not None  # failures always kept
    off = PayloadBuilder(redactor, CaptureSettings(never_store_bodies_for=frozenset({"openai"})), 5.0)
    assert build(off, exchange()).payload.dropped_reason == "bodies disabled for upstream openai"
    capped = build(PayloadBuilder(redactor, CaptureSettings(max_body_bytes=20), 5.0), exchange())
    assert capped.payload.truncated
