"""Deterministic content for the fake providers: replies, token counts, ids, vectors, images.

Everything a fake response *says* comes from here, seeded from the request body, so
the same request always gets the same text and token counts (tests can assert on
them) while different requests get different text (the demo looks alive). Ids are
the exception: they are random, because real ids never repeat.
"""

from __future__ import annotations

import array
import base64
import hashlib
import math
import random
import struct
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime

DEFAULT_CHUNKS = 6
ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
HEX = "0123456789abcdef"

# Plausible assistant prose, so the demo's payload views read like real answers.
_SENTENCES = (
    "Here is a short plan before the details.",
    "The main risk is latency when the cache is cold.",
    "Streaming the answer lets the first tokens reach the user sooner.",
    "Retries should back off with jitter to avoid a thundering herd.",
    "I could not verify the second claim, so treat it with care.",
    "Caching the shared prompt prefix keeps the cost of each turn down.",
    "Small functions are easier to test than large ones.",
    "Logs should never hold secrets or personal data.",
    "A careful reviewer checks the edge cases before shipping.",
    "The summary below lists the three changes that matter most.",
    "First, move the parsing out of the request handler.",
    "Second, add a timeout to every outbound call.",
    "Third, record the token usage of each request for later analysis.",
    "Overall the design is sound, with a few rough edges.",
    "The invoice total matches the purchase order within rounding.",
    "Paris is the capital of France and its largest city.",
    "The function returns early when the list is empty.",
    "You can reproduce the issue with a request larger than one megabyte.",
    "Let me know if you would like a longer version.",
    "In short, the numbers support the proposal.",
)
# Ids need fresh randomness, not the per-request seed; one module-level generator
# seeded from the OS is much cheaper than SystemRandom on the benchmark's hot path.
_ids = random.Random()


@dataclass(frozen=True, slots=True)
class Reply:
    """A generated answer, already cut into the deltas a stream will carry."""

    text: str
    pieces: tuple[str, ...]
    input_tokens: int
    output_tokens: int
    truncated: bool


def seed_of(body: bytes) -> int:
    """A stable 64-bit seed for one request body."""
    return int.from_bytes(hashlib.blake2b(body, digest_size=8).digest(), "big")


def estimate_tokens(text: str) -> int:
    """Roughly four characters a token, the usual rule of thumb for English."""
    return max(1, (len(text) + 3) // 4)


def cached_tokens(input_tokens: int) -> int:
    """Prompt-cache hits as providers report them: only past 1024 tokens, in 128s."""
    if input_tokens < 1024:
        return 0
    return (input_tokens // 2) // 128 * 128


def make_reply(
    body: bytes, prompt: str, *, chunks: int | None = None, max_tokens: int | None = None
) -> Reply:
    """The reply to a request: one token per word, split into ``chunks`` deltas."""
    rng = random.Random(seed_of(body))
    words = _sentences(rng)
    truncated = max_tokens is not None and 0 < max_tokens < len(words)
    if truncated and max_tokens is not None:
        words = words[:max_tokens]
    pieces = _split(words, chunks or DEFAULT_CHUNKS)
    return Reply(
        text="".join(pieces),
        pieces=pieces,
        input_tokens=estimate_tokens(prompt),
        output_tokens=len(words),
        truncated=truncated,
    )


def _sentences(rng: random.Random) -> list[str]:
    chosen = rng.sample(_SENTENCES, rng.randint(2, 5))
    return " ".join(chosen).split()


def _split(words: list[str], chunks: int) -> tuple[str, ...]:
    count = max(1, min(chunks, len(words)))
    size, extra = divmod(len(words), count)
    pieces: list[str] = []
    start = 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        text = " ".join(words[start:end])
        # Every delta after the first carries its leading space, as tokenizers do.
        pieces.append(text if index == 0 else " " + text)
        start = end
    return tuple(pieces)


def random_id(length: int, alphabet: str = ALNUM) -> str:
    """A fresh random id body of ``length`` characters."""
    return "".join(_ids.choices(alphabet, k=length))


def random_count(low: int, high: int) -> int:
    """A fresh count in ``[low, high]``: real error messages quote numbers that vary per request."""
    return _ids.randint(low, high)


def iso_now() -> str:
    """Current UTC time as RFC 3339 with microseconds, the way Go servers print it."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def embedding(text: str, dims: int) -> list[float]:
    """A unit vector of ``dims`` floats derived from the text (same text, same vector)."""
    raw = array.array("h", hashlib.shake_256(text.encode()).digest(dims * 2))
    norm = math.sqrt(sum(v * v for v in raw)) or 1.0
    return [round(v / norm, 7) for v in raw]


def embedding_base64(vector: list[float]) -> str:
    """The ``encoding_format=base64`` form: little-endian float32s."""
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()


def tiny_png(seed: int, size: int = 8) -> bytes:
    """A valid ``size``×``size`` solid-colour PNG, small enough for any test."""
    colour = seed.to_bytes(8, "big")[:3]
    rows = b"".join(b"\x00" + colour * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(rows))
        + _png_chunk(b"IEND", b"")
    )


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)
