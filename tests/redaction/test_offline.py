"""Presidio is built and used without the network: no model download, no suffix-list fetch (design §4.5)."""

from __future__ import annotations

import logging
import socket
import time
from pathlib import Path
from typing import Any

import pytest
import spacy
import spacy.cli
import tldextract

from lookout.core.config import RedactionSettings
from lookout.redaction import Redactor
from lookout.redaction.offline import PATTERNS_ONLY_MODE

from .payloads import CANARY_TEXT, all_canaries


class NetworkAttempts:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def refuse(self, name: str) -> Any:
        def refused(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            raise OSError(f"network access attempted: {name}")

        return refused


@pytest.fixture
def attempts(monkeypatch: pytest.MonkeyPatch) -> NetworkAttempts:
    """Every way out of the process fails, and is recorded."""
    recorder = NetworkAttempts()
    monkeypatch.setattr(socket.socket, "connect", recorder.refuse("socket.connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", recorder.refuse("socket.connect_ex"))
    monkeypatch.setattr(socket, "create_connection", recorder.refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", recorder.refuse("getaddrinfo"))
    # tldextract's shared extractor fetches the suffix list on first use; spaCy downloads models.
    monkeypatch.setattr(tldextract, "extract", recorder.refuse("tldextract.extract"))
    monkeypatch.setattr(spacy.cli, "download", recorder.refuse("spacy.cli.download"))
    return recorder


def test_builds_and_redacts_emails_and_urls_with_the_network_blocked(
    tmp_path: Path, attempts: NetworkAttempts
) -> None:
    redactor = Redactor(RedactionSettings())
    text = "Mail zelda.quinlan@example-mail.com or see https://zelda.example.org/cv and www.zelda-cv.co.uk"
    redacted = redactor.redact_text(text, deadline=time.monotonic() + 5)
    assert redacted.text == "Mail <EMAIL_ADDRESS> or see <URL> and <URL>"
    assert attempts.calls == []


def test_an_uninstalled_ner_model_falls_back_to_patterns_without_downloading(
    tmp_path: Path, attempts: NetworkAttempts
) -> None:
    redactor = Redactor(RedactionSettings(ner_model="en_core_web_md"))
    assert redactor.mode == f"en_core_web_md is not installed, so {PATTERNS_ONLY_MODE}"
    assert redactor.redact_text("zelda@example.com", deadline=time.monotonic() + 5).text == "<EMAIL_ADDRESS>"
    assert attempts.calls == []


def test_nothing_is_written_to_the_data_dir(redactor: Redactor, data_dir: Path) -> None:
    redactor.redact_text("mail zelda@example.com", deadline=time.monotonic() + 5)
    assert list(data_dir.iterdir()) == []


def test_the_default_mode_says_names_are_not_detected_and_how_to_enable_them(redactor: Redactor) -> None:
    assert redactor.mode == PATTERNS_ONLY_MODE
    assert "PERSON/LOCATION not detected" in redactor.mode
    assert 'ner_model = "en_core_web_md"' in redactor.mode


def test_a_pipeline_with_entities_turns_on_person_location_and_nrp(tmp_path: Path) -> None:
    # A stand-in for en_core_web_md: an entity ruler, saved as a pipeline directory.
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns(  # type: ignore[attr-defined]
        [
            {"label": "PERSON", "pattern": "Zelda Quinlan"},
            {"label": "GPE", "pattern": "Reykjavik"},
            {"label": "NORP", "pattern": "Icelandic"},
            {"label": "ORG", "pattern": "Contoso"},
        ]
    )
    model = tmp_path / "ner-model"
    nlp.to_disk(model)
    redactor = Redactor(RedactionSettings(ner_model=str(model)))
    assert redactor.mode == f"patterns + NER with {model}"
    text = "Zelda Quinlan, an Icelandic engineer at Contoso, moved to Reykjavik (zelda@example.com)."
    redacted = redactor.redact_text(text, deadline=time.monotonic() + 5)
    assert redacted.text == "<PERSON>, an <NRP> engineer at Contoso, moved to <LOCATION> (<EMAIL_ADDRESS>)."
    assert redacted.counts == {"PERSON": 1, "NRP": 1, "LOCATION": 1, "EMAIL_ADDRESS": 1}


def test_nothing_quotes_content_in_the_logs_even_at_debug_level(
    redactor: Redactor, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    redactor.redact_text(CANARY_TEXT + " debug-level run", deadline=time.monotonic() + 5)
    assert [canary for canary in all_canaries() if canary in caplog.text] == []
