""" "Copy as curl": the stored (redacted) request as a curl command through the proxy.

The command never holds a key: authentication is an environment variable the
user fills in (or nothing, when the key is stored in Lookout's keychain and the
proxy injects it). The body is the redacted one, so it replays the shape of the
call, not its content.

Example::

    curl_command(call, request_body, "http://127.0.0.1:8787")
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from typing import Any

# The header each provider's API reads the key from, with the variable users usually keep it in.
_AUTH: dict[str, tuple[str, ...]] = {
    "anthropic": ("x-api-key: $ANTHROPIC_API_KEY", "anthropic-version: 2023-06-01"),
    "gemini": ("x-goog-api-key: $GEMINI_API_KEY",),
    "ollama": (),
    "lmstudio": (),
    "vllm": (),
}


def auth_headers(upstream: str) -> tuple[str, ...]:
    """Placeholder auth headers for ``upstream`` (never a real key)."""
    if upstream in _AUTH:
        return _AUTH[upstream]
    variable = "".join(c if c.isalnum() else "_" for c in upstream.upper())
    return (f"Authorization: Bearer ${variable}_API_KEY",)


def curl_command(call: Mapping[str, Any], request_body: str | None, proxy_url: str) -> str:
    """A copy-pasteable curl command for ``call`` (a ``calls`` row) through the proxy at ``proxy_url``."""
    url = f"{proxy_url}/{call['upstream']}{call['endpoint']}"
    method = call.get("method") or "POST"
    implied = "POST" if request_body else "GET"
    first = "curl -sS" + (f" -X {shlex.quote(method)}" if method != implied else "") + f" {shlex.quote(url)}"
    headers = [*auth_headers(call["upstream"]), *(["Content-Type: application/json"] if request_body else [])]
    # Double quotes so the shell expands $..._API_KEY from the user's environment.
    lines = [first, *(f'-H "{header}"' for header in headers)]
    if request_body:
        lines.append(f"--data-raw {shlex.quote(_compact(request_body))}")
    return " \\\n  ".join(lines)


def _compact(body: str) -> str:
    try:
        return json.dumps(json.loads(body), ensure_ascii=False, separators=(",", ":"))
    except ValueError:
        return body
