"""The Drift view's detail pane: one row's verdict, its two windows overlaid, and its drift over time.

Numeric metrics show both windows' values as histograms on shared buckets, each
as % of its own calls (a week and a day differ sevenfold in size). Rates and
mixes show the shares side by side. The drift score over time is PSI from the
stored snapshots, one line per baseline they were compared with, against the
moderate and major thresholds. The charts come from :mod:`lookout.ui.charts`
and :mod:`lookout.ui.charts_bars`.

A new chart takes 25–40 ms to build and as long to paint, so the pane keeps its
charts and refills them: one histogram chart per unit and axis scale (latency
in ms on a log axis, tokens, dollars…) and one drift-score chart, built when
first needed. The work of showing a row is spread over event-loop turns (build,
fill, reveal), each well inside the 50 ms budget (issue 6). Only the bars of
rates and mixes are built anew, in a turn of their own.
"""

from __future__ import annotations

import html
from collections.abc import Iterator

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from lookout.core.clock import parse_iso
from lookout.core.drift_config import DriftSettings
from lookout.store.drift import Snapshot
from lookout.ui import theme
from lookout.ui.charts import (
    Chart,
    Histogram,
    Series,
    fill_histograms,
    fill_time_series,
    finish,
    histogram_frame,
    time_series_frame,
    update_histograms,
    update_time_series,
)
from lookout.ui.charts_bars import add_guides, category_bar_chart
from lookout.ui.charts_lines import retitle
from lookout.ui.models.drift import metric_label, metric_unit, severity_color, unit_label
from lookout.ui.turns import Job, TurnQueue, once
from lookout.ui.views.drift_data import Binned, DriftDetail, shares

PROMPT = "Select a row to see both windows' distributions and its drift over time."
NO_HISTORY = (
    "The drift score over time appears after two stored snapshots: the recorder stores "
    "one an hour while Lookout runs."
)


class Slot:
    """One chart place of the pane: a note, the charts kept there, and which of them shows."""

    def __init__(self, layout: QVBoxLayout) -> None:
        self.layout = layout
        self.note = placeholder("")
        layout.addWidget(self.note)
        self.shown: QWidget = self.note

    def add_hidden(self, widget: QWidget) -> QWidget:
        widget.hide()
        self.layout.addWidget(widget)
        return widget

    def show(self, widget: QWidget) -> None:
        """Show ``widget`` instead of what the slot shows now."""
        if widget is not self.shown:
            widget.show()
            self.shown.hide()
            self.shown = widget

    def say(self, text: str) -> None:
        self.note.setText(text)
        self.show(self.note)


class DriftDetailPane(QWidget):
    """The title and the two chart slots (distribution, history) under the drift table."""

    def __init__(self, settings: DriftSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.turns = TurnQueue(self)
        self.title = QLabel(PROMPT)
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.distribution_slot = QVBoxLayout()
        self.history_slot = QVBoxLayout()
        self.distribution = Slot(self.distribution_slot)
        self.history = Slot(self.history_slot)
        self._histograms: dict[tuple[str, bool], Chart] = {}  # by unit and log x
        self._bars: Chart | None = None
        self._history: Chart | None = None
        charts = QHBoxLayout()
        charts.addLayout(self.distribution_slot, 1)
        charts.addLayout(self.history_slot, 1)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 4, 0, 0)
        column.addWidget(self.title)
        column.addLayout(charts, 1)

    def show_row(self, row: Snapshot | None) -> None:
        """The row's title at once (its charts follow with :meth:`show_detail`); None clears the pane."""
        self.title.setText(PROMPT if row is None else describe(row))
        if row is None:
            self.clear()

    def show_detail(self, row: Snapshot, detail: DriftDetail) -> None:
        """Show the row's charts over the next event-loop turns."""
        self.turns.replace([self._distribution(row, detail), self._score_history(row, detail)])

    def clear(self) -> None:
        self.turns.replace([])
        self.distribution.say("")
        self.history.say("")

    def _distribution(self, row: Snapshot, detail: DriftDetail) -> Job:
        """Histograms overlaid for numbers, bars side by side for rates and mixes; a note if no data."""
        name = metric_label(row)
        if row.kind == "numeric":
            if detail.binned is None:
                return once(lambda: self.distribution.say(f"No {name} values in one of the windows."))
            return self._histogram(row, detail.binned)
        categories, base, cur = shares(row)
        if row.severity == "insufficient" or not categories:
            return once(lambda: self.distribution.say(f"Not enough calls to compare the {name}."))
        return self._category_bars(row, categories, base, cur)

    def _histogram(self, row: Snapshot, binned: Binned) -> Iterator[None]:
        key = (metric_unit(row), binned.log_x)
        chart = self._histograms.get(key)
        if chart is None:
            chart = histogram_frame(unit=key[0], log_x=key[1], shares=True)
            self._histograms[key] = chart
            self.distribution.add_hidden(chart)
            yield
        sampled = ", sampled" if binned.sampled else ""
        counts = f"{binned.baseline_values:,} vs {binned.current_values:,} values{sampled}"
        retitle(chart, f"{metric_label(row)}: % of calls per bucket ({counts})")
        hists = [
            Histogram(f"baseline ({row.baseline_name})", binned.edges, binned.baseline),
            Histogram("current", binned.edges, binned.current),
        ]
        if not update_histograms(chart, hists):
            finish(fill_histograms(chart, hists))
        yield
        self.distribution.show(chart)

    def _category_bars(
        self, row: Snapshot, categories: list[str], base: list[float], cur: list[float]
    ) -> Iterator[None]:
        groups = {f"baseline ({row.baseline_name})": base, "current": cur}
        title = f"{metric_label(row)}: % of calls"
        bars = category_bar_chart(categories, groups, title=title, unit="%")
        self.distribution.add_hidden(bars)
        yield
        old, self._bars = self._bars, bars
        self.distribution.show(bars)
        if old is not None:
            old.deleteLater()

    def _score_history(self, row: Snapshot, detail: DriftDetail) -> Iterator[None]:
        """PSI over time from the stored snapshots, one line per baseline, with the grading thresholds."""
        points = [snap for snap in detail.history if snap.psi is not None]
        if len(points) < 2:
            self.history.say(NO_HISTORY)
            return
        chart = self._history
        if chart is None:
            chart = self._history = time_series_frame()
            guides = [("moderate", self.settings.psi_moderate, "warning")]
            add_guides(chart, [*guides, ("major", self.settings.psi_major, "error")])
            self.history.add_hidden(chart)
            yield
        baselines = list(dict.fromkeys(snap.baseline_name for snap in points))
        series = [
            Series(
                f"PSI vs {name}",
                [parse_iso(s.computed_at) for s in points if s.baseline_name == name],
                [s.psi or 0.0 for s in points if s.baseline_name == name],
            )
            for name in baselines
        ]
        retitle(chart, f"{metric_label(row)}: drift score (PSI) over time")
        if not update_time_series(chart, series):
            finish(fill_time_series(chart, series))
        yield
        self.history.show(chart)


def describe(row: Snapshot) -> str:
    """The row's unit and metric, its verdict in its severity's colour, and the windows' sizes."""
    color = severity_color(row) or theme.palette().foreground
    sampled = " · windows sampled" if row.sampled else ""
    return (
        f"<b>{html.escape(unit_label(row))} — {html.escape(metric_label(row))}</b><br>"
        f"<span style='color:{color}'>{html.escape(row.verdict)}</span><br>"
        f"<span style='color:{theme.palette().muted}'>baseline “{html.escape(row.baseline_name)}”: "
        f"{row.baseline_calls:,} calls · current: {row.current_calls:,} calls{sampled}</span>"
    )


def placeholder(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setStyleSheet(f"color: {theme.palette().muted}; padding: 24px;")
    return label
