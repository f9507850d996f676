"""Turning Presidio's overlapping results into spans: nothing flagged is ever left out."""

from __future__ import annotations

from presidio_analyzer import RecognizerResult

from lookout.redaction.detect import Found, resolve
from lookout.redaction.redactor import SEPARATOR, batches, clipped


def result(entity: str, start: int, end: int, score: float = 0.5) -> RecognizerResult:
    return RecognizerResult(entity, start, end, score)


def test_a_result_inside_a_larger_one_goes() -> None:
    # postgres://admin:pw@db.example.com: the URL covers the password in it.
    assert resolve([result("URL_PASSWORD", 17, 19), result("URL", 0, 34)]) == [Found("URL", 0, 34)]


def test_the_same_span_goes_to_the_higher_priority() -> None:
    assert resolve([result("PHONE_NUMBER", 3, 19, 0.9), result("CREDIT_CARD", 3, 19, 0.4)]) == [
        Found("CREDIT_CARD", 3, 19)
    ]


def test_partial_overlaps_share_out_the_characters_and_lose_none() -> None:
    spans = resolve([result("PHONE_NUMBER", 0, 10), result("API_KEY", 6, 30), result("URL", 28, 40)])
    assert spans == [Found("PHONE_NUMBER", 0, 6), Found("API_KEY", 6, 30), Found("URL", 30, 40)]


def test_separate_results_stay_separate_even_when_adjacent() -> None:
    spans = resolve([result("EMAIL_ADDRESS", 0, 5), result("EMAIL_ADDRESS", 5, 9)])
    assert spans == [Found("EMAIL_ADDRESS", 0, 5), Found("EMAIL_ADDRESS", 5, 9)]


def test_spans_are_cut_back_to_each_segment_of_a_batch() -> None:
    spans = [Found("PRIVATE_KEY", 2, 12), Found("URL", 14, 16)]
    assert clipped(spans, 0, 8) == [Found("PRIVATE_KEY", 2, 8)]
    assert clipped(spans, 10, 20) == [Found("PRIVATE_KEY", 0, 2), Found("URL", 4, 6)]


def test_batches_hold_about_the_limit_and_a_long_segment_goes_alone() -> None:
    pending = {bytes([i]): "x" * size for i, size in enumerate([40, 40, 100, 10])}
    sizes = [[len(piece) for _, piece in batch] for batch in batches(pending, 90)]
    assert sizes == [[40, 40], [100], [10]]
    assert len(SEPARATOR) == 2
