"""The two requests the app itself makes, each only when the user clicks for it.

- :func:`test_connection` ("Test connection" in Settings): one cheap, free GET
  straight to the upstream (its model list), with the stored key in the
  provider's own header, to tell "reachable and the key works" from "key
  refused" from "cannot connect".
- :func:`send_test_call` ("Send a test call" in Connect): one tiny chat request
  (a few output tokens) *through the local proxy*, without a key, so the proxy
  adds the stored one exactly as it would for the user's app. It carries a
  ``x-lookout-trace`` id, so the call can be found in Calls and Traces.

No Qt here: both block, and the views run them on a worker thread. Messages
never contain a key, and environment proxies are ignored (as the engine does).
"""

from __future__ import annotations

import json
import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from lookout.keys.injection import ANTHROPIC, GEMINI, inject_key, style_for

TIMEOUT_S = 15.0
TEST_PROMPT = "Reply with the single word: ok"
MAX_TOKENS = 5
DEFAULT_MODELS = {
    "openai": "gpt-4o-mini",
    "anthropic": "claude-3-5-haiku-latest",
    "gemini": "gemini-2.0-flash",
    "mistral": "mistral-small-latest",
    "groq": "llama-3.1-8b-instant",
    "deepseek": "deepseek-chat",
    "openrouter": "openai/gpt-4o-mini",
    "ollama": "llama3.2",
}
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What a probe found, as a sentence for the user; ``reply`` is the model's answer, if any."""

    ok: bool
    status: int | None
    latency_ms: float
    summary: str
    reply: str | None = None
    trace_id: str | None = None


def test_connection(
    upstream: str, base_url: str, key: str | None, timeout_s: float = TIMEOUT_S
) -> ProbeResult:
    """GET the upstream's model list directly, with ``key`` if one is stored."""
    style = style_for(upstream, base_url)
    headers = dict(inject_key(upstream, None, [], key))
    if style == ANTHROPIC:
        path, headers["anthropic-version"] = "/v1/models", "2023-06-01"
    elif style == GEMINI:
        path = "/v1beta/models"
    elif upstream == "ollama":
        path = "/api/tags"
    else:
        path = "/v1/models"
    status, latency, _body, error = _request("GET", base_url.rstrip("/") + path, headers, None, timeout_s)
    return ProbeResult(status == 200, status, latency, _connection_summary(status, latency, error, key))


def send_test_call(
    port: int, upstream: str, model: str, base_url: str | None = None, timeout_s: float = TIMEOUT_S
) -> ProbeResult:
    """Send one tiny chat request through the proxy on ``port`` to ``upstream`` (at ``base_url``)."""
    trace_id = f"lookout-test-{secrets.token_hex(6)}"
    path, body, headers = _chat_request(upstream, model, base_url)
    headers |= {"content-type": "application/json", "x-lookout-trace": trace_id}
    url = f"http://127.0.0.1:{port}/{upstream}{path}"
    status, latency, answer, error = _request("POST", url, headers, json.dumps(body).encode(), timeout_s)
    if status is None:
        summary = f"The proxy did not answer on port {port}: {error}. Is Lookout's engine running?"
        return ProbeResult(False, None, latency, summary, trace_id=trace_id)
    reply = _reply_text(answer)
    if status == 200:
        summary = f"HTTP 200 in {latency:.0f} ms: the call went through the proxy and is in Calls."
    else:
        summary = (
            f"HTTP {status} in {latency:.0f} ms: {_error_text(answer) or 'the upstream refused the call'}."
        )
    return ProbeResult(status == 200, status, latency, summary, reply, trace_id)


def _chat_request(
    upstream: str, model: str, base_url: str | None
) -> tuple[str, dict[str, Any], dict[str, str]]:
    style = style_for(upstream, base_url)
    messages = [{"role": "user", "content": TEST_PROMPT}]
    if style == ANTHROPIC:
        body = {"model": model, "max_tokens": MAX_TOKENS, "messages": messages}
        return "/v1/messages", body, {"anthropic-version": "2023-06-01"}
    if style == GEMINI:
        body = {
            "contents": [{"parts": [{"text": TEST_PROMPT}]}],
            "generationConfig": {"maxOutputTokens": MAX_TOKENS},
        }
        return f"/v1beta/models/{model}:generateContent", body, {}
    if upstream == "ollama":
        body = {"model": model, "messages": messages, "stream": False, "options": {"num_predict": MAX_TOKENS}}
        return "/api/chat", body, {}
    return "/v1/chat/completions", {"model": model, "messages": messages, "max_tokens": MAX_TOKENS}, {}


def _request(
    method: str, url: str, headers: dict[str, str], body: bytes | None, timeout_s: float
) -> tuple[int | None, float, Any, str | None]:
    """(status, ms, parsed JSON body or None, why it failed to connect)."""
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    started = time.perf_counter()
    try:
        with _OPENER.open(request, timeout=timeout_s) as response:
            status, raw = response.status, response.read(1 << 20)
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read(1 << 20)
    except TimeoutError:
        return None, (time.perf_counter() - started) * 1000, None, f"no answer within {timeout_s:.0f} s"
    except (urllib.error.URLError, OSError) as exc:
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        return None, (time.perf_counter() - started) * 1000, None, str(reason)
    latency = (time.perf_counter() - started) * 1000
    try:
        return status, latency, json.loads(raw), None
    except ValueError:
        return status, latency, None, None


def _connection_summary(status: int | None, latency: float, error: str | None, key: str | None) -> str:
    if status is None:
        return f"Could not connect: {error}."
    keyed = "with the stored key" if key else "without a key (none stored)"
    if status == 200:
        return f"Connected {keyed}: HTTP 200 in {latency:.0f} ms."
    if status in (401, 403):
        return f"Reachable, but the upstream refused the request {keyed} (HTTP {status})."
    return f"Reachable, but it answered HTTP {status} in {latency:.0f} ms."


def _reply_text(body: Any) -> str | None:
    """The generated text of an OpenAI, Anthropic, Gemini or Ollama chat response."""
    if not isinstance(body, dict):
        return None
    paths: tuple[tuple[str | int, ...], ...] = (
        ("choices", 0, "message", "content"),
        ("content", 0, "text"),
        ("candidates", 0, "content", "parts", 0, "text"),
        ("message", "content"),
    )
    for path in paths:
        node: Any = body
        for step in path:
            try:
                node = node[step]
            except (KeyError, IndexError, TypeError):
                node = None
                break
        if isinstance(node, str):
            return node.strip()
    return None


def _error_text(body: Any) -> str | None:
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])[:200]
        if isinstance(error, str):
            return error[:200]
    return None
