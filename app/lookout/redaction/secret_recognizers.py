"""Recognizers for credentials, added to Presidio as custom pattern recognizers.

Entity types (a short, fixed list so that counts stay readable):

=================  ==============================================================
API_KEY            provider keys: OpenAI ``sk-``/``sk-proj-``, Anthropic
                   ``sk-ant-``, OpenRouter ``sk-or-``, DeepSeek-style ``sk-``,
                   Google ``AIza``, Groq ``gsk_``, xAI ``xai-``, Hugging Face
                   ``hf_``. Mistral keys have no prefix: SECRET catches them.
AWS_ACCESS_KEY     ``AKIA``/``ASIA`` access key ids
GITHUB_TOKEN       ``ghp_``/``gho_``/``ghu_``/``ghs_``/``ghr_``, ``github_pat_``
SLACK_TOKEN        ``xoxb-``/``xoxa-``/``xoxp-``/``xoxr-``/``xoxs-``, ``xapp-``
STRIPE_KEY         ``sk_live_``/``rk_live_`` (and test keys), ``whsec_``
JWT                three base64url parts, header and payload starting ``eyJ``
BEARER_TOKEN       the credential after ``Bearer`` or ``Authorization: Basic``
PRIVATE_KEY        PEM private-key blocks, also when cut off before the END line
URL_PASSWORD       the password in ``scheme://user:password@host``
SECRET             values assigned to secret-looking names (``password=``,
                   ``api_key:``), and key-like high-entropy strings
=================  ==============================================================

Patterns are case-sensitive unless they say otherwise: Presidio's default
IGNORECASE would let ``[A-Z]`` match any letter and flood the results.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

FLAGS = re.DOTALL | re.MULTILINE

SECRET_ENTITIES: tuple[str, ...] = (
    "PRIVATE_KEY",
    "API_KEY",
    "AWS_ACCESS_KEY",
    "GITHUB_TOKEN",
    "SLACK_TOKEN",
    "STRIPE_KEY",
    "JWT",
    "BEARER_TOKEN",
    "URL_PASSWORD",
    "SECRET",
)

# Not preceded or followed by a character that could continue the token.
_START = r"(?<![A-Za-z0-9_\-])"
_END = r"(?![A-Za-z0-9_\-])"

_PROVIDER_PATTERNS = [
    ("OpenAI, Anthropic, OpenRouter, DeepSeek", r"sk-[A-Za-z0-9_\-]{20,}"),
    ("Google", r"AIza[0-9A-Za-z_\-]{35}"),
    ("Groq", r"gsk_[A-Za-z0-9]{40,}"),
    ("xAI", r"xai-[A-Za-z0-9]{40,}"),
    ("Hugging Face", r"hf_[A-Za-z0-9]{30,}"),
]
_TOKEN_PATTERNS: dict[str, list[tuple[str, str]]] = {
    "AWS_ACCESS_KEY": [("AWS access key id", r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}" + _END)],
    "GITHUB_TOKEN": [
        ("GitHub token", _START + r"gh[pousr]_[A-Za-z0-9]{36,}" + _END),
        ("GitHub fine-grained token", _START + r"github_pat_[A-Za-z0-9_]{50,}" + _END),
    ],
    "SLACK_TOKEN": [
        ("Slack token", _START + r"xox[abposr]-[A-Za-z0-9\-]{10,}" + _END),
        ("Slack app token", _START + r"xapp-\d-[A-Za-z0-9\-]{20,}" + _END),
    ],
    "STRIPE_KEY": [
        ("Stripe secret key", _START + r"(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}" + _END),
        ("Stripe webhook secret", _START + r"whsec_[A-Za-z0-9]{24,}" + _END),
    ],
    "JWT": [("JWT", _START + r"eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*" + _END)],
    "PRIVATE_KEY": [
        (
            "PEM private key",
            r"-----BEGIN[A-Z ]{0,30}PRIVATE KEY(?: BLOCK)?-----"
            r".*?(?:-----END[A-Z ]{0,30}PRIVATE KEY(?: BLOCK)?-----|\Z)",
        )
    ],
}

# A name that says its value is a secret, then ":" or "=", then the value.
_SECRET_NAME = (
    r"(?i:api[_\-]?key|apikey|secret(?:[_\-]?(?:access[_\-]?)?key)?|client[_\-]?secret|passw(?:or)?d|pwd"
    r"|passphrase|(?:access|auth|refresh|session|id)[_\-]?token|private[_\-]?key)"
)
_ASSIGNED = r"(?<=" + _SECRET_NAME + r"[\"']?\s{0,3}[:=]\s{0,3}[\"']?)"

_KNOWN_ID = re.compile(
    r"(?:chatcmpl|cmpl|msg|resp|run|thread|asst|file|call|toolu|srvtoolu|req|batch|fc|rs|ft|gen|step|vs|evt"
    r"|sess|conv|item|org|proj|user|cus|pi|ch|sub|price|prod|acct|img|ws)[\-_:]"
)


class ProviderKeyRecognizer(PatternRecognizer):
    """API keys of LLM providers, recognised by their documented prefixes."""

    def __init__(self) -> None:
        patterns = [Pattern(name, _START + body + _END, 1.0) for name, body in _PROVIDER_PATTERNS]
        super().__init__("API_KEY", patterns=patterns, global_regex_flags=FLAGS)


class TriggeredRecognizer(PatternRecognizer):
    """A pattern recognizer that skips texts without any of its trigger strings (lower case).

    Its patterns start with a variable-length lookbehind, which the regex engine
    tries at every position of the text; a substring test first is far cheaper.
    """

    def __init__(self, entity: str, patterns: list[Pattern], triggers: tuple[str, ...]) -> None:
        super().__init__(entity, patterns=patterns, global_regex_flags=FLAGS)
        self.triggers = triggers

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        lowered = text.lower()
        if not any(trigger in lowered for trigger in self.triggers):
            return []
        return super().analyze(text, entities, nlp_artifacts, regex_flags)


class BearerTokenRecognizer(TriggeredRecognizer):
    """The credential after ``Bearer`` or ``Authorization: Basic``; the scheme word stays."""

    def __init__(self) -> None:
        patterns = [
            Pattern("bearer", r"(?<=\b(?i:bearer)\s{1,3})[A-Za-z0-9._~+/\-]{8,}=*", 0.9),
            Pattern(
                "basic",
                r"(?<=(?i:authorization)[\"']?\s{0,3}[:=]\s{0,3}[\"']?(?i:basic)\s{1,3})[A-Za-z0-9+/]{8,}={0,2}",
                0.9,
            ),
        ]
        super().__init__("BEARER_TOKEN", patterns, triggers=("bearer", "basic"))

    def invalidate_result(self, pattern_text: str) -> bool:
        # Prose says "bearer tokens" or "Bearer authentication": a credential has digits or is long.
        has_digit = any(char.isdigit() for char in pattern_text)
        return not ((has_digit and len(pattern_text) >= 12) or len(pattern_text) >= 24)


class AssignedSecretRecognizer(TriggeredRecognizer):
    """Values written after a secret-looking name: ``password=…``, ``"api_key": "…"``, ``access_token: …``."""

    def __init__(self) -> None:
        pattern = Pattern("assigned secret", _ASSIGNED + r"[^\s\"'<>,;)\]}]{4,}", 0.7)
        super().__init__(
            "SECRET", [pattern], triggers=("key", "secret", "passw", "pwd", "passphrase", "token")
        )

    def invalidate_result(self, pattern_text: str) -> bool:
        # Placeholders and references are not secrets: "$OPENAI_API_KEY", "<your key>", "os.environ[...]".
        return pattern_text.startswith(("$", "<", "{", "os.environ", "process.env", "env("))


class UrlPasswordRecognizer(TriggeredRecognizer):
    """The password of ``scheme://user:password@host``; the user name and host stay."""

    def __init__(self) -> None:
        password = r"(?<=(?i:\b[a-z][a-z0-9+.\-]{1,15})://[^\s:/@]{0,128}:)[^\s/@]{1,128}(?=@)"
        super().__init__("URL_PASSWORD", [Pattern("password in URL", password, 1.0)], triggers=("://",))


class HighEntropyRecognizer(PatternRecognizer):
    """Key-like strings: 32 to 128 characters, mixed case and digits, close to random.

    Tuned against what fills API payloads: ids with a known prefix (``chatcmpl-``,
    ``msg_``, ``call_`` …) are skipped, hex digests and UUIDs have no upper case,
    and base64 blobs such as embeddings or signatures are longer than 128.
    """

    MIN_BITS_PER_CHAR = 4.2

    def __init__(self) -> None:
        token = r"(?<![A-Za-z0-9_+/=\-.])[A-Za-z0-9_+/\-]{32,128}={0,2}(?![A-Za-z0-9_+/=\-]|\.[A-Za-z0-9])"
        super().__init__(
            "SECRET", patterns=[Pattern("high-entropy token", token, 0.6)], global_regex_flags=FLAGS
        )

    def invalidate_result(self, pattern_text: str) -> bool:
        return not looks_random(pattern_text, self.MIN_BITS_PER_CHAR)


def looks_random(token: str, min_bits_per_char: float) -> bool:
    """True for a token that mixes upper case, lower case and digits with high character entropy."""
    if _KNOWN_ID.match(token):
        return False
    if not (any(c.isupper() for c in token) and any(c.islower() for c in token)):
        return False
    if not any(c.isdigit() for c in token):
        return False
    return shannon_bits_per_char(token) >= min_bits_per_char


def shannon_bits_per_char(token: str) -> float:
    counts = Counter(token)
    length = len(token)
    return -sum(n / length * math.log2(n / length) for n in counts.values())


def secret_recognizers() -> list[EntityRecognizer]:
    """Every credential recognizer, each for one entity type of SECRET_ENTITIES."""
    recognizers: list[EntityRecognizer] = [
        ProviderKeyRecognizer(),
        BearerTokenRecognizer(),
        AssignedSecretRecognizer(),
        UrlPasswordRecognizer(),
        HighEntropyRecognizer(),
    ]
    for entity, named_patterns in _TOKEN_PATTERNS.items():
        patterns = [Pattern(name, body, 1.0) for name, body in named_patterns]
        recognizers.append(PatternRecognizer(entity, patterns=patterns, global_regex_flags=FLAGS))
    return recognizers
