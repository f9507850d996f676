"""The refusal heuristic: refusals in eight languages found, ordinary answers left alone."""

from __future__ import annotations

import pytest

from lookout.analysis.refusal import BUILTIN_PHRASES, SEARCH_CHARS, RefusalDetector, is_empty

DETECTOR = RefusalDetector()

REFUSALS = [
    "I can't help with that.",
    "I’m sorry, but I cannot assist with creating malware.",  # typographic apostrophe
    "I'M SORRY, BUT I CAN'T DO THAT.",
    "  \n\nI'm unable to help with requests like this one.",
    "As an AI language model, I cannot provide medical diagnoses.",
    "Je suis désolé, mais je ne peux pas répondre à cette question.",
    "Désolé, je ne peux pas vous aider avec cela.",
    "Es tut mir leid, aber ich kann Ihnen dabei nicht helfen.",
    "Ich kann dabei nicht helfen.",
    "Lo siento, pero no puedo ayudarte con eso.",
    "No puedo ayudar con eso.",
    "Desculpe, mas não posso ajudar com esse pedido.",
    "Não posso ajudar com isso.",
    "Mi dispiace, ma non posso aiutarti con questa richiesta.",
    "抱歉，我无法帮助你完成这个请求。",  # full-width comma
    "对不起，我不能提供这方面的信息。",
    "申し訳ありませんが、そのご依頼にはお手伝いできません。",
    "そのご質問にはお答えできません。",
]

ANSWERS = [
    "Sure! Here is the summary you asked for.",
    "The function returns None when the list is empty.",
    "Je peux vous aider : voici les étapes.",
    "Natürlich, hier ist die Übersetzung.",
    "Claro, aquí tienes el código.",
    "Certo, ecco la risposta.",
    "当然，这是你要的答案。",
    "はい、こちらが回答です。",
]


@pytest.mark.parametrize("text", REFUSALS)
def test_refusals_are_found_in_every_supported_language(text: str) -> None:
    assert DETECTOR.is_refusal(text)


@pytest.mark.parametrize("text", ANSWERS)
def test_ordinary_answers_are_not_refusals(text: str) -> None:
    assert not DETECTOR.is_refusal(text)


def test_a_phrase_far_into_a_long_answer_is_not_a_refusal() -> None:
    long_answer = "Here is the report. " * 40 + "I can't help with the last point, sorry."
    assert len(long_answer) > SEARCH_CHARS * 2
    assert not DETECTOR.is_refusal(long_answer)
    assert DETECTOR.is_refusal("Here is part of it. I can't help with the rest.")


def test_configured_phrases_are_added_to_the_built_in_ones() -> None:
    custom = RefusalDetector(["Ne mogu pomoći", "  "])
    assert custom.is_refusal("ne mogu pomoći s tim.")
    assert custom.is_refusal("I can't help with that.")
    assert not DETECTOR.is_refusal("Ne mogu pomoći s tim.")


def test_every_built_in_phrase_matches_itself() -> None:
    assert all(DETECTOR.is_refusal(phrase) for phrase in BUILTIN_PHRASES)


def test_measure_reports_length_refusal_and_emptiness() -> None:
    measured = DETECTOR.measure("I can't help with that.")
    assert (measured.chars, measured.refusal, measured.empty) == (23, True, False)
    assert DETECTOR.measure("Hello").refusal is False
    blank = DETECTOR.measure(" \n\t")
    assert (blank.chars, blank.refusal, blank.empty) == (3, False, True)


def test_a_tool_call_or_a_provider_refusal_is_not_an_empty_answer() -> None:
    assert not DETECTOR.measure("", has_tool_calls=True).empty
    marked = DETECTOR.measure("", provider_refusal=True)
    assert marked.refusal and not marked.empty


def test_is_empty_means_no_visible_text() -> None:
    assert is_empty("") and is_empty("   \n") and not is_empty(" ok ")
