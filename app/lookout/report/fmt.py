"""How a report writes numbers, times and changes, the same way in Markdown, HTML and PDF.

No Qt here (Markdown must not load it), so this mirrors the app's chart
formats (``ui/charts_style.format_value``) rather than importing them.
"""

from __future__ import annotations

from lookout.report.model import Kpi, KpiUnit
from lookout.store.rollup_cells import MAX_RELATIVE_ERROR

DASH = "–"
SPARK_BLOCKS = "▁▂▃▄▅▆▇█"
APPROXIMATE_NOTE = (
    f"≈: estimated from hourly histograms, within {MAX_RELATIVE_ERROR * 100:.1f} % of the exact value"
)


def count(value: float | None) -> str:
    return DASH if value is None else f"{value:,.0f}"


def ms(value: float | None, approximate: bool = False) -> str:
    """A duration; ``approximate`` marks an estimated percentile with "≈" (see :data:`APPROXIMATE_NOTE`)."""
    if value is None:
        return DASH
    text = f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.0f} ms"
    return f"≈ {text}" if approximate else text


def ratio(value: float | None) -> str:
    return DASH if value is None else f"{value * 100:.1f} %"


def tokens(value: float | None) -> str:
    if value is None:
        return DASH
    for size, suffix in ((1e9, " B"), (1e6, " M"), (1e3, " k")):
        if abs(value) >= size:
            return f"{value / size:.1f}{suffix}"
    return f"{value:.0f}"


def usd(value: float | None) -> str:
    if value is None:
        return "unpriced"
    if value == 0 or abs(value) >= 0.01:
        return f"${value:,.2f}"
    return f"${value:.4f}"


def by_unit(value: float | None, unit: KpiUnit) -> str:
    return {"count": count, "ratio": ratio, "ms": ms, "tokens": tokens, "usd": usd}[unit](value)


def kpi_value(item: Kpi) -> str:
    return ms(item.value, item.approximate) if item.unit == "ms" else by_unit(item.value, item.unit)


def change(item: Kpi) -> str:
    """The change against the previous period, as a phrase: points for rates, per cent otherwise."""
    if item.value is None or item.previous is None:
        return "no data for the previous period"
    if item.unit == "ratio":
        return f"{_signed((item.value - item.previous) * 100, 1)} pp vs previous period"
    if item.change is None:
        return "none in the previous period" if item.value else "none in either period"
    return f"{_signed(item.change * 100, 0)} % vs previous period"


def relative(value: float | None) -> str:
    return DASH if value is None else f"{_signed(value * 100, 0)} %"


def when(iso: str | None) -> str:
    """``2026-11-28T20:32:26.123Z`` -> ``2026-11-28 20:32 UTC``."""
    if not iso:
        return DASH
    return f"{iso[:10]} {iso[11:16]} UTC" if len(iso) >= 16 else iso


def sparkline(values: list[int]) -> str:
    """Counts as block characters, for text formats (charts draw the real thing)."""
    if not values:
        return ""
    top = max(values)
    if top == 0:
        return SPARK_BLOCKS[0] * len(values)
    last = len(SPARK_BLOCKS) - 1
    return "".join(SPARK_BLOCKS[round(value / top * last)] for value in values)


def model_name(model: str | None) -> str:
    return model if model is not None else "(unknown model)"


def _signed(value: float, digits: int) -> str:
    text = f"{abs(value):,.{digits}f}"
    if float(text.replace(",", "")) == 0:
        return f"±{text}"
    return f"+{text}" if value > 0 else f"−{text}"


HIGHER_IS_WORSE = frozenset({"error_rate", "latency_p50_ms", "latency_p95_ms", "ttft_p50_ms", "spend_usd"})


def tone(item: Kpi) -> str:
    """``worse``, ``better`` or ``neutral``: how a reader should take the change (for colour)."""
    if item.value is None or item.previous is None or item.value == item.previous:
        return "neutral"
    if item.key not in HIGHER_IS_WORSE:
        return "neutral"
    return "worse" if item.value > item.previous else "better"
