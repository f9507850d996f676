"""Repeated content (the history resent every turn) is analysed once, and the cache stays bounded."""

from __future__ import annotations

import json
import time
from collections import Counter

import pytest

from lookout.redaction import Redactor
from lookout.redaction.cache import Redacted, RedactionCache
from lookout.redaction.detect import Found

from .payloads import openai_chat_request, openai_chat_response


@pytest.fixture
def analysed(redactor: Redactor, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text that reaches Presidio during the test, with an empty cache to start from."""
    monkeypatch.setattr(redactor, "cache", RedactionCache())
    texts: list[str] = []
    find = redactor.detector.find

    def recording_find(text: str) -> list[Found]:
        texts.append(text)
        return find(text)

    monkeypatch.setattr(redactor.detector, "find", recording_find)
    return texts


def test_a_resent_conversation_is_analysed_once(redactor: Redactor, analysed: list[str]) -> None:
    first_question = "My address is zelda@example.com, what is a context window?"
    answer = "A context window is the number of tokens a model reads at once."
    history = [{"role": "user", "content": first_question}, {"role": "assistant", "content": answer}]
    # Turn 1, as the recorder sees it: the request, then the response carrying the answer.
    redactor.redact_body(openai_chat_request(first_question), None, deadline=time.monotonic() + 5)
    redactor.redact_body(openai_chat_response(answer), None, deadline=time.monotonic() + 5)
    analysed.clear()
    hits = redactor.cache.hits
    second = redactor.redact_body(
        openai_chat_request("And how large is it for gpt-4o?", history), None, deadline=time.monotonic() + 5
    )
    assert analysed == ["And how large is it for gpt-4o?"]
    assert redactor.cache.hits - hits >= 4  # system prompt, question, answer, model, roles
    assert second.text is not None
    assert (
        json.loads(second.text)["messages"][1]["content"]
        == "My address is <EMAIL_ADDRESS>, what is a context window?"
    )
    assert second.counts == {"EMAIL_ADDRESS": 1}


def test_counts_include_cached_occurrences(redactor: Redactor, analysed: list[str]) -> None:
    body = json.dumps({"a": "mail zelda@example.com", "b": "mail zelda@example.com"}).encode()
    result = redactor.redact_body(body, None, deadline=time.monotonic() + 5)
    assert result.counts == {"EMAIL_ADDRESS": 2}
    assert analysed == ["mail zelda@example.com"]


def test_short_strings_of_a_body_are_analysed_in_one_batch(redactor: Redactor, analysed: list[str]) -> None:
    body = json.dumps({f"field{i}": f"value number {i}" for i in range(50)}).encode()
    redactor.redact_body(body, None, deadline=time.monotonic() + 5)
    assert len(analysed) == 1


def test_a_calls_bodies_and_headers_share_one_analysis(
    redactor: Redactor, analysed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Presidio costs ~0.6 ms a run before it reads a character: one run per call, not one per part."""
    parts = [
        (openai_chat_request("Reach me at zelda@example.com"), "application/json"),
        (openai_chat_response("Noted, zelda@example.com."), "application/json"),
        (json.dumps({"x-request-id": "req_8b72"}).encode(), "application/json"),
        (b"\xff\xfe binary", "application/octet-stream"),
    ]
    together = redactor.redact_bodies(parts, deadline=time.monotonic() + 5)
    assert len(analysed) == 1
    monkeypatch.setattr(redactor, "cache", RedactionCache())
    apart = [redactor.redact_body(body, kind, deadline=time.monotonic() + 5) for body, kind in parts]
    assert together == apart
    assert [part.counts for part in together] == [{"EMAIL_ADDRESS": 1}, {"EMAIL_ADDRESS": 1}, {}, {}]
    assert together[3].text is None and together[3].dropped_reason == "not text"


def test_the_cache_holds_only_digests_and_redacted_text(redactor: Redactor, analysed: list[str]) -> None:
    redactor.redact_text("secret mail zelda@example.com", deadline=time.monotonic() + 5)
    entries = list(redactor.cache._entries.items())
    assert len(entries) == 1
    key, value = entries[0]
    assert len(key) == 16
    assert value.text == "secret mail <EMAIL_ADDRESS>"


def test_least_recently_used_entries_go_first() -> None:
    cache = RedactionCache(max_entries=2)
    for name in ("a", "b"):
        cache.put(RedactionCache.key(name), Redacted(name, Counter()))
    assert cache.get(RedactionCache.key("a")) is not None  # "a" is now the most recent
    cache.put(RedactionCache.key("c"), Redacted("c", Counter()))
    assert cache.get(RedactionCache.key("b")) is None
    assert len(cache) == 2


def test_the_cache_is_bounded_by_characters_too() -> None:
    cache = RedactionCache(max_entries=100, max_chars=10)
    cache.put(RedactionCache.key("one"), Redacted("x" * 6, Counter()))
    cache.put(RedactionCache.key("two"), Redacted("y" * 6, Counter()))
    assert cache.get(RedactionCache.key("one")) is None
    assert cache.get(RedactionCache.key("two")) is not None
    cache.put(RedactionCache.key("big"), Redacted("z" * 11, Counter()))  # larger than the whole cache
    assert len(cache) == 1
