"""Decoding captured gzip/br bodies with chunk timings kept aligned."""

from __future__ import annotations

import gzip
import zlib

import brotli

from lookout.recorder.decode import decode_body, offset_time

TEXT = b"data: " + b"hello world " * 500 + b"\n\n"


def chunks(data: bytes, size: int) -> tuple[bytes, list[tuple[int, float]]]:
    marks = [(min(i + size, len(data)), float(i)) for i in range(0, len(data), size)]
    return data, marks


def test_identity_passes_through() -> None:
    decoded = decode_body(TEXT, None, [(len(TEXT), 1.0)], 1 << 20)
    assert decoded.body == TEXT and decoded.complete


def test_gzip_and_deflate_and_br_decode_with_marks() -> None:
    for encoding, packed in [
        ("gzip", gzip.compress(TEXT)),
        ("deflate", zlib.compress(TEXT)),
        ("br", brotli.compress(TEXT)),
    ]:
        raw, marks = chunks(packed, 7)
        decoded = decode_body(raw, encoding, marks, 1 << 20)
        assert decoded.body == TEXT, encoding
        assert decoded.complete
        assert decoded.marks[-1][0] == len(TEXT)
        assert [t for _, t in decoded.marks] == [t for _, t in marks]


def test_truncated_or_corrupt_input_returns_what_decoded() -> None:
    packed = gzip.compress(TEXT)
    partial = decode_body(packed[: len(packed) // 2], "gzip", [], 1 << 20)
    assert TEXT.startswith(partial.body)
    corrupt = decode_body(b"not gzip at all", "gzip", [], 1 << 20)
    assert corrupt.body == b"" and not corrupt.complete


def test_output_is_capped_against_decompression_bombs() -> None:
    bomb = gzip.compress(b"\0" * 50_000_000)
    decoded = decode_body(bomb, "gzip", [], 100_000)
    assert len(decoded.body) <= 100_000 and not decoded.complete
    bomb_br = brotli.compress(b"\0" * 50_000_000)
    decoded = decode_body(bomb_br, "br", [], 100_000)
    assert len(decoded.body) <= 100_000 and not decoded.complete


def test_offset_time_picks_the_chunk_that_completed_the_offset() -> None:
    marks = [(10, 1.0), (20, 5.0), (30, 9.0)]
    assert offset_time(marks, 5) == 1.0
    assert offset_time(marks, 10) == 1.0
    assert offset_time(marks, 11) == 5.0
    assert offset_time(marks, 31) is None
