"""Fingerprints and titles: what makes two failures one group, custom rules, and the ``[errors]`` config."""

from __future__ import annotations

from typing import Any

import pytest

from lookout.analysis.fingerprint import (
    ErrorSignature,
    failure_kind,
    fingerprint,
    signature,
    title,
)
from lookout.core.errors_config import FingerprintRule, parse_errors_settings
from lookout.core.settings import ConfigError

OPENAI_429 = (
    "Rate limit reached for {model} in organization org-{org} on tokens per min (TPM): Limit 200000, "
    "Used {used}, Requested 412. Please try again in {wait}. Visit https://platform.openai.com/account/"
    "rate-limits to learn more."
)


def openai_429(
    model: str = "gpt-4o-mini", used: int = 199823, wait: str = "222ms", org: str = "demo"
) -> ErrorSignature:
    message = OPENAI_429.format(model=model, used=used, wait=wait, org=org)
    return signature(
        provider="openai",
        failure="429",
        error_type="tokens",
        error_code="rate_limit_exceeded",
        raw_message=message,
    )


def sig(message: str = "The server had an error", **changes: str | None) -> ErrorSignature:
    parts: dict[str, str | None] = {"provider": "openai", "failure": "500", "error_type": "server_error"}
    parts.update(changes)
    return signature(
        provider=parts["provider"] or "",
        failure=parts["failure"] or "",
        error_type=parts["error_type"],
        error_code=parts.get("error_code"),
        raw_message=message,
    )


def test_message_variants_and_models_share_a_fingerprint() -> None:
    variants = [
        openai_429(),
        openai_429(model="gpt-4.1", used=150000, wait="1.5s"),
        openai_429(model="o4-mini", used=7, wait="6m0s", org="Xy12"),
    ]
    assert len({fingerprint(v).hash for v in variants}) == 1
    assert len(fingerprint(variants[0]).group_id) == 12 and fingerprint(variants[0]).rule is None


@pytest.mark.parametrize(
    "change",
    [
        {"provider": "anthropic"},
        {"failure": "503"},
        {"failure": "upstream_timeout"},
        {"error_type": "invalid_request_error"},
        {"error_code": "server_overloaded"},
        {"message": "The engine is currently overloaded"},
    ],
)
def test_each_part_of_the_signature_separates_groups(change: dict[str, str]) -> None:
    assert fingerprint(sig()).hash != fingerprint(sig(**change)).hash


def test_failure_kinds() -> None:
    def kind(**overrides: object) -> str:
        base: dict[str, object] = {"status_code": None, "outcome": "error", "streamed": False}
        base |= {"error_type": None, "error_code": None}
        base.update(overrides)
        return failure_kind(**base)  # type: ignore[arg-type]

    assert kind(status_code=429) == "429"
    assert kind(outcome="upstream_unreachable", status_code=502) == "upstream_unreachable"
    assert kind(outcome="upstream_timeout") == "upstream_timeout"
    assert (
        kind(status_code=200, error_type="network", error_code="upstream_disconnected")
        == "upstream_disconnected"
    )
    assert kind(status_code=200, error_type="server_error", streamed=True) == "stream"
    assert kind(status_code=200, error_type="failed") == "response"


def test_titles() -> None:
    rate = openai_429()
    assert title(rate, message=rate.message) == (
        "429 rate_limit_exceeded · Rate limit reached for <model> in organization <id> on tokens per min "
        "(TPM)"
    )
    assert title(rate) == "429 rate_limit_exceeded"  # metadata only: no message text at all
    gemini = signature(
        provider="gemini", failure="429", error_type="RESOURCE_EXHAUSTED", error_code="429",
        raw_message="You exceeded your current quota, please check your plan and billing details. More text.",
    )  # fmt: skip
    assert title(gemini, message=gemini.message) == (
        "429 RESOURCE_EXHAUSTED · You exceeded your current quota, please check your plan and billing details"
    )
    timeout = signature(
        provider="openai", failure="upstream_timeout", error_type="network", error_code="upstream_timeout",
        raw_message=None,
    )  # fmt: skip
    assert title(timeout) == "upstream_timeout"
    long = signature(
        provider="ollama", failure="500", error_type=None, error_code=None, raw_message="word " * 60
    )
    assert title(long, message=long.message).endswith("…") and len(title(long, message=long.message)) < 120


RULES = parse_errors_settings(
    {
        "fingerprint_rules": [
            {
                "name": "quota",
                "title": "Out of quota",
                "status": 429,
                "message": "*exceeded your current quota*",
            },
            {"name": "openai-5xx", "provider": "openai", "status": "5xx"},
            {"name": "waits", "message": "*try again in <duration>*"},
            {"name": "anything-429", "status": "429"},
        ]
    }
).fingerprint_rules


def test_custom_rules_first_match_wins_and_name_the_group() -> None:
    quota = sig(failure="429", message="You exceeded your current quota, please check your plan.")
    found = fingerprint(quota, RULES, "You exceeded your current quota, please check your plan.")
    assert found.rule is not None and found.rule.name == "quota"
    assert title(quota, found.rule, message=quota.message) == "Out of quota"
    assert fingerprint(sig(failure="503"), RULES).rule.name == "openai-5xx"  # type: ignore[union-attr]
    assert fingerprint(sig(failure="503", provider="anthropic"), RULES).rule is None
    # The glob matches the parameterized message; the rule ahead of it (any 429) does not apply to a 500.
    assert fingerprint(openai_429(), RULES).rule.name == "waits"  # type: ignore[union-attr]
    # Every error a rule matches is one group, whatever the message.
    assert (
        fingerprint(sig(failure="502"), RULES).hash
        == fingerprint(sig(failure="500", message="x"), RULES).hash
    )


def test_rules_match_the_raw_message_too() -> None:
    rules = (FingerprintRule(name="acme", title="Acme", message="*acme-prod-42*"),)
    raw = "deployment acme-prod-42 is down"
    assert fingerprint(sig(message=raw), rules, raw).rule is not None
    assert fingerprint(sig(message=raw), rules, None).rule is None  # parameterized, the number is gone


def test_errors_config_validation() -> None:
    settings = parse_errors_settings(
        {"new_days": 3, "fingerprint_rules": [{"name": "x", "status": "upstream_timeout"}]}
    )
    assert settings.new_days == 3 and settings.fingerprint_rules[0].title == "x"
    assert parse_errors_settings({}).new_days == 7
    bad: list[dict[str, Any]] = [
        {"new_days": 0},
        {"colour": "red"},
        {"fingerprint_rules": {"name": "x"}},
        {"fingerprint_rules": [{"title": "no name", "status": 500}]},
        {"fingerprint_rules": [{"name": "everything"}]},
        {"fingerprint_rules": [{"name": "x", "status": "teapot"}]},
        {"fingerprint_rules": [{"name": "x", "status": 429, "model": "gpt-4o"}]},
        {"fingerprint_rules": [{"name": "x", "status": 429}, {"name": "x", "status": 500}]},
    ]
    for raw in bad:
        with pytest.raises(ConfigError):
            parse_errors_settings(raw)
