"""The parsers' read-only view of one captured HTTP exchange.

:class:`Capture` decodes the request body once and answers the questions every
wire format asks: which model was requested, whether a stream was asked for,
whether the response is an event stream, whether the call failed at HTTP level.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lookout.providers.fields import JsonObj, as_obj, as_str, dig, loads
from lookout.providers.sse import is_event_stream

# Multipart uploads (image edits, audio transcriptions) carry the model as a form
# field rather than in JSON.
_MULTIPART_MODEL = re.compile(
    rb'\r\nContent-Disposition: *form-data; *name="model"[^\r\n]*\r\n'
    rb"(?:[^\r\n]+\r\n)*\r\n([^\r\n]{1,200})\r\n",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Capture:
    """What a parser reads: the request as JSON (when it is JSON) and the raw response."""

    method: str
    path: str
    request: JsonObj | None
    request_model: str | None
    status_code: int | None
    content_type: str
    body: bytes
    event_stream: bool  # by its content type or its first bytes

    @classmethod
    def of(
        cls,
        *,
        method: str,
        path: str,
        request_body: bytes,
        status_code: int | None,
        response_content_type: str | None,
        response_body: bytes,
    ) -> Capture:
        """A capture built from the raw pieces the proxy recorded."""
        request = as_obj(loads(request_body))
        content_type = media_type(response_content_type)
        return cls(
            method=method.upper(),
            path=path.rstrip("/"),
            request=request,
            request_model=as_str(dig(request, "model")) or multipart_model(request_body),
            status_code=status_code,
            content_type=content_type,
            body=response_body,
            event_stream=is_event_stream(content_type, response_body),
        )

    @property
    def failed(self) -> bool:
        """Whether the HTTP status reports a failure, so the body is an error envelope."""
        return self.status_code is not None and self.status_code >= 400

    @property
    def asks_stream(self) -> bool:
        """Whether the request body set ``"stream": true``."""
        return dig(self.request, "stream") is True


def media_type(content_type: str | None) -> str:
    """The lower-cased media type of a Content-Type header, without its parameters."""
    return (content_type or "").partition(";")[0].strip().lower()


def multipart_model(body: bytes) -> str | None:
    """The ``model`` field of a multipart/form-data request body, if it has one."""
    if not body.startswith(b"--"):
        return None
    match = _MULTIPART_MODEL.search(body)
    return as_str(match.group(1).decode("utf-8", "replace").strip()) if match else None
