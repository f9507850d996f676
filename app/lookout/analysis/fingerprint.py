"""Error fingerprints: which failed calls are "the same problem", and what to call it.

A fingerprint hashes what identifies a failure: the provider (wire format family,
or the upstream when the call never got a response), the HTTP status or network
failure kind, the provider's error type and code, and the parameterized message.
The model is *not* part of it: "rate limit reached for gpt-4o" and "… for
gpt-4.1" are one problem, and the group lists the models it touched as tags.

Custom rules from ``[errors]`` (see :mod:`lookout.core.errors_config`) come first:
the first rule that matches names the group, whatever the message said.

Pure: the hash is computed from in-memory text; only the hash and a redacted
title are ever stored.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from fnmatch import fnmatchcase

from lookout.analysis.parameterize import parameterize
from lookout.core.errors_config import NETWORK_KINDS, FingerprintRule

FINGERPRINT_VERSION = "v1"  # bump when the parts change, so old and new groups never collide
ID_CHARS = 12
TITLE_MESSAGE_CHARS = 100
MIN_CLAUSE_CHARS = 20  # a shorter clause ("Error") says less than a cut sentence
SEPARATOR = " · "
_NETWORK_TYPE = "network"  # the error type the recorder gives transport failures


@dataclass(frozen=True, slots=True)
class ErrorSignature:
    """What a failed call looked like, reduced to the parts that identify the failure.

    ``message`` is already parameterized; the raw text is never kept here.
    """

    provider: str
    failure: str  # "429", "5xx"-style status text, a network kind, "stream" or "response"
    error_type: str | None
    error_code: str | None
    message: str


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """A group's identity: the full hash, the short id derived from it, and the rule that set it."""

    hash: str
    rule: FingerprintRule | None

    @property
    def group_id(self) -> str:
        return self.hash[:ID_CHARS]


def failure_kind(
    *, status_code: int | None, outcome: str, error_type: str | None, error_code: str | None, streamed: bool
) -> str:
    """The status part of a fingerprint: the HTTP status, or how the call failed without one."""
    if outcome in NETWORK_KINDS:
        return outcome
    if error_type == _NETWORK_TYPE:
        return error_code if error_code in NETWORK_KINDS else "upstream_disconnected"
    if status_code is not None and status_code >= 400:
        return str(status_code)
    return "stream" if streamed else "response"  # a provider error inside a 2xx


def signature(
    *,
    provider: str,
    failure: str,
    error_type: str | None,
    error_code: str | None,
    raw_message: str | None,
) -> ErrorSignature:
    """The signature of one failure; ``raw_message`` is parameterized here and then dropped."""
    return ErrorSignature(
        provider=provider,
        failure=failure,
        error_type=error_type,
        error_code=error_code,
        message=parameterize(raw_message) if raw_message else "",
    )


def fingerprint(
    sig: ErrorSignature, rules: tuple[FingerprintRule, ...] = (), raw_message: str | None = None
) -> Fingerprint:
    """The fingerprint of ``sig``: that of the first matching rule, else a hash of its parts."""
    rule = matching_rule(sig, rules, raw_message)
    if rule is not None:
        return Fingerprint(_digest("rule", rule.name), rule)
    parts = (sig.provider, sig.failure, sig.error_type or "", sig.error_code or "", sig.message)
    return Fingerprint(_digest(FINGERPRINT_VERSION, *parts), None)


def matching_rule(
    sig: ErrorSignature, rules: tuple[FingerprintRule, ...], raw_message: str | None = None
) -> FingerprintRule | None:
    """The first rule whose every matcher matches ``sig`` (and the raw message, for globs)."""
    return next((rule for rule in rules if _matches(rule, sig, raw_message)), None)


def title(sig: ErrorSignature, rule: FingerprintRule | None = None, *, message: str | None = None) -> str:
    """A short title such as ``429 rate_limit_exceeded · Rate limit reached for <model> …``.

    ``message`` is the text to summarise: pass the *redacted* parameterized message,
    or ``None`` to get the metadata-only title (status, type or code). A rule's
    title wins over both.
    """
    if rule is not None:
        return rule.title
    head = title_head(sig)
    summary = _summary(message) if message else ""
    return f"{head}{SEPARATOR}{summary}" if summary else head


def title_head(sig: ErrorSignature) -> str:
    """The metadata part of a title: failure kind plus the error code (or type) when it adds something."""
    for detail in (sig.error_code, sig.error_type):
        if detail and detail not in (sig.failure, _NETWORK_TYPE):
            return f"{sig.failure} {detail}"
    return sig.failure


def _summary(message: str) -> str:
    """The first sentence of ``message``; past the title budget, its first clause or a word boundary."""
    first = message.split(". ", 1)[0].strip().rstrip(".")
    if len(first) <= TITLE_MESSAGE_CHARS:
        return first
    clause = first.split(": ", 1)[0]
    if MIN_CLAUSE_CHARS <= len(clause) <= TITLE_MESSAGE_CHARS:
        return clause
    cut = first[:TITLE_MESSAGE_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(" ,:;(") + "…"


def _matches(rule: FingerprintRule, sig: ErrorSignature, raw_message: str | None) -> bool:
    return (
        _same(rule.provider, sig.provider)
        and _status_matches(rule.status, sig.failure)
        and _same(rule.error_type, sig.error_type)
        and _same(rule.error_code, sig.error_code)
        and _glob_matches(rule.message, sig.message, raw_message)
    )


def _same(expected: str | None, actual: str | None) -> bool:
    return expected is None or (actual is not None and expected.lower() == actual.lower())


def _status_matches(expected: str | None, failure: str) -> bool:
    if expected is None:
        return True
    if expected.endswith("xx"):
        return failure.isdigit() and failure[0] == expected[0]
    return expected == failure


def _glob_matches(pattern: str | None, parameterized: str, raw: str | None) -> bool:
    if pattern is None:
        return True
    wanted = pattern.lower()
    return any(fnmatchcase(text.lower(), wanted) for text in (parameterized, raw) if text)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
