"""Redaction of everything Lookout stores (design §4), in the recorder process only.

Presidio, built offline, with Lookout's recognizers for personal data and
credentials; structure-aware for JSON, NDJSON and SSE; cached by digest; and
failing closed. Start with :class:`Redactor`.
"""

from lookout.redaction.redactor import RedactedBody, RedactedText, RedactionFailed, Redactor
from lookout.redaction.salt import KeyringUnavailable, installation_salt

__all__ = [
    "KeyringUnavailable",
    "RedactedBody",
    "RedactedText",
    "RedactionFailed",
    "Redactor",
    "installation_salt",
]
