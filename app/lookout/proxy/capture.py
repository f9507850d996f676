"""Cheap, capped copies of bodies as they stream through the proxy.

The proxy forwards every chunk untouched and keeps at most ``limit`` bytes of
each body for the recorder. Chunk arrival times are kept alongside, but only for
the captured part: past the cap they would be useless and unbounded.
"""

from __future__ import annotations

from time import perf_counter


class BodyCapture:
    """Accumulates the first ``limit`` bytes of a body and the total size."""

    __slots__ = ("_kept", "_parts", "limit", "size")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self._kept = 0
        self._parts: list[bytes] = []

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        room = self.limit - self._kept
        if room > 0:
            piece = chunk if len(chunk) <= room else chunk[:room]
            self._parts.append(piece)
            self._kept += len(piece)

    @property
    def truncated(self) -> bool:
        return self.size > self._kept

    def body(self) -> bytes:
        return b"".join(self._parts)


class TimedCapture(BodyCapture):
    """A response capture that also notes when each captured chunk arrived.

    ``marks`` holds ``(cumulative bytes, ms since t0)`` per chunk, which lets the
    recorder turn a parser's "first content ends at byte N" into a TTFT.
    """

    __slots__ = ("_t0", "marks")

    def __init__(self, limit: int, t0: float) -> None:
        super().__init__(limit)
        self._t0 = t0
        self.marks: list[tuple[int, float]] = []

    def add(self, chunk: bytes) -> None:
        if self.size < self.limit:
            self.marks.append((self.size + len(chunk), (perf_counter() - self._t0) * 1000.0))
        super().add(chunk)
