"""Finding entities: one Presidio AnalyzerEngine run per text, then one span per character.

The engine holds only the recognizers Lookout enables (patterns, secrets, and
the spaCy NER recognizer when a model is installed), and every analysis asks
for all of their entities at once. Presidio returns overlapping results from
different recognizers; :func:`resolve` turns them into non-overlapping spans:
a result inside a larger one goes (the larger one covers it), and where two
results only partly overlap the shared characters go to the higher priority
(a credential before a card number before a phone number), so no character
that any recognizer flagged is left out.
"""

from __future__ import annotations

import logging
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry, RecognizerResult
from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer
from presidio_analyzer.predefined_recognizers import SpacyRecognizer

from lookout.redaction.offline import NER_ENTITIES, build_nlp_choice, offline_tld_extractor
from lookout.redaction.pii_recognizers import pii_recognizers
from lookout.redaction.secret_recognizers import SECRET_ENTITIES, secret_recognizers

SCORE_THRESHOLD = 0.3
LANGUAGE = "en"

# Which entity keeps characters claimed by two results with the same span or partly overlapping
# spans: named credentials first, then what a checksum confirmed, then the looser patterns.
NAMED_SECRETS = [entity for entity in SECRET_ENTITIES if entity != "SECRET"]
PRIORITY: dict[str, int] = {entity: 100 - rank for rank, entity in enumerate(NAMED_SECRETS)}
PRIORITY |= {"CREDIT_CARD": 70, "IBAN_CODE": 70, "CRYPTO": 70, "US_SSN": 65, "US_ITIN": 65}
PRIORITY |= {"EMAIL_ADDRESS": 60, "SECRET": 58, "IP_ADDRESS": 55, "MAC_ADDRESS": 55, "URL": 50}
PRIORITY |= {"PHONE_NUMBER": 40, "PERSON": 30, "LOCATION": 30, "NRP": 20}


@dataclass(frozen=True, slots=True)
class Found:
    """One entity to redact: ``text[start:end]`` is a ``entity``."""

    entity: str
    start: int
    end: int


class Detector:
    """A built AnalyzerEngine (slow to build: seconds) and the entities it looks for."""

    def __init__(self, analyzer: AnalyzerEngine, entities: Sequence[str], mode: str) -> None:
        self.analyzer = analyzer
        self.entities = list(entities)
        self.mode = mode

    def find(self, text: str) -> list[Found]:
        """Every entity in ``text``, as non-overlapping spans sorted by position."""
        results: list[RecognizerResult] = self.analyzer.analyze(
            text, language=LANGUAGE, entities=self.entities, score_threshold=SCORE_THRESHOLD
        )
        return resolve(results)


class IndexedContextEnhancer(LemmaContextAwareEnhancer):
    """Presidio's context enhancer, finding a result's token by bisection.

    The stock lookup walks the tokens from the start for every result, which made
    a text with a few hundred phone numbers take seconds.
    """

    @staticmethod
    def _find_index_of_match_token(
        word: str, start: int, tokens: Sequence[Any], tokens_indices: list[int]
    ) -> int:
        index = max(bisect_right(tokens_indices, start) - 1, 0)
        # ``start`` in the space after a token: the stock lookup picks the next token.
        if index + 1 < len(tokens_indices) and start >= tokens_indices[index] + len(tokens[index]):
            index += 1
        return index


def build_detector(ner_model: str | None) -> Detector:
    """An AnalyzerEngine with Lookout's recognizers only, built without any network access."""
    # Presidio's DEBUG lines quote context words from the analysed text: keep them off
    # whatever level the host process logs at (design §4: content never reaches a log).
    for name in ("presidio-analyzer", "presidio-anonymizer"):
        logging.getLogger(name).setLevel(logging.WARNING)
    choice = build_nlp_choice(ner_model)
    extractor = offline_tld_extractor()
    extractor("warm.up.example.com")  # loads the suffix snapshot now, not during the first body
    recognizers: list[EntityRecognizer] = [*secret_recognizers(), *pii_recognizers(extractor)]
    if choice.engine.ner:
        recognizers.append(SpacyRecognizer(supported_entities=list(NER_ENTITIES)))
    choice.engine.keep_context_words(word for recognizer in recognizers for word in recognizer.context or ())
    registry = RecognizerRegistry(recognizers=recognizers, supported_languages=[LANGUAGE])
    analyzer = AnalyzerEngine(
        registry=registry,
        nlp_engine=choice.engine,
        supported_languages=[LANGUAGE],
        # Whole words: by substring, "call" would be found in every "tool_call" and "tel" in "hotel".
        context_aware_enhancer=IndexedContextEnhancer(context_matching_mode="whole_word"),
    )
    entities = sorted({entity for recognizer in recognizers for entity in recognizer.supported_entities})
    return Detector(analyzer, entities, choice.mode)


def resolve(results: Iterable[RecognizerResult]) -> list[Found]:
    """Non-overlapping spans covering every character of every result (see the module doc)."""
    outermost = _drop_contained(results)
    owner: dict[int, RecognizerResult] = {}
    for result in sorted(outermost, key=_rank):  # higher ranks paint over lower ones
        for index in range(result.start, result.end):
            owner[index] = result
    spans: list[Found] = []
    for index in sorted(owner):
        entity = owner[index].entity_type
        last = spans[-1] if spans else None
        if last and last.end == index and owner[index - 1] is owner[index]:
            spans[-1] = Found(entity, last.start, index + 1)
        else:
            spans.append(Found(entity, index, index + 1))
    return spans


def _rank(result: RecognizerResult) -> tuple[int, float]:
    return PRIORITY.get(result.entity_type, 0), result.score


def _drop_contained(results: Iterable[RecognizerResult]) -> list[RecognizerResult]:
    # Sorted so that whatever could contain a result comes before it: earlier start,
    # then longer, then (for the same span) the higher rank.
    ordered = sorted(results, key=lambda r: (r.start, -r.end, *(-value for value in _rank(r))))
    kept: list[RecognizerResult] = []
    furthest_end = -1
    for result in ordered:
        if result.end <= furthest_end:
            continue
        kept.append(result)
        furthest_end = result.end
    return kept
