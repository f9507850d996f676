"""Body structure: from raw bytes to the strings worth analysing, and back.

- Binary bodies (images, audio, PDFs, multipart uploads, or bytes that do not
  decode as text) are not stored at all.
- A JSON object or array is walked: only its string values are analysed; keys,
  numbers, booleans, null and the structure are kept, and the output is JSON.
  Values under keys that name a secret (``password``, ``api_key``,
  ``client_secret`` …) are redacted whole, whatever they look like.
- NDJSON and server-sent events, where every line is a JSON record or an SSE
  field, are handled line by line the same way.
- Anything else is one text.
- Base64 runs of 256 characters or more (inline images, audio, embeddings,
  signatures) become ``<BASE64_BLOB>`` before analysis: no recognizer can read
  them, they may encode a photo or a document, and analysing them would eat the
  time budget.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

BLOB_ENTITY = "BASE64_BLOB"
BLOB_PLACEHOLDER = f"<{BLOB_ENTITY}>"
# Letters and digits both, so that a long rule of dashes or underscores stays what it is.
_BLOB = re.compile(
    r"(?<![A-Za-z0-9+/_\-])(?=[0-9+/_\-]*[A-Za-z])(?=[A-Za-z+/_\-]*\d)[A-Za-z0-9+/_\-]{256,}={0,2}"
)

BINARY_MEDIA_TYPES = (
    "image/",
    "audio/",
    "video/",
    "font/",
    "multipart/",
    "application/octet-stream",
    "application/pdf",
    "application/zip",
    "application/gzip",
    "application/x-protobuf",
    "application/grpc",
)
# Above this share of undecodable bytes a body is binary, not text with a few bad bytes.
MAX_REPLACEMENT_SHARE = 0.02

# Key names compared lower-cased with "-" and "_" removed.
SECRET_KEYS = frozenset(
    {
        *("password", "passwd", "pwd", "passphrase", "secret", "clientsecret", "apikey", "xapikey"),
        *("apisecret", "accesstoken", "refreshtoken", "idtoken", "authtoken", "sessiontoken", "bearertoken"),
        *("privatekey", "secretkey", "secretaccesskey", "awssecretaccesskey", "authorization", "cookie"),
        "setcookie",
    }
)

_SSE_FIELDS = ("event:", "id:", "retry:", ":")


def decoded_text(body: bytes, content_type: str | None) -> str | None:
    """The body as text, or None when it is binary and must not be stored."""
    media_type, charset = _media_type(content_type)
    if media_type.startswith(BINARY_MEDIA_TYPES):
        return None
    text = body.decode(charset, errors="replace")
    if "\x00" in text or text.count("\ufffd") > MAX_REPLACEMENT_SHARE * max(len(text), 1):
        return None
    return text


def _media_type(content_type: str | None) -> tuple[str, str]:
    if not content_type:
        return "", "utf-8"
    media_type, *params = (part.strip() for part in content_type.split(";"))
    charset = "utf-8"
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            # An unknown charset keeps UTF-8: decoding with replacement is the best guess.
            with contextlib.suppress(LookupError):
                charset = codecs.lookup(value.strip().strip('"')).name
    return media_type.lower(), charset


def json_container(text: str) -> dict[str, Any] | list[Any] | None:
    """The parsed document when ``text`` is a JSON object or array, else None.

    A bare JSON scalar is treated as text: a body that is only ``5551234567``
    must still be analysed.
    """
    stripped = text.strip()
    if not stripped or stripped[0] not in "[{":
        return None
    try:
        document = json.loads(stripped)
    except ValueError:
        return None
    return document if isinstance(document, dict | list) else None


def is_secret_key(key: str) -> bool:
    return key.lower().replace("-", "").replace("_", "") in SECRET_KEYS


def string_values(node: Any, secret: bool = False) -> Iterator[tuple[str, bool]]:
    """Every string value of a JSON document in a fixed order, and whether a secret key holds it."""
    if isinstance(node, str):
        yield node, secret
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from string_values(value, secret or is_secret_key(key))
    elif isinstance(node, list):
        for item in node:
            yield from string_values(item, secret)


def with_strings(node: Any, replacements: Iterator[str]) -> Any:
    """``node`` with its string values replaced, in the order of :func:`string_values`."""
    if isinstance(node, str):
        return next(replacements)
    if isinstance(node, dict):
        return {key: with_strings(value, replacements) for key, value in node.items()}
    if isinstance(node, list):
        return [with_strings(item, replacements) for item in node]
    return node


def dumped(document: Any) -> str:
    return json.dumps(document, ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class Line:
    """One line of an NDJSON or SSE body: a JSON record after ``prefix``, or plain text."""

    prefix: str
    document: dict[str, Any] | list[Any] | None  # None: ``text`` is plain text
    text: str
    ending: str


def structured_lines(text: str) -> list[Line] | None:
    """The lines of an NDJSON or SSE body, or None when some line is neither a record nor a field."""
    lines: list[Line] = []
    for raw in text.splitlines(keepends=True):
        content = raw.rstrip("\r\n")
        ending = raw[len(content) :]
        payload = content[5:].lstrip(" ") if content.startswith("data:") else content
        document = json_container(payload)
        if document is not None:
            lines.append(Line(content[: len(content) - len(payload)], document, payload, ending))
        elif content.strip() and not content.startswith(("data:", *_SSE_FIELDS)):
            return None
        else:
            lines.append(Line("", None, content, ending))
    if not any(line.document is not None for line in lines) or len(lines) < 2:
        return None
    return lines


@dataclass(frozen=True, slots=True)
class Document:
    """A text body taken apart: the strings to analyse, and how to put redacted ones back."""

    strings: list[tuple[str, bool]]  # (value, held by a secret key), in order
    rebuild: Callable[[Iterator[str]], str]  # takes the replacements in the same order


def document_of(text: str) -> Document:
    """``text`` as a JSON document, as NDJSON or SSE lines, or else as one plain text."""
    document = json_container(text)
    if document is not None:
        return Document(list(string_values(document)), partial(_json_rebuilt, document))
    lines = structured_lines(text)
    if lines is not None:
        return Document(list(line_strings(lines)), partial(rebuilt_lines, lines))
    return Document([(text, False)], next)


def _json_rebuilt(document: dict[str, Any] | list[Any], replacements: Iterator[str]) -> str:
    return dumped(with_strings(document, replacements))


def without_blobs(text: str) -> tuple[str, int]:
    """``text`` with long base64 runs replaced by the placeholder, and how many there were."""
    if len(text) < 256:
        return text, 0
    return _BLOB.subn(BLOB_PLACEHOLDER, text)


def segments(text: str, limit: int) -> list[str]:
    """``text`` cut after blank lines into pieces of about ``limit`` characters; they join back to ``text``.

    Only blank lines are cut points: no entity Lookout looks for spans one, not even
    a PEM block, so each piece can be analysed (and cached) on its own.
    """
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    for paragraph in re.split(r"(?<=\n\n)", text):
        if current and len(current) + len(paragraph) > limit:
            pieces.append(current)
            current = ""
        current += paragraph
    pieces.append(current)
    return pieces


def line_strings(lines: list[Line]) -> Iterator[tuple[str, bool]]:
    """The strings of every line, in order: a record's string values, or a text line whole."""
    for line in lines:
        if line.document is None:
            yield line.text, False
        else:
            yield from string_values(line.document)


def rebuilt_lines(lines: list[Line], replacements: Iterator[str]) -> str:
    """The lines again, with their strings replaced in the order of :func:`line_strings`."""
    out: list[str] = []
    for line in lines:
        if line.document is None:
            out.append(next(replacements) + line.ending)
        else:
            out.append(line.prefix + dumped(with_strings(line.document, replacements)) + line.ending)
    return "".join(out)
