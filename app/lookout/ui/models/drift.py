"""The drift table's columns: how one :class:`~lookout.store.drift.Snapshot` row reads, sorts and is coloured.

Figures read like ``lookout drift``'s: numeric metrics as ``median / p95``,
rates as a share of calls, mixes as the share of the baseline's top category
(``82% gpt-4o-2024-08-06``); a p-value test's score is its (adjusted) p-value,
a distance test's the distance. A row below the minimum samples shows no figures and says
"not enough data", never a verdict. Severity colours the change and the verdict:
a model swap in the critical colour, major drift in the error colour, moderate
in the warning colour, "not enough data" muted.
"""

from __future__ import annotations

from lookout.analysis.drift_metrics import METRICS_BY_NAME
from lookout.analysis.drift_verdict import TEST_NAMES, p_value, percent, signed_percent
from lookout.store.drift import Snapshot
from lookout.store.drift_windows import Unit
from lookout.ui import theme
from lookout.ui.charts_format import format_value
from lookout.ui.models.rows import Column

# Sorting the verdict puts the worst first: swaps, major, moderate, none, then too little data.
SEVERITY_RANK = {"swap": 0, "major": 1, "moderate": 2, "none": 3, "insufficient": 4}
METRIC_ORDER = {name: index for index, name in enumerate(METRICS_BY_NAME)}
# Units whose number reads without a suffix in a narrow cell (the metric's name says it).
_BARE_UNITS = ("tokens", "chars")


def row_key(row: Snapshot) -> tuple[str, str | None, str | None, str]:
    """What identifies a row across refreshes: its unit and metric."""
    return row.upstream, row.model, row.operation, row.metric


def severity_of(row: Snapshot) -> str:
    """``swap``, ``major``, ``moderate``, ``none`` or ``insufficient``."""
    return "swap" if row.swapped else row.severity


def severity_color(row: Snapshot) -> str | None:
    """The row's colour in the current theme; None (the text colour) for no drift."""
    p = theme.palette()
    colors = {"swap": p.critical, "major": p.error, "moderate": p.warning, "insufficient": p.muted}
    return colors.get(severity_of(row))


def unit_label(row: Snapshot) -> str:
    return Unit(row.upstream, row.model, row.operation).label


def metric_label(row: Snapshot) -> str:
    metric = METRICS_BY_NAME.get(row.metric)
    return metric.label if metric else row.metric


def metric_unit(row: Snapshot) -> str:
    metric = METRICS_BY_NAME.get(row.metric)
    return metric.unit if metric else ""


def number(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    return format_value(value, "" if unit in _BARE_UNITS else unit)


def side_text(row: Snapshot, side: str) -> str:
    """One window's headline: ``median / p95``, a rate, or the top category's share."""
    baseline = side == "baseline"
    if row.severity == "insufficient":
        return "–"
    if row.kind == "numeric":
        median = row.baseline_median if baseline else row.current_median
        p95 = row.baseline_p95 if baseline else row.current_p95
        return f"{number(median, metric_unit(row))} / {number(p95, metric_unit(row))}"
    value = row.baseline_value if baseline else row.current_value
    # The share first: a long model name is elided at the end, never the figure.
    return percent(value) if row.kind == "rate" else f"{percent(value)} {row.label}"


def side_tooltip(row: Snapshot, side: str) -> str:
    baseline = side == "baseline"
    n, calls = (row.baseline_n, row.baseline_calls) if baseline else (row.current_n, row.current_calls)
    start, end = (row.baseline_from, row.baseline_to) if baseline else (row.current_from, row.current_to)
    figures = {"numeric": "median / p95", "rate": "share of calls"}
    figure = figures.get(row.kind, f"share of calls answered “{row.label}”")
    window = f"{start[:16].replace('T', ' ')} → {end[:16].replace('T', ' ')} UTC"
    return f"{figure}\n{window}\n{n:,} values from {calls:,} calls"


def score(row: Snapshot) -> float | None:
    """What the test compares with its threshold: the adjusted p-value, or the distance."""
    if row.p_value is not None:
        return row.p_adjusted if row.p_adjusted is not None else row.p_value
    return row.statistic


def score_text(row: Snapshot) -> str:
    value = score(row)
    if value is None or row.test == "none":
        return "–"
    return p_value(value) if row.p_value is not None else f"{value:.2f}"


def score_tooltip(row: Snapshot) -> str | None:
    if row.test == "none":
        return None
    parts = [f"{TEST_NAMES.get(row.test, row.test)} statistic {_fixed(row.statistic)}"]
    if row.p_value is not None:
        parts.append(f"p {_fixed(row.p_value)}, adjusted over the unit's tests {_fixed(row.p_adjusted)}")
    parts.append(f"PSI {_fixed(row.psi)} · KL {_fixed(row.kl)}")
    return "\n".join(parts)


def _fixed(value: float | None) -> str:
    return "–" if value is None else f"{value:.4g}"


def change_text(row: Snapshot) -> str:
    return "–" if row.severity == "insufficient" or row.change is None else signed_percent(row.change)


def drift_columns() -> list[Column[Snapshot]]:
    return [
        Column("Unit", unit_label, tooltip=lambda r: "upstream · model · operation"),
        Column("Metric", metric_label, sort=lambda r: METRIC_ORDER.get(r.metric, 99)),
        Column("Baseline", lambda r: side_text(r, "baseline"), numeric=True,
               tooltip=lambda r: side_tooltip(r, "baseline")),
        Column("Current", lambda r: side_text(r, "current"), numeric=True,
               tooltip=lambda r: side_tooltip(r, "current")),
        Column("Change", change_text, sort=lambda r: r.change, numeric=True, color=severity_color),
        Column("Test", lambda r: "–" if r.test == "none" else TEST_NAMES.get(r.test, r.test)),
        Column("Score", score_text, sort=score, numeric=True, tooltip=score_tooltip),
        Column("PSI", lambda r: "–" if r.psi is None else f"{r.psi:.2f}", sort=lambda r: r.psi, numeric=True),
        Column("Verdict", lambda r: r.verdict, sort=lambda r: SEVERITY_RANK.get(severity_of(r), 9),
               color=severity_color, tooltip=lambda r: r.verdict),
    ]  # fmt: skip
