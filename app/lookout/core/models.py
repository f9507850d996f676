"""Domain dataclasses shared by the proxy, the parsers, the recorder and the store.

Three shapes, in the order a call flows through Lookout:

* :class:`Exchange` is what the proxy captured: raw bytes and timings. It holds
  unredacted content, so it only ever lives in memory (engine and recorder).
* :class:`ParsedCall` is what a provider parser read out of an exchange.
* :class:`CallRow` is one row of the ``calls`` table: metadata only, safe to store.

Stdlib only: this module is imported by every other layer.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Literal

Outcome = Literal["ok", "error", "client_aborted", "upstream_unreachable", "upstream_timeout"]


@dataclass(slots=True)
class Usage:
    """Token counts, normalised across providers. ``None`` means unknown, never zero.

    ``input_tokens`` is the *whole* prompt: uncached + cache reads + cache writes.
    (OpenAI and Gemini report it that way; Anthropic reports the three parts
    separately, and its parser adds them up.) ``cached_tokens`` is the cache-read
    part of it and ``cache_write_tokens`` the cache-creation part.
    ``output_tokens`` includes ``reasoning_tokens``.
    """

    input_tokens: int | None = None
    output_tokens: int | None = None
    cached_tokens: int | None = None
    cache_write_tokens: int | None = None
    reasoning_tokens: int | None = None


@dataclass(slots=True)
class ProviderError:
    """An error as the provider described it: its type, code and message text.

    ``message`` is raw provider text and may quote the user's prompt, so it must
    be redacted before it is stored anywhere.
    """

    type: str | None = None
    code: str | None = None
    message: str | None = None


@dataclass(slots=True)
class Exchange:
    """One proxied HTTP exchange as captured by the proxy. Memory only: never stored.

    Bodies are the captured copies, capped in size (``*_truncated`` tells when the
    cap was hit); ``*_bytes`` are the true sizes on the wire. ``response_body`` is
    as received, i.e. still compressed when ``response_encoding`` is gzip/br/deflate.
    ``chunk_marks`` holds ``(cumulative raw bytes, ms since start)`` per chunk
    received from the upstream, so parsers' byte offsets can be turned into times.
    """

    id: str
    started_at: float  # epoch seconds
    upstream: str
    method: str
    path: str  # path below the upstream prefix, e.g. "/v1/chat/completions"
    request_content_type: str | None = None
    request_body: bytes = b""
    request_truncated: bool = False
    request_bytes: int = 0
    status_code: int | None = None
    response_content_type: str | None = None
    response_encoding: str | None = None
    response_body: bytes = b""
    response_truncated: bool = False
    response_bytes: int = 0
    chunk_marks: list[tuple[int, float]] = field(default_factory=list)
    latency_ms: float | None = None
    outcome: Outcome = "ok"
    network_error: str | None = None  # Lookout's own description of a transport failure
    trace_id: str | None = None
    session_id: str | None = None
    # Allow-listed headers only (see proxy.headers): credentials never get this far.
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    response_headers: list[tuple[str, str]] = field(default_factory=list)

    def packed(self) -> bytes:
        """This exchange as bytes, for the engine's queue and the pipe to the recorder.

        A queued record held as objects is ~7 KB of tracked containers that every
        full garbage collection in the engine walks; as bytes it is half the size
        and invisible to the collector. The field values go as a plain tuple: a
        third of the cost of pickling the object itself.
        """
        return pickle.dumps(_exchange_values(self), protocol=pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def unpacked(blob: bytes) -> Exchange:
        values = pickle.loads(blob)  # only ever bytes from our own engine process
        if not isinstance(values, tuple) or len(values) != len(_EXCHANGE_FIELDS):
            raise TypeError(f"expected a packed Exchange, got {type(values).__name__}")
        return Exchange(*values)


_EXCHANGE_FIELDS = tuple(item.name for item in fields(Exchange))
_exchange_values = attrgetter(*_EXCHANGE_FIELDS)


@dataclass(slots=True)
class ParsedCall:
    """What a provider parser extracted from an exchange. Pure data, no IO.

    ``first_content_offset`` is the offset in the *decoded* response body just past
    the first event/chunk that carries generated content (text, tool call, image,
    embedding...). The recorder maps it to a time with the exchange's chunk marks
    to get TTFT. ``None`` when there was no content.
    """

    provider: str | None = None  # wire format family: openai | anthropic | gemini | ollama
    operation: str | None = None  # chat | responses | completion | embeddings | image | ...
    model: str | None = None
    response_model: str | None = None
    streamed: bool = False
    usage: Usage = field(default_factory=Usage)
    finish_reason: str | None = None
    error: ProviderError | None = None
    first_content_offset: int | None = None


@dataclass(slots=True)
class CallRow:
    """One row of the ``calls`` table. Metadata only: it holds no prompt or response text."""

    id: str
    started_at: str  # ISO-8601 UTC with milliseconds, e.g. 2026-11-28T20:32:26.123Z
    upstream: str
    provider: str | None
    operation: str | None
    endpoint: str
    method: str
    model: str | None
    response_model: str | None
    streamed: bool
    status_code: int | None
    outcome: Outcome
    finish_reason: str | None
    error_type: str | None
    error_code: str | None
    error_group_id: str | None
    latency_ms: float | None
    ttft_ms: float | None
    input_tokens: int | None
    output_tokens: int | None
    cached_tokens: int | None
    cache_write_tokens: int | None
    reasoning_tokens: int | None
    cost_usd: float | None
    price_version: str | None  # which price table priced it, so history can be re-priced
    trace_id: str | None
    session_id: str | None
    request_bytes: int
    response_bytes: int
    error_message: str | None = None  # redacted before it gets here
    # Measured on the response text before redaction (for drift); only numbers are stored.
    response_chars: int | None = None
    refusal: bool | None = None
    empty_response: bool | None = None


@dataclass(slots=True)
class PayloadRow:
    """One row of the ``payloads`` table. Every text in it has been redacted.

    ``request_body``/``response_body`` are None when not stored; then
    ``dropped_reason`` says why (not sampled, disabled for the upstream,
    redaction failed or over its time budget, a ``drop`` operator matched, the
    recorder far behind, the engine stopping).
    Streamed responses are stored as the assembled message, not the raw stream.
    """

    call_id: str
    created_at: str
    request_body: str | None
    response_body: str | None
    request_headers: str | None  # JSON object of allow-listed headers
    response_headers: str | None
    truncated: bool
    redactions: str  # JSON object: entity type -> count
    dropped_reason: str | None
    # Streams only: JSON list of ms since the request started at which each chunk arrived.
    chunk_times: str | None = None


GroupEventKind = Literal["new", "regressed"]


@dataclass(frozen=True, slots=True)
class GroupEvent:
    """An error group became new or regressed: what the grouping step tells the alerting step.

    Carries only stored-safe data (the redacted title, ids and tags), so it can be
    written into an alert as is.
    """

    kind: GroupEventKind
    group_id: str
    title: str  # redacted
    at: str  # ISO time of the event that caused it
    model: str | None
    upstream: str
    operation: str | None


@dataclass(frozen=True, slots=True)
class ErrorGroup:
    """One error group (a row of ``error_groups``) as readers see it. The title is redacted.

    ``status``/``substatus`` are as of the time of reading (a group turns from
    ``new`` to ``ongoing`` after a week, an ignore runs out), not as last stored.
    ``failure`` is the HTTP status as text, or how the call failed without one:
    ``upstream_unreachable``, ``upstream_timeout``, ``upstream_disconnected``,
    ``stream`` (an error inside a 200 stream) or ``response`` (a failed 200).
    """

    id: str
    fingerprint: str
    title: str
    status: str  # unresolved | resolved | ignored
    substatus: str | None  # new | ongoing | regressed, for unresolved groups
    count: int
    first_seen: str
    last_seen: str
    provider: str | None
    failure: str | None
    status_code: int | None
    error_type: str | None
    error_code: str | None
    rule: str | None  # the custom fingerprint rule that named the group
    models: tuple[str, ...]
    upstreams: tuple[str, ...]
    operations: tuple[str, ...]
    status_changed_at: str | None
    ignored_until: str | None
    ignored_events_left: int | None


AlertSeverity = Literal["critical", "medium", "low"]
AlertStatus = Literal["open", "resolved"]
# Most urgent first: critical notifies at once, medium notifies rate-limited, low goes to the digest.
SEVERITIES: tuple[AlertSeverity, ...] = ("critical", "medium", "low")


@dataclass(slots=True)
class Alert:
    """One row of the ``alerts`` table: a rule that fired for a subject, at most one open per pair.

    Every text in it is derived (rule, scope names, numbers) or already redacted
    (error group titles): never a body or a raw error message. ``notified_at`` is
    set when the alert was handed to notification (tray, webhook); alerts without
    it belong to the digest.
    """

    id: int | None
    rule: str
    subject: str  # e.g. "openai · gpt-4o-mini · chat", "group:ab12cd34", "recorder"
    severity: AlertSeverity
    status: AlertStatus
    opened_at: str
    last_triggered_at: str
    message: str
    resolved_at: str | None = None
    value: float | None = None
    threshold: float | None = None
    upstream: str | None = None
    model: str | None = None
    operation: str | None = None
    group_id: str | None = None
    occurrences: int = 1  # times it fired again (reopened within the cooldown) while deduplicated
    notified_at: str | None = None
    delivery_status: str | None = None  # None (no webhook) | pending | delivered | failed
    delivery_attempts: int = 0
    delivery_error: str | None = None
