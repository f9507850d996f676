"""The ``[alerts]`` settings: defaults, per-rule tables, overrides by scope, and readable errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lookout.core.alerts_config import RULES, AlertsSettings, Scope, parse_alerts_settings
from lookout.core.config import load_config
from lookout.core.settings import ConfigError

CHAT = Scope("openai", "gpt-4o-mini", "chat")


def test_defaults_do_not_page_on_one_failure_out_of_two_calls() -> None:
    settings = AlertsSettings()
    error_rate = settings.rule("error_rate", CHAT)
    assert error_rate.min_calls >= 10 and error_rate.threshold == 25.0
    assert settings.rule("model_unavailable").severity == "critical"
    assert settings.webhook_url is None  # nothing leaves the machine by default
    assert set(RULES) == set(settings.rules)


def test_image_generation_and_embeddings_have_their_own_latency_defaults() -> None:
    settings = AlertsSettings()
    chat = settings.rule("latency_p95", CHAT).threshold
    image = settings.rule("latency_p95", Scope("openai", "gpt-image-1", "image")).threshold
    embeddings = settings.rule(
        "latency_p95", Scope("openai", "text-embedding-3-small", "embeddings")
    ).threshold
    assert embeddings is not None and chat is not None and image is not None
    assert embeddings < chat < image


def test_a_rule_table_sets_thresholds_in_their_units() -> None:
    settings = parse_alerts_settings(
        {
            "error_rate": {"threshold": 10, "window": "5m", "min_calls": 50, "severity": "critical"},
            "latency_p95": {"threshold": "20s", "factor": 2},
            "recorder_backlog": {"threshold": "2m"},
            "spend": {"threshold": 5, "floor": 0.5},
        }
    )
    rate = settings.rule("error_rate", CHAT)
    assert (rate.threshold, rate.window_s, rate.min_calls, rate.severity) == (10, 300, 50, "critical")
    assert settings.rule("latency_p95", CHAT).threshold == 20_000  # ms
    assert settings.rule("latency_p95", CHAT).factor == 2
    assert settings.rule("recorder_backlog").threshold == 120  # s
    assert settings.rule("spend", CHAT).threshold == 5


def test_overrides_apply_by_scope_most_specific_last() -> None:
    settings = parse_alerts_settings(
        {
            "override": [
                {"rule": "latency_p95", "model": "o*", "operation": "chat", "threshold": "3m"},
                {"rule": "latency_p95", "model": "o*", "threshold": "1m"},
                {"upstream": "ollama", "enabled": False},
            ]
        }
    )
    assert settings.rule("latency_p95", Scope("openai", "o4-mini", "chat")).threshold == 180_000
    assert settings.rule("latency_p95", Scope("openai", "o4-mini", "responses")).threshold == 60_000
    assert settings.rule("latency_p95", CHAT).threshold == 30_000
    assert not settings.rule("error_rate", Scope("ollama", "llama3.2", "chat")).enabled
    assert settings.rule("error_rate", CHAT).enabled


def test_longest_window_covers_overrides() -> None:
    settings = parse_alerts_settings({"override": [{"rule": "error_rate", "model": "x", "window": "1h"}]})
    assert settings.longest_window_s("error_rate", "latency_p95") == 3600


@pytest.mark.parametrize(
    ("raw", "complaint"),
    [
        ({"error_rat": {}}, "unknown setting"),
        ({"error_rate": {"threshold": 150}}, "percentage"),
        ({"error_rate": {"factor": 2}}, "unknown setting"),
        ({"latency_p95": {"threshold": "fast"}}, "invalid duration"),
        ({"error_rate": {"severity": "urgent"}}, "severity must be one of"),
        ({"error_rate": {"min_calls": 0}}, "positive integer"),
        ({"webhook_url": "hooks.slack.com/x"}, "http(s) URL"),
        ({"override": [{"rule": "nope"}]}, "is not a rule"),
        ({"override": [{"model": "x", "threshold": 3}]}, "only `enabled`"),
        ({"override": {"rule": "spend"}}, "must be tables"),
        ({"enabled": "yes"}, "true or false"),
    ],
)
def test_bad_settings_are_reported_readably(raw: dict[str, Any], complaint: str) -> None:
    with pytest.raises(ConfigError, match=complaint.replace("(", r"\(").replace(")", r"\)")):
        parse_alerts_settings(raw)


def test_the_config_file_section_is_wired(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[alerts]\nhold = "5m"\nwebhook_url = "http://127.0.0.1:9/hook"\n[alerts.drift]\nenabled = false\n'
    )
    config = load_config(path, tmp_path)
    assert config.alerts.hold_s == 300
    assert config.alerts.webhook_url == "http://127.0.0.1:9/hook"
    assert not config.alerts.rule("drift").enabled
