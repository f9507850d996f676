"""How ``lookout drift`` prints: the per-unit table and the JSON, from snapshot-shaped results.

Both :mod:`lookout.drift_cli` paths (the recorder's snapshot, or a computation
now) end as :class:`UnitResult`, so there is one way to print each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lookout.analysis.drift_metrics import MetricDrift
    from lookout.store.drift import Baseline
    from lookout.store.drift_windows import Unit, Windows

HEADERS = ("metric", "baseline", "current", "change", "test", "score", "PSI", "verdict")


@dataclass(frozen=True, slots=True)
class Side:
    """One window of a unit: its calls, and how many of them were read."""

    calls: int
    rows: int

    @property
    def sampled(self) -> bool:
        return self.rows < self.calls


@dataclass(frozen=True, slots=True)
class UnitResult:
    """One unit's comparison as printed: its windows and every metric's drift."""

    unit: Unit
    windows: Windows
    baseline: Side
    current: Side
    metrics: tuple[MetricDrift, ...]


# --- table ------------------------------------------------------------------------------


def unit_table(result: UnitResult) -> str:
    windows = result.windows
    baseline = _window(windows.baseline_from, windows.baseline_to, result.baseline)
    current = _window(windows.current_from, windows.current_to, result.current)
    return "\n".join(
        [
            result.unit.label,
            f"  baseline {windows.baseline_name}: {baseline}",
            f"  current: {current}",
            table(HEADERS, [_metric_row(metric) for metric in result.metrics]),
        ]
    )


def _metric_row(metric: MetricDrift) -> tuple[str, ...]:
    from lookout.analysis.drift_metrics import METRICS_BY_NAME
    from lookout.analysis.drift_verdict import TEST_NAMES, movement, p_value, signed_percent

    label, unit = METRICS_BY_NAME[metric.metric].label, METRICS_BY_NAME[metric.metric].unit

    if metric.severity == "insufficient":
        counts = f"{metric.baseline.n} / {metric.current.n} values"
        return (label, "", "", "", "", "", "", f"not enough data ({counts})")
    result = metric.result
    value = result.score
    score = "-" if value is None else p_value(value) if result.p_value is not None else f"{value:.2f}"
    psi = f"{metric.divergence.psi:.2f}" if metric.divergence else "-"
    if metric.swapped:
        verdict = f"MODEL SWAP: {', '.join(metric.new_values)}"
    elif metric.severity == "none":
        verdict = "no drift"
    else:
        verdict = f"{metric.severity.upper()}: {movement(metric)}"
    cells = [_cell(metric, side, unit) for side in ("baseline", "current")]
    test = TEST_NAMES[result.test]
    return (label, *cells, signed_percent(metric.change), test, score, psi, verdict)


def _cell(metric: MetricDrift, side: str, unit: str) -> str:
    from lookout.analysis.drift_verdict import percent

    summary = metric.baseline if side == "baseline" else metric.current
    if metric.kind == "rate":
        return percent(summary.value)
    if metric.kind == "categorical":
        return f"{metric.label} {percent(summary.value)}"
    return f"{_number(summary.median, unit)} / {_number(summary.p95, unit)}"


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "$":
        return f"${value:.4f}" if value >= 0.01 else f"${value:.6f}"
    text = f"{value:,.1f}" if abs(value) < 100 and unit == "tok/s" else f"{value:,.0f}"
    return f"{text} {unit}" if unit in ("ms", "tok/s") else text


def _window(start: str, end: str, rows: Side) -> str:
    sampled = f", sampled {rows.rows:,}" if rows.sampled else ""
    return f"{_minute(start)} → {_minute(end)} UTC, {rows.calls:,} calls{sampled}"


def table(headers: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    widths = [max([len(h), *(len(row[i]) for row in rows)]) for i, h in enumerate(headers)]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()

    return "\n".join([line(headers), "  ".join("-" * w for w in widths), *(line(row) for row in rows)])


def _minute(iso: str) -> str:
    return iso[:16].replace("T", " ")


def day(iso: str) -> str:
    return iso[:10] if iso.endswith("T00:00:00.000Z") else _minute(iso)


# --- JSON -------------------------------------------------------------------------------


def unit_json(result: UnitResult, source: str, computed_at: str) -> dict[str, Any]:
    windows = result.windows
    return {
        "upstream": result.unit.upstream,
        "model": result.unit.model,
        "operation": result.unit.operation,
        "baseline": {
            "name": windows.baseline_name,
            "from": windows.baseline_from,
            "to": windows.baseline_to,
            "calls": result.baseline.calls,
            "sampled": result.baseline.sampled,
        },
        "current": {
            "from": windows.current_from,
            "to": windows.current_to,
            "calls": result.current.calls,
            "sampled": result.current.sampled,
        },
        "metrics": [_metric_json(metric) for metric in result.metrics],
        "source": source,  # "snapshot": the recorder's hourly run; "computed": now
        "computed_at": computed_at,
    }


def _metric_json(metric: MetricDrift) -> dict[str, Any]:
    def side(summary: Any) -> dict[str, Any]:
        return {
            "n": summary.n,
            "value": summary.value,
            "median": summary.median,
            "p95": summary.p95,
            "shares": dict(summary.shares),
        }

    return {
        "metric": metric.metric,
        "kind": metric.kind,
        "test": metric.result.test,
        "statistic": metric.result.statistic,
        "p_value": metric.result.p_value,
        "p_adjusted": metric.result.p_adjusted,
        "score": metric.result.score,
        "psi": metric.divergence.psi if metric.divergence else None,
        "kl": metric.divergence.kl if metric.divergence else None,
        "baseline": side(metric.baseline),
        "current": side(metric.current),
        "change": metric.change,
        "severity": metric.severity,
        "verdict": metric.verdict,
        "label": metric.label,
        "new_values": list(metric.new_values),
        "model_swap": metric.swapped,
    }


def baseline_json(baseline: Baseline) -> dict[str, Any]:
    return {
        "name": baseline.name,
        "from": baseline.start,
        "to": baseline.end,
        "created_at": baseline.created_at,
        "note": baseline.note,
    }
