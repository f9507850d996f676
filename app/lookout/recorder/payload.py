"""The stored side of a call's content: sampled, capped, assembled, redacted, or nothing.

Runs in the recorder, after the call's metadata row is built. The rule is fail
closed: if redacting any part raises or runs past the per-call time budget,
the call keeps its metadata and loses every body and the error text, and the
failure is counted. Nothing unredacted is returned from here.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from lookout.core.clock import iso_utc
from lookout.core.config import CaptureSettings
from lookout.core.models import Exchange, Outcome, ParsedCall, PayloadRow
from lookout.providers.assemble import assemble_stream
from lookout.redaction import RedactedBody, Redactor

FAILURES = frozenset({"redaction failed", "over time budget"})


WITHHELD = "<withheld>"  # stands in for a URL path that could not be redacted
# Enough for a long stream's timeline; longer ones are thinned evenly (the last chunk kept).
MAX_CHUNK_TIMES = 2000


def chunk_times(marks: list[tuple[int, float]]) -> str | None:
    """The arrival times (ms since the request started) of a stream's chunks, as JSON: no content."""
    if not marks:
        return None
    times = [round(ms, 1) for _, ms in marks]
    if len(times) > MAX_CHUNK_TIMES:
        step = len(times) / (MAX_CHUNK_TIMES - 1)
        times = [times[int(i * step)] for i in range(MAX_CHUNK_TIMES - 1)] + [times[-1]]
    return json.dumps(times)


@dataclass(frozen=True, slots=True)
class PayloadResult:
    payload: PayloadRow
    endpoint: str  # the URL path, redacted (ids and e-mails can hide in paths)
    error_message: str | None  # redacted
    failed: bool  # redaction failed or ran out of time: stored metadata only


class PayloadBuilder:
    def __init__(
        self,
        redactor: Redactor,
        capture: CaptureSettings,
        budget_s: float,
        sample: Callable[[], float] = random.random,
    ) -> None:
        self._redactor = redactor
        self._capture = capture
        self._budget_s = budget_s
        self._sample = sample

    def build(
        self, exchange: Exchange, response_body: bytes, parsed: ParsedCall, outcome: Outcome
    ) -> PayloadResult:
        deadline = time.monotonic() + self._budget_s
        counts: Counter[str] = Counter()
        endpoint = self._text(exchange.path, deadline, counts)
        raw_error = parsed.error.message if parsed.error and parsed.error.message else exchange.network_error
        error_message = self._text(raw_error, deadline, counts) if raw_error else None
        if endpoint is None or (raw_error and error_message is None):
            return PayloadResult(content_free(exchange, Counter(), "redaction failed"), WITHHELD, None, True)
        skipped = self.skip_reason(exchange.upstream, outcome)
        if skipped:  # the (redacted) path and error text are metadata: they stay
            return PayloadResult(content_free(exchange, counts, skipped), endpoint, error_message, False)
        parts = self._redacted_parts(exchange, response_body, parsed, deadline)
        failure = next((p.dropped_reason for p in parts if p.dropped_reason in FAILURES), None)
        if failure is not None:
            return PayloadResult(content_free(exchange, Counter(), failure), WITHHELD, None, True)
        for part in parts:
            counts.update(part.counts)
        request, response, *headers = parts
        payload = PayloadRow(
            call_id=exchange.id,
            created_at=iso_utc(exchange.started_at),
            request_body=request.text,
            response_body=response.text,
            request_headers=headers[0].text,
            response_headers=headers[1].text,
            truncated=exchange.request_truncated
            or exchange.response_truncated
            or max(len(exchange.request_body), len(response_body)) > self._capture.max_body_bytes,
            redactions=json.dumps(dict(sorted(counts.items()))),
            dropped_reason=request.dropped_reason or response.dropped_reason,
            chunk_times=chunk_times(exchange.chunk_marks) if parsed.streamed else None,
        )
        return PayloadResult(payload, endpoint, error_message, False)

    def skip_reason(self, upstream: str, outcome: Outcome) -> str | None:
        """Why no body is stored for this call, or None when bodies are stored."""
        if not self._capture.store_bodies:
            return "bodies disabled"
        if upstream in self._capture.never_store_bodies_for:
            return f"bodies disabled for upstream {upstream}"
        if outcome == "ok" and self._sample() >= self._capture.success_sample_rate:
            return "not sampled"
        return None

    def redact_title(self, text: str) -> str | None:
        """``text`` (an error group's title) redacted, or None when redaction failed (fail closed)."""
        return self._text(text, time.monotonic() + self._budget_s, Counter())

    def _text(self, raw: str, deadline: float, counts: Counter[str]) -> str | None:
        """``raw`` redacted, or None when redaction failed (fail closed)."""
        try:
            redacted = self._redactor.redact_text(raw, deadline=deadline)
        except Exception:  # the exception's text could quote the input: not logged
            return None
        counts.update(redacted.counts)
        return redacted.text

    def _redacted_parts(
        self, exchange: Exchange, response_body: bytes, parsed: ParsedCall, deadline: float
    ) -> list[RedactedBody]:
        """Request body, response body and the two header sets, redacted in one pass.

        One pass shares Presidio's runs among them: their new strings (a new turn,
        a response, a request id) usually make a single run.
        """
        limit = self._capture.max_body_bytes
        assembled = None
        if parsed.streamed:
            assembled = assemble_stream(
                path=exchange.path,
                response_content_type=exchange.response_content_type,
                response_body=response_body,
            )
        response_type = "application/json" if assembled is not None else exchange.response_content_type
        parts = [
            (exchange.request_body[:limit], exchange.request_content_type),
            ((assembled or response_body)[:limit], response_type),
            (json.dumps(dict(exchange.request_headers)).encode(), "application/json"),
            (json.dumps(dict(exchange.response_headers)).encode(), "application/json"),
        ]
        try:
            redacted = iter(self._redactor.redact_bodies([p for p in parts if p[0]], deadline=deadline))
            return [next(redacted) if body else RedactedBody(text=None) for body, _ in parts]
        except Exception:  # the redactor should fail closed itself; this is the backstop
            return [RedactedBody(text=None, dropped_reason="redaction failed")] * len(parts)


def content_free(exchange: Exchange, counts: Counter[str], reason: str) -> PayloadRow:
    """The payload row of a call whose bodies are not stored: why, and what redaction found."""
    return PayloadRow(
        call_id=exchange.id,
        created_at=iso_utc(exchange.started_at),
        request_body=None,
        response_body=None,
        request_headers=None,
        response_headers=None,
        truncated=False,
        redactions=json.dumps(dict(sorted(counts.items()))),
        dropped_reason=reason,
    )
