"""Chart builders: rendering offscreen, tooltips, legend toggling, restacking, theme, export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication

from lookout.ui import theme
from lookout.ui.charts import (
    SPARKLINE,
    Histogram,
    Series,
    histogram_chart,
    paint_sparkline,
    render_png,
    render_svg,
    save_png,
    sparkline_chart,
    time_series_chart,
    update_sparkline,
    update_time_series,
)
from lookout.ui.charts_bars import stacked_bar_chart
from tests.store.factories import NOW

HOURS = NOW + np.arange(0, 24 * 3600, 3600.0)


def _latency_series() -> list[Series]:
    return [
        Series(f"{model} {q}", HOURS, np.full(24, base * factor), group=model, dash=dash)
        for model, base in (("gpt-4o-mini", 400.0), ("claude-haiku-4-5", 700.0))
        for q, factor, dash in (("p50", 1, "solid"), ("p95", 2, "dash"), ("p99", 3, "dot"))
    ]


def _image(png: bytes) -> QImage:
    image = QImage()
    assert image.loadFromData(png, "PNG")
    return image


def test_time_series_renders_offscreen_to_png_and_svg(qapp: QApplication, tmp_path: Path) -> None:
    chart = time_series_chart(_latency_series(), title="Latency", unit="ms", palette=theme.LIGHT)
    image = _image(render_png(chart, 900, 320))
    assert (image.width(), image.height()) == (900, 320)
    assert QColor(image.pixel(450, 5)).name() == theme.LIGHT.background
    svg = render_svg(chart, 900, 320)
    assert svg.startswith(b"<?xml") and b"<svg" in svg and b'viewBox="0 0 900 320"' in svg
    save_png(chart, tmp_path / "chart.png")
    assert _image((tmp_path / "chart.png").read_bytes()).width() == chart.width()
    with pytest.raises(ValueError, match="positive"):
        render_png(chart, 0, 100)


def test_hover_tip_names_the_nearest_visible_point(qapp: QApplication) -> None:
    chart = time_series_chart(_latency_series(), title="Latency", unit="ms", palette=theme.LIGHT)
    render_png(chart, 900, 320)  # lays the chart out, as showing it would
    assert chart.tip is not None
    tip = chart.tip.show_at(QPointF(HOURS[3] + 60, 1390.0))
    assert tip is not None and tip.text.startswith("claude-haiku-4-5 p95\n") and tip.text.endswith("1.40 s")
    assert chart.tip.text == tip.text
    chart.curves["claude-haiku-4-5 p50"].setVisible(False)  # what clicking its legend entry does
    tip = chart.tip.show_at(QPointF(HOURS[3], 1390.0))
    assert tip is not None and tip.text.startswith("gpt-4o-mini p99")  # hidden lines are not hit
    assert chart.tip.show_at(QPointF(HOURS[3], 100_000.0)) is None


def test_legend_has_one_entry_per_model_and_toggles_all_its_lines(qapp: QApplication) -> None:
    chart = time_series_chart(_latency_series(), palette=theme.LIGHT)
    legend = chart.getPlotItem().legend
    assert [label.text for _, label in legend.items] == ["gpt-4o-mini", "claude-haiku-4-5"]
    sample, _ = legend.items[0]
    sample.item.setVisible(False)
    assert not any(chart.curves[f"gpt-4o-mini {q}"].isVisible() for q in ("p50", "p95", "p99"))
    assert chart.curves["claude-haiku-4-5 p99"].isVisible()


def test_update_in_place_keeps_curves_and_refuses_other_series(qapp: QApplication) -> None:
    series = _latency_series()
    chart = time_series_chart(series, palette=theme.LIGHT)
    curve = chart.curves["gpt-4o-mini p50"]
    doubled = [Series(s.name, s.x, np.asarray(s.y) * 2, s.group, s.dash) for s in series]
    assert update_time_series(chart, doubled)
    assert chart.curves["gpt-4o-mini p50"] is curve and curve.yData[0] == 800.0
    assert not update_time_series(chart, doubled[:2])


def test_stacked_bars_restack_when_a_key_is_hidden(qapp: QApplication) -> None:
    days = NOW - 86_400 * np.arange(3)[::-1]
    chart = stacked_bar_chart(days, {"a": [1.0, 2.0, 3.0], "b": [10.0, np.nan, 30.0]}, palette=theme.DARK)
    bars = chart.getPlotItem().legend.items
    a_bar, b_bar = (sample.item for sample, _ in bars)
    assert list(b_bar.opts["y0"]) == [1.0, 2.0, 3.0]
    a_bar.setVisible(False)
    assert list(b_bar.opts["y0"]) == [0.0, 0.0, 0.0]
    assert chart.tip is not None
    tip = chart.tip.show_at(QPointF(days[2] + 43_200, 5.0))
    assert tip is not None and tip.text.splitlines()[-1] == "total: $30.00"
    with pytest.raises(ValueError, match="2 values for 3 bars"):
        stacked_bar_chart(days, {"a": [1.0, 2.0]})


def test_histograms_on_a_log_axis(qapp: QApplication) -> None:
    edges = np.geomspace(100, 10_000, 9)
    chart = histogram_chart(
        [
            Histogram("text", edges, [1, 5, 9, 4, 2, 1, 0, 1]),
            Histogram("other", edges, [0, 1, 2, 8, 2, 0, 0, 0]),
        ],
        title="Latency",
        palette=theme.LIGHT,
    )
    render_png(chart, 600, 300)
    assert chart.tip is not None
    tip = chart.tip.show_at(QPointF(np.log10(150.0), 1.0))
    assert tip is not None and tip.text.splitlines() == ["100 ms – 178 ms", "text: 1", "other: 0"]
    labels = [label for label in (t[1] for t in chart.getPlotItem().getAxis("bottom")._tickLevels[0])]
    assert labels == ["100 ms", "200 ms", "500 ms", "1.00 s", "2.00 s", "5.00 s", "10.00 s"]
    with pytest.raises(ValueError, match="9 edges for 2 counts"):
        histogram_chart([Histogram("bad", edges, [1, 2])])


def test_charts_follow_the_theme(qapp: QApplication) -> None:
    watcher = theme.watcher()
    previous = watcher.current.scheme
    watcher.apply("light")
    chart = time_series_chart(_latency_series())
    try:
        watcher.apply("dark")
        assert chart.palette_ is theme.DARK
        image = _image(render_png(chart, 400, 200))
        assert QColor(image.pixel(200, 3)).name() == theme.DARK.background
        pen = chart.curves["gpt-4o-mini p50"].opts["pen"]
        assert pen.color().name() == theme.DARK.series_color(0)
    finally:
        watcher.apply(previous)


def test_sparklines(qapp: QApplication) -> None:
    chart = sparkline_chart([0, 1, 5, 2], color_role="error", palette=theme.LIGHT)
    assert (chart.width(), chart.height()) == (120, 32)
    curve = chart.curves[SPARKLINE]
    assert curve.opts["symbol"] is None  # a line, not a string of dots
    chart.restyle(theme.DARK)
    update_sparkline(chart, [3, 1, 4, 1, 5])
    assert curve.opts["symbol"] is None
    image = QImage(100, 20, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    paint_sparkline(painter, QRectF(0, 0, 100, 20), [0, 4, 1, 8], QColor(theme.LIGHT.error))
    painter.end()
    assert QColor(image.pixel(99, 1)).name() != "#ffffff"  # the peak at the right edge is drawn


def test_every_chart_offers_save_as_png(qapp: QApplication) -> None:
    chart = time_series_chart(_latency_series(), title="Latency")
    actions = [a.text() for a in chart.getPlotItem().getViewBox().menu.actions()]
    assert "Save as PNG…" in actions
