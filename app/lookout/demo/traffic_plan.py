"""What the demo traffic driver sends: a seeded mix of realistic provider requests.

Each planned call is one HTTP request through a Lookout proxy, addressed by
upstream prefix (``/openai/v1/chat/completions``, ``/anthropic/v1/messages``,
``/gemini/v1beta/models/…``, ``/ollama/api/chat``). The mix covers several models
per provider, mostly streamed chat, some embeddings, a few errors of several kinds
scripted through the fake provider's ``x-fake-*`` headers, and one model
(:data:`SLOW_MODEL`) whose latency climbs through the second half of the run so the
demo has a drift to show. Prompts include made-up personal data (example.com
addresses, 555 phone numbers, a test card number) so redaction has work to do.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

JsonObject = dict[str, Any]

SLOW_MODEL = "gpt-4.1"
STREAM_SHARE = 0.6
FAULT_SHARE = 0.07

_SYSTEM = "You are a concise assistant for an engineering team. Answer in plain prose."
_PROMPTS = (
    "Summarise the design review notes from Tuesday in three bullet points.",
    "Draft a polite reply to jane.doe@example.com about the delayed invoice 4411.",
    "Why does our retry loop make the outage worse? Explain the thundering herd.",
    "Translate 'the build is green again' into French and German.",
    "Call Marc on +1 415 555 0134 tomorrow about the contract renewal; write a reminder.",
    "Review this function for edge cases: def mean(xs): return sum(xs) / len(xs)",
    "The customer paid with card 4111 1111 1111 1111; write the refund confirmation.",
    "What is the capital of France, and why is it the largest city?",
    "Write a commit message for a change that adds timeouts to outbound calls.",
    "Classify this ticket: 'Login fails from 10.2.3.4 since the last deploy'.",
    "Explain prompt caching to a new engineer in two paragraphs.",
    "Give me a SQL query that counts orders per day for the last week.",
)
_EMBED_TEXTS = (
    "refund policy for annual plans",
    "how to rotate an API key",
    "latency budget for the checkout service",
    "on-call handbook: escalation steps",
)
# (weight, provider, kind, model): the shape of a typical small team's traffic.
_MIX: tuple[tuple[float, str, str, str], ...] = (
    (0.20, "openai", "chat", "gpt-4o-mini"),
    (0.09, "openai", "chat", "gpt-4.1"),
    (0.05, "openai", "chat", "o4-mini"),
    (0.06, "openai", "responses", "gpt-4.1"),
    (0.06, "openai", "embed", "text-embedding-3-small"),
    (0.13, "anthropic", "chat", "claude-sonnet-4-5"),
    (0.11, "anthropic", "chat", "claude-haiku-4-5"),
    (0.10, "gemini", "chat", "gemini-2.5-flash"),
    (0.05, "gemini", "chat", "gemini-2.5-pro"),
    (0.03, "gemini", "embed", "gemini-embedding-001"),
    (0.10, "ollama", "chat", "llama3.2"),
    (0.02, "ollama", "embed", "nomic-embed-text"),
)
# Typical time to first token, in milliseconds, before jitter and slowdown.
_TTFT_MS = {
    "gpt-4o-mini": 180,
    "gpt-4.1": 320,
    "o4-mini": 900,
    "claude-sonnet-4-5": 450,
    "claude-haiku-4-5": 220,
    "gemini-2.5-flash": 260,
    "gemini-2.5-pro": 700,
    "llama3.2": 120,
}
_FAULTS = {
    "rate_limited": {"x-fake-status": "429"},
    "server_error": {"x-fake-status": "500"},
    "overloaded": {"x-fake-status": "529"},
    "unavailable": {"x-fake-status": "503"},
    "context_length": {"x-fake-status": "400"},
    "stream_error": {"x-fake-stream-error": "1"},
}
_SESSIONS = tuple(f"sess-{name}" for name in ("onboarding", "billing-bot", "triage", "docs-qa"))


@dataclass(frozen=True, slots=True)
class PlannedCall:
    """One request to send: where, what, and which fault (if any) was scripted."""

    provider: str
    model: str
    path: str
    body: JsonObject
    streamed: bool
    fault: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def plan_call(rng: random.Random, progress: float) -> PlannedCall:
    """The next call of the mix; ``progress`` runs from 0 to 1 over the demo."""
    weights = [entry[0] for entry in _MIX]
    _, provider, kind, model = rng.choices(_MIX, weights=weights)[0]
    streamed = kind != "embed" and rng.random() < STREAM_SHARE
    fault = _fault(rng, provider, streamed)
    path, body = _request(rng, provider, kind, model, streamed)
    headers = {**_auth(provider), **_timing(rng, model, progress), **_tracing(rng)}
    headers.update(_FAULTS[fault] if fault else {})
    return PlannedCall(provider, model, path, body, streamed, fault, headers)


def _fault(rng: random.Random, provider: str, streamed: bool) -> str | None:
    if rng.random() >= FAULT_SHARE:
        return None
    choices = ["rate_limited", "server_error", "context_length"]
    choices.append("overloaded" if provider == "anthropic" else "unavailable")
    if streamed:
        choices += ["stream_error", "stream_error"]
    return rng.choice(choices)


def _auth(provider: str) -> dict[str, str]:
    """Credentials shaped like the real ones, which Lookout must never store or show."""
    if provider == "openai":
        return {"Authorization": "Bearer sk-proj-demo0000000000000000000000000000"}
    if provider == "anthropic":
        return {"x-api-key": "sk-ant-api03-demo000000000000", "anthropic-version": "2023-06-01"}
    if provider == "gemini":
        return {"x-goog-api-key": "AIzaSyDemo00000000000000000000000000000"}
    return {}


def _timing(rng: random.Random, model: str, progress: float) -> dict[str, str]:
    ttft = _TTFT_MS.get(model, 60) * rng.uniform(0.7, 1.5)
    if model == SLOW_MODEL and progress > 0.5:
        # Latency climbs steadily to five times normal by the end of the run.
        ttft *= 1 + 8 * (progress - 0.5)
    return {
        "x-fake-latency-ms": str(int(ttft)),
        "x-fake-chunk-delay-ms": str(rng.randint(12, 40)),
        "x-fake-chunks": str(rng.randint(4, 12)),
    }


def _tracing(rng: random.Random) -> dict[str, str]:
    headers: dict[str, str] = {}
    if rng.random() < 0.25:
        headers["x-lookout-session"] = rng.choice(_SESSIONS)
    if rng.random() < 0.15:
        headers["x-lookout-trace"] = f"trace-{rng.getrandbits(48):012x}"
    return headers


def _request(
    rng: random.Random, provider: str, kind: str, model: str, streamed: bool
) -> tuple[str, JsonObject]:
    prompt = rng.choice(_PROMPTS)
    if kind == "embed":
        return _embed_request(rng, provider, model)
    if provider == "openai":
        return _openai_request(rng, kind, model, prompt, streamed)
    if provider == "anthropic":
        return _anthropic_request(rng, model, prompt, streamed)
    if provider == "gemini":
        return _gemini_request(model, prompt, streamed)
    messages = [{"role": "system", "content": _SYSTEM}, {"role": "user", "content": prompt}]
    return "/ollama/api/chat", {"model": model, "messages": messages, "stream": streamed}


def _history(rng: random.Random, prompt: str) -> list[JsonObject]:
    """A conversation, sometimes several turns long (history is resent every turn)."""
    turns: list[JsonObject] = []
    for earlier in rng.sample(_PROMPTS, rng.choice((0, 0, 1, 2))):
        turns.append({"role": "user", "content": earlier})
        turns.append({"role": "assistant", "content": "Here is a short plan before the details."})
    return [*turns, {"role": "user", "content": prompt}]


def _openai_request(
    rng: random.Random, kind: str, model: str, prompt: str, streamed: bool
) -> tuple[str, JsonObject]:
    if kind == "responses":
        body = {"model": model, "instructions": _SYSTEM, "input": prompt, "stream": streamed}
        return "/openai/v1/responses", body
    messages = [{"role": "system", "content": _SYSTEM}, *_history(rng, prompt)]
    body = {"model": model, "messages": messages, "stream": streamed}
    if streamed:
        body["stream_options"] = {"include_usage": True}
    return "/openai/v1/chat/completions", body


def _anthropic_request(rng: random.Random, model: str, prompt: str, streamed: bool) -> tuple[str, JsonObject]:
    system: object = _SYSTEM
    if rng.random() < 0.3:
        system = [{"type": "text", "text": _SYSTEM, "cache_control": {"type": "ephemeral"}}]
    body = {
        "model": model,
        "max_tokens": 1024,
        "system": system,
        "messages": _history(rng, prompt),
        "stream": streamed,
    }
    return "/anthropic/v1/messages", body


def _gemini_request(model: str, prompt: str, streamed: bool) -> tuple[str, JsonObject]:
    action = "streamGenerateContent?alt=sse" if streamed else "generateContent"
    body = {
        "contents": [{"role": "user", "parts": [{"text": prompt}]}],
        "systemInstruction": {"parts": [{"text": _SYSTEM}]},
        "generationConfig": {"maxOutputTokens": 1024},
    }
    return f"/gemini/v1beta/models/{model}:{action}", body


def _embed_request(rng: random.Random, provider: str, model: str) -> tuple[str, JsonObject]:
    texts = rng.sample(_EMBED_TEXTS, rng.randint(1, 3))
    if provider == "openai":
        return "/openai/v1/embeddings", {"model": model, "input": texts}
    if provider == "gemini":
        body = {"content": {"parts": [{"text": texts[0]}]}}
        return f"/gemini/v1beta/models/{model}:embedContent", body
    return "/ollama/api/embed", {"model": model, "input": texts}
