"""Lookout's own error responses, in the OpenAI error shape that every SDK surfaces well.

Shape: ``{"error": {"message": ..., "type": "lookout_error", "code": ..., "param": null}}``.
The ``x-lookout-error`` header tells a script that the proxy, not the provider,
answered.
"""

from __future__ import annotations

from collections.abc import Sequence

from lookout.proxy.http_response import Reply, json_reply


def error_response(status: int, message: str, code: str) -> Reply:
    body = {
        "error": {
            "message": f"[lookout] {message}",
            "type": "lookout_error",
            "code": code,
            "param": None,
        }
    }
    return json_reply(body, status=status, headers=[("x-lookout-error", code)])


def unknown_upstream_response(raw_path: str, names: Sequence[str]) -> Reply:
    first = raw_path.strip("/").split("/")[0]
    what = f"unknown upstream {first!r}" if first else "no upstream in the path"
    message = (
        f"{what}. Call http://<lookout>/<upstream>/<path>, e.g. /openai/v1/chat/completions. "
        f"Configured upstreams: {', '.join(names)}. Add one with --upstream NAME=URL "
        "or in the [upstreams] table of the config file."
    )
    return error_response(404, message, "unknown_upstream")
