"""The report's re-redaction: real Presidio, fail closed, private hosts, every field of a dataclass."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from lookout.core.config import RedactionSettings
from lookout.report import scrub
from lookout.report.scrub import WITHHELD, Scrubber, private_hosts
from tests.redaction.payloads import CANARY_TEXT, canary_leaks


def test_every_canary_is_re_redacted_and_plain_text_survives() -> None:
    scrubber = Scrubber(RedactionSettings())
    clean, model, when = scrubber.texts([CANARY_TEXT, "gpt-4o-mini-2024-07-18", "2026-11-28T20:32:26.123Z"])
    assert canary_leaks(clean) == []
    assert (model, when) == ("gpt-4o-mini-2024-07-18", "2026-11-28T20:32:26.123Z")


def test_a_text_that_cannot_be_re_redacted_is_withheld() -> None:
    # A zero time budget makes the real redactor give up, as it would on an overload.
    scrubber = Scrubber(RedactionSettings(time_budget_s=0.0))
    assert scrubber.texts([CANARY_TEXT, "anything"]) == [WITHHELD, WITHHELD]
    text, why = scrubber.body('{"content": "hello"}')
    assert text is None and why and "withheld" in why


def test_a_drop_operator_does_not_withhold_the_other_texts() -> None:
    scrubber = Scrubber(RedactionSettings(operators={"EMAIL_ADDRESS": "drop"}))
    assert scrubber.texts(["mail zelda.quinlan@example-mail.com", "gpt-4o"]) == [
        "mail <EMAIL_ADDRESS>",
        "gpt-4o",
    ]


def test_private_upstream_hosts_are_named_not_shown() -> None:
    hosts = private_hosts({"mylab": "http://GPU-Box.corp.internal:8000/v1"})
    scrubber = Scrubber(RedactionSettings(), hosts)
    assert (
        scrubber.text("cannot reach gpu-box.corp.internal:8000")
        == "cannot reach <host of upstream mylab>:8000"
    )


@dataclass(frozen=True)
class Inner:
    note: str
    numbers: list[int]


@dataclass(frozen=True)
class Outer:
    title: str
    inner: list[Inner]
    kept: str = field(default="zelda.quinlan@example-mail.com", metadata={"verbatim": True})


def test_scrubbed_walks_nested_dataclasses_and_skips_verbatim_fields() -> None:
    value = Outer(
        "key sk-proj-Zq8RvT3kLm9NpQ2sXw4YbC6dFh1JgK5eUa7ViO0tHr2Ws8Ex", [Inner("203.0.113.77", [1, 2])]
    )
    clean = Scrubber(RedactionSettings()).scrubbed(value)
    assert clean == Outer("key <API_KEY>", [Inner("<IP_ADDRESS>", [1, 2])])


def test_the_memo_is_bounded_without_losing_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scrub, "MEMO_LIMIT", 2)
    scrubber = Scrubber(RedactionSettings())
    assert scrubber.texts(["a", "b", "c"]) == ["a", "b", "c"]
    assert scrubber.texts(["a", "d", "203.0.113.77"]) == ["a", "d", "<IP_ADDRESS>"]
