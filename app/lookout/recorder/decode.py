"""Decompression of captured response bodies, keeping chunk timings aligned.

The proxy passes compressed bytes through untouched and captures them as they
were sent. Here, off the hot path, the captured copy is decoded chunk by chunk,
so each chunk's arrival time can be mapped to offsets in the *decoded* body,
which is what the parsers see. Output is capped so a small compressed capture
cannot balloon (a decompression bomb) in the recorder.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass

import brotli

Marks = list[tuple[int, float]]


@dataclass(frozen=True, slots=True)
class Decoded:
    body: bytes
    marks: Marks  # (cumulative decoded bytes, ms since start) per chunk
    complete: bool  # False when the data was corrupt, truncated or hit the output cap


def decode_body(raw: bytes, encoding: str | None, marks: Marks, limit: int) -> Decoded:
    """Decode ``raw`` per its Content-Encoding; identity and unknown codings pass as-is."""
    step = _decoder((encoding or "").strip().lower(), limit)
    if step is None:
        return Decoded(raw, marks, True)
    out: list[bytes] = []
    out_marks: Marks = []
    decoded = 0
    start = 0
    for end, at_ms in marks or [(len(raw), 0.0)]:
        try:
            piece = step(raw[start:end], limit - decoded)
        except (zlib.error, brotli.error):
            return Decoded(b"".join(out), out_marks, False)
        out.append(piece)
        decoded += len(piece)
        out_marks.append((decoded, at_ms))
        start = end
        if decoded >= limit:
            return Decoded(b"".join(out), out_marks, False)
    return Decoded(b"".join(out), out_marks, True)


def offset_time(marks: Marks, offset: int) -> float | None:
    """Arrival time (ms) of the chunk that completed byte ``offset``."""
    for end, at_ms in marks:
        if end >= offset:
            return at_ms
    return None


def _decoder(encoding: str, limit: int) -> Callable[[bytes, int], bytes] | None:
    if encoding in ("gzip", "x-gzip", "deflate"):
        # 47 = auto-detect zlib or gzip headers; raw deflate (rarely sent) needs -15.
        zobj = zlib.decompressobj(47)

        def inflate(data: bytes, room: int) -> bytes:
            return zobj.decompress(data, max(room, 1))

        return inflate
    if encoding == "br":
        bobj = brotli.Decompressor()

        def unbrotli(data: bytes, room: int) -> bytes:
            # The limit stops the buffer growing but may overshoot a little: trim.
            return bytes(bobj.process(data, output_buffer_limit=max(room, 1)))[: max(room, 1)]

        return unbrotli
    return None
