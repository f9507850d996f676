"""Refusal and empty-response detection on a response's text, for the drift rates.

A heuristic, on purpose: a list of phrases models open a refusal with ("I can't
help with that", "I'm sorry, but I cannot…") in English, French, German,
Spanish, Portuguese, Italian, Chinese and Japanese, looked for near the start
of the answer, where refusals are made (a long answer that mentions "I cannot
provide" on page three is not one). Users add phrases with ``[drift]
refusal_phrases``. A refusal the provider marks as such (OpenAI's ``refusal``
field, Anthropic's ``refusal`` stop reason, Gemini's safety blocks) counts
whatever the text says.

Matching is case-insensitive and ignores typographic apostrophes, full-width
punctuation and runs of whitespace. Runs in the recorder on the raw text, before
redaction; only the resulting numbers and flags are stored.

>>> RefusalDetector().is_refusal("I’m sorry, but I can't help with that request.")
True
>>> RefusalDetector().is_refusal("Sure! Here is the summary you asked for.")
False
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# Refusals open the answer; looking further only finds false positives.
SEARCH_CHARS = 300

BUILTIN_PHRASES: tuple[str, ...] = (
    # English
    "I can't help with",
    "I cannot help with",
    "I can't assist with",
    "I cannot assist with",
    "I can't help you with",
    "I'm not able to help with",
    "I am not able to help with",
    "I'm unable to help",
    "I am unable to help",
    "I'm unable to assist",
    "I'm unable to provide",
    "I can't comply",
    "I cannot comply",
    "I won't be able to help",
    "I'm sorry, but I can't",
    "I'm sorry, but I cannot",
    "I'm sorry, I can't",
    "I'm sorry, I cannot",
    "I am sorry, but I cannot",
    "Sorry, but I can't",
    "Sorry, I can't help",
    "I can't provide that",
    "I cannot provide that",
    "I must decline",
    "I have to decline",
    "As an AI language model, I cannot",
    # French
    "je ne peux pas vous aider",
    "je ne peux pas t'aider",
    "je ne peux pas répondre à cette demande",
    "je suis désolé, mais je ne peux pas",
    "je suis désolée, mais je ne peux pas",
    "désolé, je ne peux pas",
    "désolé, mais je ne peux pas",
    "je ne suis pas en mesure de vous aider",
    # German
    "ich kann dabei nicht helfen",
    "ich kann ihnen dabei nicht helfen",
    "ich kann dir dabei nicht helfen",
    "ich kann ihnen nicht helfen",
    "es tut mir leid, aber ich kann",
    "tut mir leid, aber ich kann",
    "leider kann ich dabei nicht helfen",
    "leider kann ich ihnen nicht",
    "ich bin nicht in der lage, ihnen",
    # Spanish
    "no puedo ayudar con eso",
    "no puedo ayudarte con",
    "no puedo ayudarle con",
    "lo siento, pero no puedo",
    "lo siento, no puedo",
    "no puedo cumplir con",
    "no estoy en condiciones de ayudar",
    # Portuguese
    "não posso ajudar com",
    "não posso te ajudar",
    "não posso ajudá-lo",
    "desculpe, mas não posso",
    "lamento, mas não posso",
    "sinto muito, mas não posso",
    "não consigo ajudar com",
    # Italian
    "non posso aiutarti",
    "non posso aiutarla",
    "non posso aiutare con",
    "mi dispiace, ma non posso",
    "mi dispiace, non posso",
    "non sono in grado di aiutarti",
    # Chinese
    "我无法帮助",
    "我无法协助",
    "我不能帮助",
    "我不能协助",
    "我无法提供",
    "我不能提供",
    "抱歉,我无法",
    "抱歉,我不能",
    "对不起,我无法",
    "对不起,我不能",
    "很抱歉,我无法",
    "很抱歉,我不能",
    # Japanese
    "お手伝いできません",
    "お手伝いすることはできません",
    "お答えできません",
    "お答えすることはできません",
    "お応えできません",
    "ご要望にはお応えできません",
    "申し訳ありませんが、その",
    "申し訳ございませんが、その",
    "対応できません",
)

_SPACE = re.compile(r"\s+")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\uff07": "'"})


@dataclass(frozen=True, slots=True)
class TextMeasures:
    """What is stored about a response's text: its length and two flags, never the text."""

    chars: int
    refusal: bool
    empty: bool


class RefusalDetector:
    """Finds refusal phrases at the start of a response; built once, used for every call."""

    def __init__(self, extra_phrases: Iterable[str] = ()) -> None:
        phrases = {normalise(phrase) for phrase in (*BUILTIN_PHRASES, *extra_phrases)}
        phrases.discard("")
        # Longest first, so the alternation never stops at a shorter prefix of a phrase.
        ordered = sorted(phrases, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(phrase) for phrase in ordered))

    def is_refusal(self, text: str) -> bool:
        """Whether ``text`` opens with (or soon states) one of the refusal phrases."""
        return self._pattern.search(normalise(text[: SEARCH_CHARS * 2])[:SEARCH_CHARS]) is not None

    def measure(
        self, text: str, *, provider_refusal: bool = False, has_tool_calls: bool = False
    ) -> TextMeasures:
        """Length, refusal and emptiness of a response. A tool call is an answer, not an empty one."""
        empty = is_empty(text) and not has_tool_calls and not provider_refusal
        return TextMeasures(chars=len(text), refusal=provider_refusal or self.is_refusal(text), empty=empty)


def is_empty(text: str) -> bool:
    """Whether a response has no visible text (only whitespace or nothing at all)."""
    return not text.strip()


def normalise(text: str) -> str:
    """Case-folded, NFKC (full-width commas become ASCII), straight apostrophes, single spaces."""
    folded = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).casefold()
    return _SPACE.sub(" ", folded).strip()
