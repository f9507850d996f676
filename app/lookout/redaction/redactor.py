"""The Redactor: raw bodies and texts in, redacted text out. It runs in the recorder process.

Every string to analyse is cut into segments (long texts at blank lines), and
each segment is looked up in the cache by digest. The segments not seen before
are joined into batches of about 16 KB, so Presidio runs once per batch rather
than once per string (its fixed cost per run is about half a millisecond, and a
chat request has dozens of short strings). :meth:`Redactor.redact_bodies` does
this across a call's bodies and header sets at once, so a call usually costs one
run. Found spans are cut back to their segments, rewritten by the configured
operators and cached.

Failing closed (design §4.4): past the deadline, or on any exception, no text is
returned. :meth:`Redactor.redact_body` then returns a body with ``text=None``
and a reason; :meth:`Redactor.redact_text` raises :class:`RedactionFailed`.
Only the exception's type name is ever logged, since messages from inside
Presidio may quote the text.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from lookout.core.config import RedactionSettings
from lookout.redaction.bodies import BLOB_ENTITY, Document, decoded_text, document_of, segments, without_blobs
from lookout.redaction.cache import Redacted, RedactionCache
from lookout.redaction.detect import Detector, Found, build_detector
from lookout.redaction.operators import Rewriter
from lookout.redaction.salt import installation_salt

log = logging.getLogger(__name__)

SEGMENT_CHARS = 8 * 1024
BATCH_CHARS = 16 * 1024
# Joins a batch's segments; spans that cross it are cut back to each segment.
SEPARATOR = "\n\n"

OVER_BUDGET = "over time budget"
FAILED = "redaction failed"
NOT_TEXT = "not text"


class RedactionFailed(Exception):
    """Redaction did not finish, so nothing may be stored. The message is safe to log."""


@dataclass(frozen=True, slots=True)
class RedactedBody:
    """A body ready to store. ``text`` is None when only metadata may be stored, and then
    ``dropped_reason`` says why ("operator drop on EMAIL_ADDRESS", "over time budget",
    "redaction failed", "not text")."""

    text: str | None
    counts: dict[str, int] = field(default_factory=dict)
    dropped_reason: str | None = None


@dataclass(frozen=True, slots=True)
class RedactedText:
    """One redacted text, and how many entities of each type it had."""

    text: str
    counts: dict[str, int] = field(default_factory=dict)


class Redactor:
    """Builds Presidio once (about a second), then redacts bodies and texts. Not thread-safe.

    Nothing is written to disk: the blank spaCy pipeline is built in memory.
    """

    def __init__(self, settings: RedactionSettings) -> None:
        # The rewriter first: it fails fast (no keyring for "hash") before seconds of building Presidio.
        self._rewriter = Rewriter(settings, installation_salt)
        self.detector: Detector = build_detector(settings.ner_model)
        self.cache = RedactionCache()

    @property
    def mode(self) -> str:
        """Which detection mode is active, as a sentence for the UI and ``lookout doctor``."""
        return self.detector.mode

    def redact_body(self, body: bytes, content_type: str | None, *, deadline: float) -> RedactedBody:
        """``body`` redacted, keeping JSON structure; ``deadline`` is a time.monotonic() value."""
        return self.redact_bodies([(body, content_type)], deadline=deadline)[0]

    def redact_bodies(
        self, bodies: Sequence[tuple[bytes, str | None]], *, deadline: float
    ) -> list[RedactedBody]:
        """Several ``(body, content type)`` redacted together, e.g. a call's bodies and header sets.

        Their new strings share Presidio's runs. If any part fails, every body
        comes back without text (fail closed).
        """
        try:
            documents = [_document(body, content_type) for body, content_type in bodies]
            done = iter(self._redacted_strings([d.strings for d in documents if d is not None], deadline))
            not_text = RedactedBody(None, {}, NOT_TEXT)
            return [not_text if d is None else self._finished(d, *next(done)) for d in documents]
        except RedactionFailed as failure:
            return [RedactedBody(None, {}, str(failure))] * len(bodies)
        except Exception as exc:  # fail closed whatever went wrong
            log.warning("redaction failed (%s); body stored without content", type(exc).__name__)
            return [RedactedBody(None, {}, FAILED)] * len(bodies)

    def redact_text(self, text: str, *, deadline: float) -> RedactedText:
        """One text (an error message, a URL, a title) redacted; raises RedactionFailed."""
        try:
            [(redacted, counts)] = self._redacted_strings([[(text, False)]], deadline)
        except RedactionFailed:
            raise
        except Exception as exc:
            log.warning("redaction failed (%s); text not stored", type(exc).__name__)
            raise RedactionFailed(FAILED) from None  # the cause may quote the text
        return RedactedText(storable(redacted[0]), dict(counts))

    def _finished(self, document: Document, redacted: list[str], counts: Counter[str]) -> RedactedBody:
        text = document.rebuild(iter(redacted))
        dropped = sorted(entity for entity in counts if self._rewriter.is_dropped(entity))
        if dropped:
            return RedactedBody(None, dict(counts), f"operator drop on {dropped[0]}")
        return RedactedBody(storable(text), dict(counts))

    def _redacted_strings(
        self, groups: Sequence[Sequence[tuple[str, bool]]], deadline: float
    ) -> list[tuple[list[str], Counter[str]]]:
        """Each group's strings redacted (``True``: held by a secret key, redacted whole), with its counts.

        The groups' segments not in the cache are analysed together.
        """
        known: dict[bytes, Redacted] = {}
        pending: dict[bytes, str] = {}
        plans = [self._plan(strings, known, pending) for strings in groups]
        for batch in batches(pending, BATCH_CHARS):
            check_deadline(deadline)
            known.update(self._analysed(batch))
        check_deadline(deadline)
        results: list[tuple[list[str], Counter[str]]] = []
        for steps, blobs in plans:
            counts: Counter[str] = Counter({BLOB_ENTITY: blobs} if blobs else {})
            texts: list[str] = []
            for step in steps:
                parts = [step] if isinstance(step, Redacted) else [known[key] for key in step]
                texts.append("".join(part.text for part in parts))
                for part in parts:
                    counts.update(part.counts)
            results.append((texts, counts))
        return results

    def _plan(
        self, strings: Sequence[tuple[str, bool]], known: dict[bytes, Redacted], pending: dict[bytes, str]
    ) -> tuple[list[Redacted | list[bytes]], int]:
        """Per string, its redaction (a secret) or its segments' cache keys; and the blobs taken out."""
        steps: list[Redacted | list[bytes]] = []
        blobs = 0
        for value, secret in strings:
            if secret and value:
                steps.append(Redacted(*self._rewriter.rewrite(value, [Found("SECRET", 0, len(value))])))
                continue
            value, found = without_blobs(storable(value))
            blobs += found
            steps.append([self._lookup(piece, known, pending) for piece in segments(value, SEGMENT_CHARS)])
        return steps, blobs

    def _lookup(self, piece: str, known: dict[bytes, Redacted], pending: dict[bytes, str]) -> bytes:
        key = RedactionCache.key(piece)
        if key in known or key in pending:
            return key
        if not piece.strip():
            known[key] = Redacted(piece, Counter())
            return key
        cached = self.cache.get(key)
        if cached is None:
            pending[key] = piece
        else:
            known[key] = cached
        return key

    def _analysed(self, batch: list[tuple[bytes, str]]) -> dict[bytes, Redacted]:
        joined = SEPARATOR.join(piece for _, piece in batch)
        spans = self.detector.find(joined)
        done: dict[bytes, Redacted] = {}
        start = 0
        for key, piece in batch:
            own = clipped(spans, start, start + len(piece))
            redacted = Redacted(*self._rewriter.rewrite(piece, own))
            self.cache.put(key, redacted)
            done[key] = redacted
            start += len(piece) + len(SEPARATOR)
        return done


def _document(body: bytes, content_type: str | None) -> Document | None:
    text = decoded_text(body, content_type)
    return None if text is None else document_of(text)


def batches(pending: dict[bytes, str], limit: int) -> Iterator[list[tuple[bytes, str]]]:
    """The pending segments in groups of about ``limit`` characters (a longer segment goes alone)."""
    batch: list[tuple[bytes, str]] = []
    size = 0
    for key, piece in pending.items():
        if batch and size + len(piece) > limit:
            yield batch
            batch, size = [], 0
        batch.append((key, piece))
        size += len(piece) + len(SEPARATOR)
    if batch:
        yield batch


def clipped(spans: Sequence[Found], start: int, end: int) -> list[Found]:
    """The parts of ``spans`` inside ``[start, end)``, relative to ``start``."""
    return [
        Found(span.entity, max(span.start, start) - start, min(span.end, end) - start)
        for span in spans
        if span.start < end and span.end > start
    ]


def check_deadline(deadline: float) -> None:
    if time.monotonic() > deadline:
        raise RedactionFailed(OVER_BUDGET)


def storable(text: str) -> str:
    """``text`` without lone surrogates: JSON may carry them, but spaCy and SQLite's UTF-8 cannot."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text
