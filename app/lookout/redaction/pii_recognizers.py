"""Presidio's personal-data recognizers, chosen and retuned for LLM API payloads.

Only the recognizers built here are loaded. Left out on purpose, because they
misfire on API payloads more than they help: US_DRIVER_LICENSE (fires on short
words, hex and base64), UUID (every id is one), DATE_TIME (model version
suffixes and timestamps; dates alone identify no one), US bank/passport numbers
and medical licences (any 9-digit run), and the country-specific ids of other
languages.

Retuned here:
- e-mail addresses: a stricter local part, validation with the offline
  tldextract, and the pattern runs only around each ``@``;
- URLs use a leaner pattern that never matches inside an e-mail address, skips
  file names such as ``main.py``, and lets provider and loopback hosts through
  (they are what a developer debugs, and identify no one);
- phone numbers run python-phonenumbers only where digits cluster, and not on
  ISO dates or Unix timestamps, plus phone-shaped digit groups that count only
  next to a word such as "phone", "call" or "mobile";
- credit cards accept every length from 12 to 19 digits (Maestro, 19-digit
  Visa, JCB 2131/1800, Mastercard 2-series), still Luhn-checked;
- IBANs may be written in lower case (the checksum still has to hold);
- loopback and unspecified IP addresses are not personal data.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from urllib.parse import urlsplit

import tldextract
from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    CryptoRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    IpRecognizer,
    MacAddressRecognizer,
    PhoneRecognizer,
    UsItinRecognizer,
    UsSsnRecognizer,
)

# Presidio compiles with IGNORECASE by default; patterns here say (?i) where they mean it.
FLAGS = re.DOTALL | re.MULTILINE

# Hosts whose URLs are kept: provider endpoints and docs, and loopback.
KEPT_HOSTS = frozenset(
    {
        *("openai.com", "anthropic.com", "googleapis.com", "ai.google.dev", "mistral.ai", "groq.com"),
        *("openrouter.ai", "x.ai", "deepseek.com", "together.xyz", "cohere.com", "huggingface.co"),
        *("localhost", "127.0.0.1", "::1", "0.0.0.0"),
    }
)
# Suffixes that are also common file extensions: "main.py" and "notes.md" are not web addresses.
FILE_SUFFIXES = frozenset(
    {"py", "md", "sh", "rs", "pl", "pm", "cc", "so", "zip", "mov", "ps", "cs", "ts", "js", "mp", "rb", "gz"}
)
# Twice RFC 5321's limits: a window this wide around an "@" holds any real address.
MAX_LOCAL_PART = 64 + 64
MAX_DOMAIN = 255
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
EPOCH = re.compile(r"1\d{9}(?:\d{3})?")  # Unix seconds or milliseconds, 2001 to 2286
_EXTENSION = r"(?:\s{0,2}(?:x|ext\.?)\s{0,2}\d{1,6})?"
_URL_END = r"[^\s<>\"'`]*[^\s<>\"'`.,;:!?)\]}]"


class OfflineEmailRecognizer(EmailRecognizer):
    """E-mail addresses, with the domain validated against the offline suffix list.

    The local part takes the characters people really use. Presidio's pattern also
    takes ``?``, ``&`` and ``=``, so in ``…?key=…&user=zelda@example.com`` it swallows
    the query string, and then fails validation: the address was missed.
    """

    PATTERN = r"(?<![\w.%+\-'])[\w%+\-'][\w.%+\-']{0,63}@\w[\w\-]*(?:\.[\w\-]+)+"

    def __init__(self, extractor: tldextract.TLDExtract) -> None:
        super().__init__(patterns=[Pattern("e-mail address", self.PATTERN, 0.5)])
        self._extractor = extractor

    def validate_result(self, pattern_text: str) -> bool:
        return bool(self._extractor(pattern_text.rsplit("@", 1)[-1]).fqdn)

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        # An e-mail pattern is slow on long texts (it is tried at every word): run it only around each "@".
        results: list[RecognizerResult] = []
        for start, end in windows(text, "@", before=MAX_LOCAL_PART, after=MAX_DOMAIN):
            for result in super().analyze(text[start:end], entities, nlp_artifacts, regex_flags):
                results.append(shifted(result, start))
        return EntityRecognizer.remove_duplicates(results)


class WebAddressRecognizer(PatternRecognizer):
    """URLs with a scheme, and bare domains whose suffix is a real public suffix."""

    def __init__(self, extractor: tldextract.TLDExtract) -> None:
        patterns = [
            Pattern("URL with scheme", r"(?i)\b[a-z][a-z0-9+.\-]{1,15}://" + _URL_END, 0.6),
            Pattern(
                "bare domain",
                r"(?i)(?<![\w@.\-/:])(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}"
                r"(?::\d{2,5})?(?:/" + _URL_END + r")?(?![\w@\-]|\.\w)",
                0.5,
            ),
        ]
        context = ["url", "website", "link"]
        super().__init__("URL", patterns=patterns, context=context, global_regex_flags=FLAGS)
        self._extractor = extractor

    def validate_result(self, pattern_text: str) -> bool:
        parts = self._extractor(pattern_text)
        if "://" in pattern_text:
            return not is_kept_url(pattern_text, parts)
        top_label = parts.suffix.rsplit(".", 1)[-1].lower()
        return bool(parts.domain and parts.suffix) and top_label not in FILE_SUFFIXES


def is_kept_url(url: str, parts: tldextract.tldextract.ExtractResult) -> bool:
    """True for a provider or loopback URL with no credentials in it."""
    try:
        split = urlsplit(url)
        host = split.hostname or ""
    except ValueError:  # a malformed port or IPv6 literal: not worth keeping
        return False
    if "@" in split.netloc:
        return False
    registered = parts.top_domain_under_public_suffix if parts.suffix else host
    return host in KEPT_HOSTS or registered.lower() in KEPT_HOSTS


class FastPhoneRecognizer(PhoneRecognizer):
    """python-phonenumbers, run only on the stretches of text where digits cluster.

    The stock recognizer scans the whole text once per region, which made it the
    slowest recognizer on long prompts that contain no phone number at all.
    """

    # Digit clusters that stand alone: "gpt-4o-2024-08-06" and ISO dates are no candidates.
    CANDIDATES = re.compile(r"(?<![\w\-.])(?!\d{4}-\d{2}-\d{2})\+?\(?\d[\d \t().\-/]{4,24}\d" + _EXTENSION)

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results: list[RecognizerResult] = []
        for candidate in self.CANDIDATES.finditer(text):
            start = max(candidate.start() - 1, 0)
            window = text[start : candidate.end() + 1]
            # Presidio annotates the artifacts as required, but this recognizer never reads them.
            for result in super().analyze(window, entities, nlp_artifacts):  # type: ignore[arg-type]
                # Some regions accept "2024-08-06 12" or "1741569952" as a number; to a developer
                # those are timestamps.
                found = window[result.start : result.end]
                if not (ISO_DATE.match(found) or EPOCH.fullmatch(found)):
                    results.append(shifted(result, start))
        return EntityRecognizer.remove_duplicates(results)


class PhoneShapeRecognizer(PatternRecognizer):
    """Digit groups shaped like a phone number.

    International numbers (a leading +) count on their own. Local shapes score
    below the threshold and count only when a context word is near, so that
    quantities and ids in API payloads are left alone.
    """

    # Whole words only (see detect.py), and narrower than Presidio's phone context:
    # "number" and "office" are everywhere in payloads.
    CONTEXT = (
        *("phone", "phones", "telephone", "tel", "mobile", "cell", "cellphone", "fax", "desk"),
        *("call", "calls", "called", "calling", "whatsapp", "sms", "message", "messages"),
        *("contact", "reach", "registered", "answering"),
    )

    def __init__(self) -> None:
        patterns = [
            Pattern(
                "international",
                r"(?<![\w+])\+\d{1,3}(?:[ .\-]?\(0\))?(?:[ .\-]?\(?\d{1,5}\)?){2,6}"
                + _EXTENSION
                + r"(?![\w\-])",
                0.5,
            ),
            Pattern(
                "local",
                r"(?<![\w.+\-/:])(?!\d{4}-\d{2}-\d{2})(?:\(\d{1,5}\)\s?|\d{1,5}[ .\-])"
                r"\d{2,8}(?:[ .\-]\d{2,8}){0,3}" + _EXTENSION + r"(?![\w\-/]|\.\d|:\d)",
                0.2,
            ),
        ]
        super().__init__(
            "PHONE_NUMBER", patterns=patterns, context=list(self.CONTEXT), global_regex_flags=FLAGS
        )

    def invalidate_result(self, pattern_text: str) -> bool:
        digits = sum(char.isdigit() for char in pattern_text)
        return not 7 <= digits <= 15


class WideCreditCardRecognizer(CreditCardRecognizer):
    """Every card length from 12 to 19 digits, in groups or not, Luhn-checked by Presidio."""

    def __init__(self) -> None:
        # Not "1" and 12 more digits: that is a millisecond timestamp (as in Presidio's pattern).
        card = r"(?<![\w\-.])(?!1\d{12}(?!\d))[0-6]\d{3}(?:[ \-]?\d{2,4}){2,4}\d{0,3}(?![\w\-]|\.\d)"
        super().__init__(patterns=[Pattern("card number", card, 0.3)])

    def invalidate_result(self, pattern_text: str) -> bool:
        digits = sum(char.isdigit() for char in pattern_text)
        return not 12 <= digits <= 19


class PublicIpRecognizer(IpRecognizer):
    """IP addresses, except loopback and unspecified ones (127.0.0.1, ::1, 0.0.0.0)."""

    def invalidate_result(self, pattern_text: str) -> bool:
        try:
            address = ipaddress.ip_address(pattern_text)
        except ValueError:
            return super().invalidate_result(pattern_text)
        return address.is_loopback or address.is_unspecified


def windows(text: str, marker: str, before: int, after: int) -> list[tuple[int, int]]:
    """Stretches of ``text`` around each occurrence of ``marker``, overlapping ones merged."""
    spans: list[tuple[int, int]] = []
    position = text.find(marker)
    while position != -1:
        start, end = max(position - before, 0), min(position + len(marker) + after, len(text))
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
        position = text.find(marker, position + 1)
    return spans


def shifted(result: RecognizerResult, offset: int) -> RecognizerResult:
    """``result`` moved by ``offset`` characters: from a window back to the whole text."""
    result.start += offset
    result.end += offset
    return result


def pii_recognizers(extractor: tldextract.TLDExtract) -> list[EntityRecognizer]:
    """The personal-data pattern recognizers Lookout loads, and only those."""
    factories: list[Callable[[], EntityRecognizer]] = [
        lambda: OfflineEmailRecognizer(extractor),
        lambda: WebAddressRecognizer(extractor),
        FastPhoneRecognizer,
        PhoneShapeRecognizer,
        WideCreditCardRecognizer,
        # Checksummed either way, so lower-case IBANs (as people type them) count too.
        lambda: IbanRecognizer(regex_flags=FLAGS | re.IGNORECASE),
        PublicIpRecognizer,
        UsSsnRecognizer,
        UsItinRecognizer,
        CryptoRecognizer,
        MacAddressRecognizer,
    ]
    return [factory() for factory in factories]
