"""The Drift view's detail pane: one row's verdict, its two windows overlaid, and its drift over time.

Numeric metrics show both windows' values as histograms on shared buckets, each
as % of its own calls (a week and a day differ sevenfold in size). Rates and
mixes show the shares side by side. The drift score over time is PSI from the
stored snapshots, one line per baseline they were compared with, against the
moderate and major thresholds. The charts come from :mod:`lookout.ui.charts`
and :mod:`lookout.ui.charts_bars`.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from lookout.core.clock import parse_iso
from lookout.core.drift_config import DriftSettings
from lookout.store.drift import Snapshot
from lookout.ui import theme
from lookout.ui.charts import Histogram, Series, histogram_chart, time_series_chart
from lookout.ui.charts_bars import add_guides, category_bar_chart
from lookout.ui.models.drift import metric_label, metric_unit, severity_color, unit_label
from lookout.ui.views.drift_data import DriftDetail, shares

PROMPT = "Select a row to see both windows' distributions and its drift over time."


class DriftDetailPane(QWidget):
    """The title and the two chart slots (distribution, history) under the drift table."""

    def __init__(self, settings: DriftSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.title = QLabel(PROMPT)
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.distribution_slot = QVBoxLayout()
        self.history_slot = QVBoxLayout()
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
        self.clear()
        self.distribution_slot.addWidget(distribution_chart(row, detail))
        self.history_slot.addWidget(history_chart(row, detail, self.settings))

    def clear(self) -> None:
        for slot in (self.distribution_slot, self.history_slot):
            while slot.count():
                item = slot.takeAt(0)
                widget = item.widget() if item is not None else None
                if widget is not None:
                    widget.deleteLater()


def distribution_chart(row: Snapshot, detail: DriftDetail) -> QWidget:
    """Histograms overlaid for numbers, bars side by side for rates and mixes; a note if there is no data."""
    name = metric_label(row)
    baseline = f"baseline ({row.baseline_name})"
    if row.kind == "numeric":
        binned = detail.binned
        if binned is None:
            return placeholder(f"No {name} values in one of the windows.")
        sampled = ", sampled" if binned.sampled else ""
        counts = f"{binned.baseline_values:,} vs {binned.current_values:,} values{sampled}"
        hists = [
            Histogram(baseline, binned.edges, binned.baseline),
            Histogram("current", binned.edges, binned.current),
        ]
        title = f"{name}: % of calls per bucket ({counts})"
        return histogram_chart(hists, title=title, unit=metric_unit(row), log_x=binned.log_x, shares=True)
    categories, base, cur = shares(row)
    if row.severity == "insufficient" or not categories:
        return placeholder(f"Not enough calls to compare the {name}.")
    return category_bar_chart(
        categories, {baseline: base, "current": cur}, title=f"{name}: % of calls", unit="%"
    )


def history_chart(row: Snapshot, detail: DriftDetail, settings: DriftSettings) -> QWidget:
    """PSI over time from the stored snapshots, one line per baseline, with the grading thresholds."""
    points = [snap for snap in detail.history if snap.psi is not None]
    if len(points) < 2:
        return placeholder(
            "The drift score over time appears after two stored snapshots: the recorder stores "
            "one an hour while Lookout runs."
        )
    baselines = list(dict.fromkeys(snap.baseline_name for snap in points))
    series = [
        Series(
            f"PSI vs {name}",
            [parse_iso(s.computed_at) for s in points if s.baseline_name == name],
            [s.psi or 0.0 for s in points if s.baseline_name == name],
        )
        for name in baselines
    ]
    chart = time_series_chart(series, title=f"{metric_label(row)}: drift score (PSI) over time")
    guides = [("moderate", settings.psi_moderate, "warning"), ("major", settings.psi_major, "error")]
    add_guides(chart, guides)
    return chart


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
