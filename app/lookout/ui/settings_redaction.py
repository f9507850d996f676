"""Settings › Redaction: NER model and status, operators per entity, and a "try it" pane.

"Try it" runs the real :class:`~lookout.redaction.Redactor`, built from the
settings on the page (saved or not), on the worker thread: what it shows is
exactly what the recorder would store for that text. The pasted text stays in
this process's memory; nothing is written or sent. Presidio is imported only
when the page first needs it, so the app starts fast.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
)

from lookout.core.config import OPERATORS, Operator, RedactionSettings
from lookout.ui.settings_page import SettingsPage

if TYPE_CHECKING:
    from lookout.redaction import Redactor

TRY_BUDGET_S = 10.0
SAMPLE = "Hi, I'm Jane Doe (jane.doe@example.com, +1 415 555 0100). My key is sk-proj-abc123def456ghi789jkl0."


@dataclass(frozen=True, slots=True)
class TryResult:
    mode: str
    entities: tuple[str, ...]
    text: str | None  # None: redaction failed closed, nothing would be stored
    counts: Mapping[str, int] = field(default_factory=dict)
    dropped_reason: str | None = None


class RedactorCache:
    """One built Redactor per settings (building Presidio takes about a second). Worker thread only."""

    def __init__(self) -> None:
        self._settings: RedactionSettings | None = None
        self._redactor: Redactor | None = None

    def get(self, settings: RedactionSettings) -> Redactor:
        if self._redactor is None or settings != self._settings:
            from lookout.redaction import Redactor

            self._redactor, self._settings = Redactor(settings), settings
        return self._redactor

    def try_text(self, settings: RedactionSettings, text: str) -> TryResult:
        """``text`` as the recorder would store it in a request body (JSON keeps its structure)."""
        redactor = self.get(settings)
        body = redactor.redact_body(text.encode(), "text/plain", deadline=time.monotonic() + TRY_BUDGET_S)
        entities = tuple(redactor.detector.entities)
        return TryResult(redactor.mode, entities, body.text, body.counts, body.dropped_reason)


class RedactionPage(SettingsPage):
    title = "Redaction"

    def build(self) -> None:
        self.cache = RedactorCache()
        self.entity_boxes: dict[str, QComboBox] = {}
        self._saved_operators: dict[str, Operator] = {}
        form = self.group("Detection")
        self.ner_model = QLineEdit()
        self.ner_model.setMinimumWidth(420)
        self.ner_model.setPlaceholderText("none: patterns only (e.g. en_core_web_md once installed)")
        form.addRow("NER model", self.ner_model)
        self.mode = QLabel("…")
        self.mode.setWordWrap(True)
        form.addRow("Status", self.mode)
        self.default_operator = QComboBox()
        self.default_operator.addItems(OPERATORS)
        form.addRow("Default operator", self.default_operator)
        self.entities = QTableWidget(0, 2)
        self.entities.setHorizontalHeaderLabels(["Entity", "Operator"])
        self.entities.horizontalHeader().setStretchLastSection(True)
        self.entities.verticalHeader().hide()
        self.entities.setMinimumSize(460, 200)
        self.entities.setColumnWidth(0, 230)
        form.addRow("Per entity", self.entities)
        save = QPushButton("Save redaction settings")
        save.clicked.connect(self.save_settings)
        form.addRow(save)
        self.layout_.addLayout(self._try_pane())

    def _try_pane(self) -> QVBoxLayout:
        pane = QVBoxLayout()
        pane.addWidget(QLabel("<b>Try it</b>: paste text and see what would be stored (nothing is saved)."))
        row = QHBoxLayout()
        self.try_input = QPlainTextEdit(SAMPLE)
        self.try_output = QPlainTextEdit()
        self.try_output.setReadOnly(True)
        row.addWidget(self.try_input)
        row.addWidget(self.try_output)
        pane.addLayout(row)
        buttons = QHBoxLayout()
        self.try_button = QPushButton("Show what would be stored")
        self.try_button.clicked.connect(self.try_it)
        self.try_counts = QLabel("")
        buttons.addWidget(self.try_button)
        buttons.addWidget(self.try_counts, 1)
        pane.addLayout(buttons)
        return pane

    def load(self) -> None:
        settings = self.current().redaction
        self.ner_model.setText(settings.ner_model or "")
        self.default_operator.setCurrentText(settings.default_operator)
        self._saved_operators = dict(settings.operators)
        self.try_it()  # builds the redactor, which also lists the entities and the mode

    def settings(self) -> RedactionSettings:
        """The settings as the page shows them now."""
        default: Operator = self.default_operator.currentText()  # type: ignore[assignment]
        # Until the detector has listed its entities, the saved per-entity choices stand.
        operators: dict[str, Operator] = (
            {
                entity: box.currentText()  # type: ignore[misc]
                for entity, box in self.entity_boxes.items()
                if box.currentText() != default
            }
            if self.entity_boxes
            else dict(self._saved_operators)
        )
        base = self.current().redaction
        return RedactionSettings(
            ner_model=self.ner_model.text().strip() or None,
            default_operator=default,
            operators=operators,
            time_budget_s=base.time_budget_s,
        )

    def save_settings(self) -> None:
        settings = self.settings()
        changes: dict[tuple[str, ...], Any] = {
            ("redaction", "ner_model"): settings.ner_model,
            ("redaction", "default_operator"): settings.default_operator,
            ("redaction", "operators"): None,
        }
        changes |= {("redaction", "operators", entity): op for entity, op in settings.operators.items()}
        self.save(changes)

    def try_it(self) -> None:
        settings, text = self.settings(), self.try_input.toPlainText()
        self.try_button.setEnabled(False)
        self.try_counts.setText("Redacting (the first run builds the detector, about a second)…")
        self.worker.start(lambda: self.cache.try_text(settings, text), self._show_try)

    def _show_try(self, result: TryResult | Exception) -> None:
        self.try_button.setEnabled(True)
        if isinstance(result, Exception):
            self.try_counts.setText(f"Redaction is not available: {type(result).__name__}: {result}")
            return
        self.mode.setText(result.mode)
        self._fill_entities(result.entities)
        if result.text is None:
            self.try_output.setPlainText("")
            self.try_counts.setText(f"Nothing would be stored: {result.dropped_reason}.")
            return
        self.try_output.setPlainText(result.text)
        found = ", ".join(f"{entity} × {count}" for entity, count in sorted(result.counts.items()))
        self.try_counts.setText(f"Found: {found}" if found else "Nothing found to redact.")

    def _fill_entities(self, entities: tuple[str, ...]) -> None:
        if list(self.entity_boxes) == list(entities):
            return
        chosen = {**self._saved_operators, **{e: b.currentText() for e, b in self.entity_boxes.items()}}
        self.entities.setRowCount(len(entities))
        self.entity_boxes = {}
        for row, entity in enumerate(entities):
            self.entities.setCellWidget(row, 0, QLabel(f" {entity}"))
            box = QComboBox()
            box.addItems(OPERATORS)
            box.setCurrentText(chosen.get(entity, self.default_operator.currentText()))
            self.entities.setCellWidget(row, 1, box)
            self.entity_boxes[entity] = box
