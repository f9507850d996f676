"""Turns a captured :class:`Exchange` into a storable :class:`CallRow` and its payload.

Decodes the captured response, runs the provider parser, derives the outcome,
TTFT and cost, then hands the content to the payload builder, which redacts it
(or withholds it). Runs in the recorder process, never on the proxy's hot path.
Without a payload builder (the redactor could not be built) calls are stored
as metadata only: no bodies, no error text, no URL path.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from lookout.analysis.cost import PriceTable
from lookout.analysis.refusal import RefusalDetector
from lookout.core.clock import iso_utc
from lookout.core.models import CallRow, Exchange, Outcome, ParsedCall, PayloadRow
from lookout.providers import parse_exchange
from lookout.providers.text import response_text
from lookout.recorder.decode import decode_body, offset_time
from lookout.recorder.payload import WITHHELD, PayloadBuilder, content_free

# Local servers run the user's own hardware: only prices the user configured apply.
LOCAL_UPSTREAMS = frozenset({"ollama", "lmstudio", "vllm"})
_DECODED_LIMIT_FACTOR = 8


@dataclass(frozen=True, slots=True)
class BuiltCall:
    row: CallRow
    payload: PayloadRow | None
    redaction_failed: bool
    # The raw provider or network error text, for error grouping. Memory only: never stored.
    error_text: str | None = None


class RowBuilder:
    def __init__(
        self,
        prices: PriceTable,
        capture_limit: int,
        payloads: PayloadBuilder | None,
        refusals: RefusalDetector | None = None,
    ) -> None:
        self._prices = prices
        self._decoded_limit = capture_limit * _DECODED_LIMIT_FACTOR
        self._payloads = payloads
        self._refusals = refusals or RefusalDetector()

    def build(self, exchange: Exchange, *, withheld: str | None = None) -> BuiltCall:
        """The call's row and payload; ``withheld`` (a reason) stores no bodies, unredacted or not."""
        decoded = decode_body(
            exchange.response_body,
            exchange.response_encoding,
            exchange.chunk_marks,
            self._decoded_limit,
        )
        parsed = parse_exchange(
            method=exchange.method,
            path=exchange.path,
            request_body=exchange.request_body,
            status_code=exchange.status_code,
            response_content_type=exchange.response_content_type,
            response_body=decoded.body,
        )
        ttft = None
        if parsed.first_content_offset is not None:
            ttft = offset_time(decoded.marks, parsed.first_content_offset)
        cost, price_version = self._cost(exchange.upstream, parsed)
        error = parsed.error
        row = CallRow(
            id=exchange.id,
            started_at=iso_utc(exchange.started_at),
            upstream=exchange.upstream,
            provider=parsed.provider,
            operation=parsed.operation,
            endpoint=exchange.path,
            method=exchange.method,
            model=parsed.model,
            response_model=parsed.response_model,
            streamed=parsed.streamed,
            status_code=exchange.status_code,
            outcome=outcome_of(exchange, parsed),
            finish_reason=parsed.finish_reason,
            error_type=error.type if error else network_error_type(exchange),
            error_code=error.code if error else network_error_code(exchange),
            error_group_id=None,
            latency_ms=exchange.latency_ms,
            ttft_ms=ttft,
            input_tokens=parsed.usage.input_tokens,
            output_tokens=parsed.usage.output_tokens,
            cached_tokens=parsed.usage.cached_tokens,
            cache_write_tokens=parsed.usage.cache_write_tokens,
            reasoning_tokens=parsed.usage.reasoning_tokens,
            cost_usd=cost,
            price_version=price_version,
            trace_id=exchange.trace_id,
            session_id=exchange.session_id,
            request_bytes=exchange.request_bytes,
            response_bytes=exchange.response_bytes,
        )
        if row.outcome == "ok" and decoded.complete and not exchange.response_truncated:
            self._measure_text(row, exchange, decoded.body, parsed.streamed)
        if self._payloads is None or withheld is not None:
            row.endpoint = WITHHELD  # not redacted, so nothing user-supplied is stored
            payload = None if withheld is None else content_free(exchange, Counter(), withheld)
            return BuiltCall(row, payload, False, raw_error_text(exchange, parsed))
        # A capture that could not be decoded in full is stored as truncated.
        exchange.response_truncated = exchange.response_truncated or not decoded.complete
        result = self._payloads.build(exchange, decoded.body, parsed, row.outcome)
        row.endpoint = result.endpoint
        row.error_message = result.error_message
        return BuiltCall(row, result.payload, result.failed, raw_error_text(exchange, parsed))

    def _measure_text(self, row: CallRow, exchange: Exchange, body: bytes, streamed: bool) -> None:
        """Response length, refusal and emptiness, read off the raw text (for drift): numbers only."""
        text = response_text(
            path=exchange.path,
            response_content_type=exchange.response_content_type,
            response_body=body,
            streamed=streamed,
        )
        if text is not None:  # not a text-generation answer, or unreadable: left unknown
            measured = self._refusals.measure(
                text.text, provider_refusal=text.refused, has_tool_calls=text.tool_calls
            )
            row.response_chars = measured.chars
            row.refusal = measured.refusal
            row.empty_response = measured.empty

    def _cost(self, upstream: str, parsed: ParsedCall) -> tuple[float | None, str | None]:
        prices = self._prices if upstream not in LOCAL_UPSTREAMS else self._prices.user_only()
        for model in (parsed.response_model, parsed.model):
            cost = prices.price(model, parsed.usage)
            if cost is not None:
                return cost, prices.version
        return None, None


def outcome_of(exchange: Exchange, parsed: ParsedCall) -> Outcome:
    """The proxy's view of the call, upgraded to ``error`` when the provider said so."""
    if exchange.outcome != "ok":
        return exchange.outcome
    failed = (exchange.status_code or 0) >= 400 or parsed.error is not None
    return "error" if failed else "ok"


def raw_error_text(exchange: Exchange, parsed: ParsedCall) -> str | None:
    """What the provider (or, for a transport failure, the proxy) said went wrong. Unredacted."""
    if parsed.error is not None and parsed.error.message:
        return parsed.error.message
    return exchange.network_error


def network_error_type(exchange: Exchange) -> str | None:
    return "network" if exchange.network_error else None


def network_error_code(exchange: Exchange) -> str | None:
    if not exchange.network_error:
        return None
    if exchange.outcome == "error":
        return "upstream_disconnected"
    return exchange.outcome
