"""Reading every report format back as text a person (or a paste) would see, to scan it for canaries.

Each reader returns the raw file text plus its decoded forms: Markdown without
escapes, HTML unescaped, JSON string values, the PDF's extracted text, and the
text chunks of every embedded PNG. PDF text is extracted with pypdf;
since PDF text extraction may break words at line or glyph boundaries, whitespace
is removed from both the text and the canaries before comparing.
"""

from __future__ import annotations

import base64
import html
import json
import re
import struct
import zlib
from pathlib import Path
from typing import Any

from tests.report.seed import every_canary


def leaks(texts: list[str]) -> list[str]:
    """Canaries found in any of ``texts``, compared with whitespace removed."""
    squeezed = ["".join(text.split()) for text in texts]
    return [c for c in every_canary() if any("".join(c.split()) in text for text in squeezed)]


def readable(path: Path) -> list[str]:
    raw = path.read_bytes()
    texts = [raw.decode("utf-8", "replace")]
    suffix = path.suffix
    if suffix == ".md":
        texts.append(re.sub(r"\\(.)", r"\1", texts[0]))
    elif suffix == ".html":
        texts.append(html.unescape(texts[0]))
        texts += [
            png_text(base64.b64decode(data))
            for data in re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", texts[0])
        ]
    elif suffix == ".json":
        texts.append("\n".join(strings(json.loads(texts[0]))))
    elif suffix == ".pdf":
        texts += [raw.decode("latin-1"), pdf_text(path)]
    elif suffix == ".png":
        texts.append(png_text(raw))
    return texts


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def png_text(data: bytes) -> str:
    """The text chunks (tEXt, zTXt, iTXt) of a PNG: the only place a PNG carries text as bytes."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    found, offset = [], 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind, body = data[offset + 4 : offset + 8], data[offset + 8 : offset + 8 + length]
        if kind == b"tEXt":
            found.append(body.decode("latin-1"))
        elif kind == b"zTXt":
            key, _, rest = body.partition(b"\0")
            found.append(key.decode("latin-1") + zlib.decompress(rest[1:]).decode("latin-1"))
        elif kind == b"iTXt":
            found.append(body.decode("utf-8", "replace"))
        offset += 12 + length
    return "\n".join(found)


def strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in (key, *strings(item))]
    if isinstance(value, list):
        return [s for item in value for s in strings(item)]
    return []
