"""KPI cards: a figure, its change against the previous period, a note, and an optional sparkline.

Used by the Overview and Cost views. Colours come from :mod:`lookout.ui.theme`
and follow it: a rise is red when more is worse (errors, latency), green when
less is worse, and plain when neither (calls, tokens).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from lookout.ui import theme
from lookout.ui.charts import Chart, sparkline_chart, update_sparkline

Better = Literal["higher", "lower", "neither"]
SPARK_SIZE = (110, 34)


class KpiCard(QFrame):
    """One headline number. ``better`` says which direction of change is good news."""

    def __init__(self, title: str, *, better: Better = "neither", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("kpiCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._better = better
        self._change: float | None = None
        self.title = QLabel(title)
        self.value = QLabel("–")
        self.change = QLabel("")
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self._spark_box = QHBoxLayout()
        self._spark: Chart | None = None
        self._spark_role = ""
        text = QVBoxLayout()
        for label in (self.title, self.value, self.change, self.note):
            text.addWidget(label)
        text.addStretch(1)
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 10, 12, 10)
        row.addLayout(text, 1)
        row.addLayout(self._spark_box)
        self._restyle(theme.palette())
        theme.watcher().changed.connect(self._restyle)

    def show_value(self, text: str, *, note: str = "") -> None:
        self.value.setText(text)
        self.note.setText(note)
        self.note.setVisible(bool(note))

    def show_change(self, change: float | None, period: str) -> None:
        """``change`` is relative (0.12 = +12%); ``None`` when there is nothing to compare with."""
        self._change = change
        if change is None:
            self.change.setText(f"no data for the previous {period}")
        else:
            arrow = "▲" if change > 0 else "▼" if change < 0 else "="
            self.change.setText(f"{arrow} {abs(change) * 100:.0f}% vs previous {period}")
        self._restyle(theme.palette())

    def show_sparkline(self, values: ArrayLike, color_role: str = "accent") -> None:
        """A sparkline of ``values`` in a palette colour (``"accent"``, ``"error"``...)."""
        if self._spark is not None and self._spark_role == color_role:
            update_sparkline(self._spark, values)  # a new chart would cost ~30 ms (issue 6)
            return
        self._spark_role = color_role
        if self._spark is not None:
            self._spark_box.removeWidget(self._spark)
            self._spark.deleteLater()
        self._spark = sparkline_chart(
            np.asarray(values, float), color_role=color_role, width=SPARK_SIZE[0], height=SPARK_SIZE[1]
        )
        self._spark_box.addWidget(self._spark)

    def _restyle(self, p: theme.Palette) -> None:
        self.setStyleSheet(
            f"#kpiCard {{ background: {p.surface}; border: 1px solid {p.grid}; border-radius: 6px; }}"
        )
        self.title.setStyleSheet(f"color: {p.muted}; font-size: 12px;")
        self.value.setStyleSheet(f"color: {p.foreground}; font-size: 22px; font-weight: 600;")
        self.change.setStyleSheet(f"color: {self._change_color(p)}; font-size: 11px;")
        self.note.setStyleSheet(f"color: {p.warning}; font-size: 11px;")

    def _change_color(self, p: theme.Palette) -> str:
        if self._change is None or self._change == 0 or self._better == "neither":
            return p.muted
        good = (self._change > 0) == (self._better == "higher")
        return p.ok if good else p.error
