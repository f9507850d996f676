"""A bounded LRU cache of redacted segments, keyed by a digest of the raw text.

LLM requests resend the whole conversation every turn, so most of a request's
strings were redacted before. The key is a BLAKE2b digest, so the cache holds
no raw text; the values are redacted text only. It lives in the recorder's
memory and dies with it.
"""

from __future__ import annotations

import hashlib
from collections import Counter, OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Redacted:
    """One segment after redaction, and what was found in it."""

    text: str
    counts: Counter[str]


class RedactionCache:
    """Least recently used entries go first once either bound is reached."""

    def __init__(self, max_entries: int = 8192, max_chars: int = 8 * 1024 * 1024) -> None:
        self.max_entries = max_entries
        self.max_chars = max_chars
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[bytes, Redacted] = OrderedDict()
        self._chars = 0

    @staticmethod
    def key(raw: str) -> bytes:
        # surrogatepass: JSON strings may hold lone surrogates, which plain UTF-8 refuses.
        return hashlib.blake2b(raw.encode("utf-8", "surrogatepass"), digest_size=16).digest()

    def get(self, key: bytes) -> Redacted | None:
        found = self._entries.get(key)
        if found is None:
            self.misses += 1
            return None
        self.hits += 1
        self._entries.move_to_end(key)
        return found

    def put(self, key: bytes, value: Redacted) -> None:
        if len(value.text) > self.max_chars:
            return
        previous = self._entries.pop(key, None)
        if previous is not None:
            self._chars -= len(previous.text)
        self._entries[key] = value
        self._chars += len(value.text)
        while len(self._entries) > self.max_entries or self._chars > self.max_chars:
            _, evicted = self._entries.popitem(last=False)
            self._chars -= len(evicted.text)

    def __len__(self) -> int:
        return len(self._entries)
