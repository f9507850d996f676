"""A read-only JSON pane: pretty-printed, syntax-highlighted, redaction placeholders marked.

Bodies are stored redacted; what redaction put in their place must stand out so
nobody mistakes ``<EMAIL_ADDRESS>`` for what the user sent. Placeholders
(``<EMAIL_ADDRESS>``, hashed ``<EMAIL_ADDRESS:3fa2c1d9>``) and masks (``****``)
get a tinted background. Text that isn't JSON is shown as is.

Highlighting runs on the GUI thread, so very large bodies are shown plain
(:data:`HIGHLIGHT_LIMIT`) to keep a paint well under the 50 ms budget.
"""

from __future__ import annotations

import json
import re

from PySide6.QtGui import QColor, QFont, QFontDatabase, QSyntaxHighlighter, QTextCharFormat, QTextDocument
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from lookout.ui import theme

HIGHLIGHT_LIMIT = 120_000  # characters
PLACEHOLDER = re.compile(r"<[A-Z][A-Z0-9_]+(?::[0-9a-f]{8})?>|\*{3,}")
# One pass, alternatives in priority order: a string is consumed whole (key or value),
# so quotes inside it can never start a token of their own.
_TOKENS = re.compile(
    r'(?P<key>"(?:[^"\\]|\\.)*"(?=\s*:))'
    r'|(?P<string>"(?:[^"\\]|\\.)*")'
    r"|(?P<number>(?<![\w.])-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)"
    r"|(?P<literal>\b(?:true|false|null)\b)"
)


def pretty_json(text: str | None) -> str:
    """``text`` indented if it is JSON, else unchanged ("" for None)."""
    if not text:
        return ""
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


def placeholders(text: str) -> list[str]:
    """The redaction placeholders and masks in ``text``, in order."""
    return PLACEHOLDER.findall(text)


class JsonHighlighter(QSyntaxHighlighter):
    """Colours JSON tokens and marks redaction placeholders; follows the theme."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self._formats: dict[str, QTextCharFormat] = {}
        self.restyle(theme.palette())

    def restyle(self, p: theme.Palette) -> None:
        colors = {
            "key": p.accent,
            "string": p.series_color(2),
            "number": p.series_color(1),
            "literal": p.series_color(3),
        }
        self._formats = {name: _format(QColor(color)) for name, color in colors.items()}
        marked = _format(QColor(p.error), bold=True)
        marked.setBackground(p.qcolor(p.warning, 60))
        self._formats["placeholder"] = marked
        self.rehighlight()

    def highlightBlock(self, text: str) -> None:
        for match in _TOKENS.finditer(text):
            kind = match.lastgroup or "string"
            self.setFormat(match.start(), match.end() - match.start(), self._formats[kind])
        for match in PLACEHOLDER.finditer(text):
            self.setFormat(match.start(), match.end() - match.start(), self._formats["placeholder"])


class JsonView(QPlainTextEdit):
    """Shows one redacted body; :meth:`show_text` pretty-prints and highlights it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self._highlighter = JsonHighlighter(self.document())
        theme.watcher().changed.connect(self._highlighter.restyle)

    def show_text(self, text: str | None, empty: str) -> None:
        """Show ``text`` pretty-printed, or the ``empty`` explanation when there is none."""
        pretty = pretty_json(text)
        # Detach the highlighter while a huge body goes in: setPlainText would highlight it all at once.
        self._highlighter.setDocument(None)
        if not pretty:
            self.setPlainText(empty)
            return
        self.setPlainText(pretty)
        if len(pretty) <= HIGHLIGHT_LIMIT:
            self._highlighter.setDocument(self.document())


def _format(color: QColor, *, bold: bool = False) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(color)
    if bold:
        fmt.setFontWeight(QFont.Weight.Bold)
    return fmt
