"""Operators: what a found entity becomes, per entity type, through Presidio's AnonymizerEngine.

- ``replace`` (the default): ``<EMAIL_ADDRESS>``.
- ``mask``: e-mail addresses keep their first letters and top-level domain
  (``j***@e******.com``); credentials become ``********`` whatever their length;
  anything else keeps its punctuation and loses every letter and digit
  (``(***) ***-****``).
- ``hash``: ``<EMAIL_ADDRESS:3fa2c1d9>``, an HMAC-SHA256 under the installation
  salt (see :mod:`lookout.redaction.salt`), e-mail addresses case-folded first,
  so one user's calls can still be told apart from another's.
- ``drop``: the whole body is stored without content when the entity is found;
  in a single text (an error message, a URL) it acts as ``replace``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import ConflictResolutionStrategy, OperatorConfig, RecognizerResult
from presidio_anonymizer.operators import Operator as PresidioOperator
from presidio_anonymizer.operators import OperatorType

from lookout.core.config import Operator, RedactionSettings
from lookout.redaction.detect import Found
from lookout.redaction.secret_recognizers import SECRET_ENTITIES

SECRET_MASK = "********"
HASH_HEX_CHARS = 8


class Rewriter:
    """Rewrites found spans with the configured operator of each entity type."""

    def __init__(self, settings: RedactionSettings, salt: Callable[[], bytes]) -> None:
        self._settings = settings
        operators = {**settings.operators, "DEFAULT": settings.default_operator}
        # The keyring is only touched when some entity is hashed.
        key = salt() if "hash" in operators.values() else b""
        self._configs = {entity: _config(operator, key) for entity, operator in operators.items()}
        self._engine = AnonymizerEngine()  # type: ignore[no-untyped-call]  # Presidio leaves __init__ bare
        self._engine.add_anonymizer(MaskOperator)
        self._engine.add_anonymizer(HashOperator)

    def is_dropped(self, entity: str) -> bool:
        """True when finding ``entity`` means the whole body is stored without content."""
        return self._settings.operators.get(entity, self._settings.default_operator) == "drop"

    def rewrite(self, text: str, spans: Sequence[Found]) -> tuple[str, Counter[str]]:
        """``text`` with every span rewritten, and how many spans of each entity type there were."""
        if not spans:
            return text, Counter()
        results = [RecognizerResult(span.entity, span.start, span.end, 1.0) for span in spans]
        outcome = self._engine.anonymize(
            text,
            results,
            operators=self._configs,
            conflict_resolution=ConflictResolutionStrategy.REMOVE_INTERSECTIONS,
            # The spans are already resolved; merging neighbours would undercount them.
            merge_entities_with_spaces=False,
        )
        return outcome.text, Counter(item.entity_type for item in outcome.items)


def masked(entity: str, value: str) -> str:
    """The ``mask`` operator's output for one value (see the module doc)."""
    if entity in SECRET_ENTITIES:
        return SECRET_MASK
    if entity == "EMAIL_ADDRESS" and "@" in value:
        local, _, domain = value.rpartition("@")
        host, dot, top = domain.rpartition(".")
        return f"{local[:1]}***@{host[:1]}{'*' * max(len(host) - 1, 0)}{dot}{top}"
    return "".join("*" if char.isalnum() else char for char in value)


def hash_token(key: bytes, entity: str, value: str) -> str:
    """The ``hash`` operator's output for one value (see the module doc)."""
    normalised = value.casefold() if entity == "EMAIL_ADDRESS" else value
    digest = hmac.new(key, normalised.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()
    return f"<{entity}:{digest[:HASH_HEX_CHARS]}>"


class MaskOperator(PresidioOperator):
    """Presidio operator for :func:`masked` (Presidio passes the entity type in ``params``)."""

    def operate(self, text: str, params: dict[str, Any] | None = None) -> str:
        return masked(str((params or {})["entity_type"]), text)

    def validate(self, params: dict[str, Any] | None = None) -> None:
        """Nothing to check: the operator has no parameters of its own."""

    def operator_name(self) -> str:
        return "lookout_mask"

    def operator_type(self) -> OperatorType:
        return OperatorType.Anonymize


class HashOperator(PresidioOperator):
    """Presidio operator for :func:`hash_token`; ``params["key"]`` is the installation salt."""

    def operate(self, text: str, params: dict[str, Any] | None = None) -> str:
        params = params or {}
        return hash_token(params["key"], str(params["entity_type"]), text)

    def validate(self, params: dict[str, Any] | None = None) -> None:
        if not isinstance((params or {}).get("key"), bytes):
            raise ValueError("the hash operator needs the installation salt")

    def operator_name(self) -> str:
        return "lookout_hash"

    def operator_type(self) -> OperatorType:
        return OperatorType.Anonymize


def _config(operator: Operator, key: bytes) -> OperatorConfig:
    if operator == "mask":
        return OperatorConfig("lookout_mask", {})
    if operator == "hash":
        return OperatorConfig("lookout_hash", {"key": key})
    # Presidio's replace without a new value writes "<ENTITY_TYPE>"; drop acts the same in one text.
    return OperatorConfig("replace", {})
