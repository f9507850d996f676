"""Redaction fails closed (design §4.4): an exception or the deadline means no text, no content in logs."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from lookout.redaction import RedactionFailed, Redactor
from lookout.redaction.cache import RedactionCache
from lookout.redaction.detect import Found

from .payloads import CANARY_TEXT, all_canaries, openai_chat_request


class BrokenRecognizer(EntityRecognizer):
    """Fails the way a buggy recognizer would, with the text in its message."""

    def __init__(self) -> None:
        super().__init__(supported_entities=["EMAIL_ADDRESS"], name="broken")

    def load(self) -> None:
        """Nothing to load."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts) -> list[RecognizerResult]:
        raise ValueError(f"cannot handle {text!r}")


@pytest.fixture
def fresh_cache(redactor: Redactor, monkeypatch: pytest.MonkeyPatch) -> RedactionCache:
    """An empty cache for this test, so that every text really goes through Presidio."""
    cache = RedactionCache()
    monkeypatch.setattr(redactor, "cache", cache)
    return cache


@pytest.fixture
def broken(redactor: Redactor, fresh_cache: RedactionCache, monkeypatch: pytest.MonkeyPatch) -> None:
    registry = redactor.detector.analyzer.registry
    monkeypatch.setattr(registry, "recognizers", [*registry.recognizers, BrokenRecognizer()])


def test_a_recognizer_that_raises_drops_the_body(
    redactor: Redactor, broken: None, caplog: pytest.LogCaptureFixture
) -> None:
    result = redactor.redact_body(openai_chat_request(CANARY_TEXT), None, deadline=time.monotonic() + 5)
    assert (result.text, result.counts, result.dropped_reason) == (None, {}, "redaction failed")
    assert "ValueError" in caplog.text
    assert [canary for canary in all_canaries() if canary in caplog.text] == []


def test_a_failing_text_raises_without_the_cause_attached(redactor: Redactor, broken: None) -> None:
    with pytest.raises(RedactionFailed, match=r"^redaction failed$") as failure:
        redactor.redact_text(CANARY_TEXT, deadline=time.monotonic() + 5)
    # The cause quotes the text: it must not ride along into a traceback.
    assert failure.value.__cause__ is None
    assert failure.value.__suppress_context__


def test_an_analyzer_that_raises_drops_the_body(
    redactor: Redactor, fresh_cache: RedactionCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    def analyze(*args: Any, **kwargs: Any) -> list[RecognizerResult]:
        raise MemoryError

    monkeypatch.setattr(redactor.detector.analyzer, "analyze", analyze)
    result = redactor.redact_body(b"mail zelda@example.com", "text/plain", deadline=time.monotonic() + 5)
    assert (result.text, result.dropped_reason) == (None, "redaction failed")


def test_a_deadline_already_past_drops_the_body(redactor: Redactor, fresh_cache: RedactionCache) -> None:
    result = redactor.redact_body(openai_chat_request("hello there"), None, deadline=time.monotonic() - 1)
    assert (result.text, result.dropped_reason) == (None, "over time budget")
    with pytest.raises(RedactionFailed, match="over time budget"):
        redactor.redact_text("hello there", deadline=time.monotonic() - 1)


def test_a_deadline_that_passes_mid_body_stops_the_work(
    redactor: Redactor, fresh_cache: RedactionCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    analysed: list[str] = []
    find = redactor.detector.find

    def slow_find(text: str) -> list[Found]:
        analysed.append(text)
        time.sleep(0.2)
        return find(text)

    monkeypatch.setattr(redactor.detector, "find", slow_find)
    # Three strings of 12 KB: three batches of analysis, if it ran to the end.
    messages = [{"role": "user", "content": f"part {i} " + "all quiet on the wire. " * 520} for i in range(3)]
    body = json.dumps({"model": "gpt-4o", "messages": messages}).encode()
    result = redactor.redact_body(body, "application/json", deadline=time.monotonic() + 0.1)
    assert (result.text, result.dropped_reason) == (None, "over time budget")
    assert len(analysed) == 1


def test_a_failure_leaves_the_redactor_usable(
    redactor: Redactor, fresh_cache: RedactionCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(redactor.detector.analyzer, "analyze", lambda *a, **k: 1 / 0)
        assert redactor.redact_body(b"zelda@example.com", None, deadline=time.monotonic() + 5).text is None
    assert len(fresh_cache) == 0  # nothing half-done was cached
    result = redactor.redact_body(b"zelda@example.com", None, deadline=time.monotonic() + 5)
    assert result.text == "<EMAIL_ADDRESS>"


def test_failures_are_logged_by_type_only(
    redactor: Redactor, broken: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    redactor.redact_body(b"mail zelda@example.com now", "text/plain", deadline=time.monotonic() + 5)
    assert "zelda" not in caplog.text
    assert "redaction failed (ValueError)" in caplog.text


def test_one_failing_part_of_a_call_drops_every_part(
    redactor: Redactor, fresh_cache: RedactionCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    cached = (b"no entity here", "text/plain")
    redactor.redact_body(*cached, deadline=time.monotonic() + 5)
    registry = redactor.detector.analyzer.registry
    monkeypatch.setattr(registry, "recognizers", [*registry.recognizers, BrokenRecognizer()])
    alone = redactor.redact_body(*cached, deadline=time.monotonic() + 5)  # from the cache
    assert alone.text == "no entity here"
    results = redactor.redact_bodies(
        [cached, (openai_chat_request(CANARY_TEXT), None)], deadline=time.monotonic() + 5
    )
    assert [(r.text, r.dropped_reason) for r in results] == [(None, "redaction failed")] * 2
