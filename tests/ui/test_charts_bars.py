"""Stacked bar charts kept and updated in place (the Cost view's spend chart)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QApplication

from lookout.ui import theme
from lookout.ui.charts import finish
from lookout.ui.charts_bars import StackedBars
from tests.store.factories import NOW


def test_stacked_bars_update_in_place(qapp: QApplication) -> None:
    days = NOW - 86_400 * np.arange(3)[::-1]
    bars = StackedBars(palette=theme.LIGHT)
    bars.show(days, {"a": [1.0, 2.0, 3.0], "b": [1.0, 1.0, 1.0]}, bar_width_s=86_400)
    finish(bars.label())
    a_bar, b_bar = bars.bars["a"][1], bars.bars["b"][1]
    hours = NOW - 3600 * np.arange(4)[::-1]
    bars.show(hours, {"b": [5.0, 0, 0, 1.0], "c": [1.0, 1.0, 1.0, 1.0]}, bar_width_s=3600, title="Per hour")
    finish(bars.label())
    assert bars.bars["b"][1] is b_bar and "a" not in bars.bars
    assert a_bar not in bars.chart.getPlotItem().items
    assert list(bars.bars["c"][1].opts["y0"]) == [5.0, 0.0, 0.0, 1.0]  # stacked on b, in the new order
    assert [label.text for _, label in bars.chart.getPlotItem().legend.items] == ["b", "c"]
    assert bars.chart.title == "Per hour"
    assert bars.chart.tip is not None
    tip = bars.chart.tip.show_at(QPointF(hours[0] + 1800, 1.0))
    assert tip is not None and tip.text.splitlines()[-1] == "total: $6.00"


def test_one_key_has_no_legend_and_hiding_restacks(qapp: QApplication) -> None:
    days = NOW - 86_400 * np.arange(2)[::-1]
    bars = StackedBars(palette=theme.DARK)
    bars.show(days, {"a": [1.0, 2.0], "b": [3.0, 4.0]}, bar_width_s=86_400)
    finish(bars.label())
    bars.bars["a"][1].setVisible(False)
    assert list(bars.bars["b"][1].opts["y0"]) == [0.0, 0.0]
    bars.show(days, {"b": [3.0, 4.0]}, bar_width_s=86_400)
    finish(bars.label())
    assert bars.chart.getPlotItem().legend.items == []
