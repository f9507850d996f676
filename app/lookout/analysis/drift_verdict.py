"""The sentence a person reads for one metric's drift, and the number formats it shares.

Examples::

    major drift: median +12%, p95 +38% (Wasserstein 0.45, PSI 0.31 major)
    moderate drift: 2.0% → 6.1% of calls (z p=0.002, PSI 0.14 moderate)
    model swap: gpt-4o-2024-11-20 answers 10% of calls, absent from the baseline (JS 0.23, PSI 0.69 major)
    no drift (KS p=0.410, PSI 0.03)
    not enough data: 12 baseline, 240 current (need 30 each)

Pure functions over a :class:`~lookout.analysis.drift_metrics.MetricDrift`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lookout.analysis.drift import TestResult, Thresholds, psi_grade, relative_change

if TYPE_CHECKING:
    from lookout.analysis.drift_metrics import MetricDrift

TEST_NAMES = {
    "ks": "KS",
    "wasserstein": "Wasserstein",
    "chi2": "chi²",
    "z": "z",
    "jensenshannon": "JS",
    "none": "-",
}


def verdict(drift: MetricDrift, thresholds: Thresholds) -> str:
    """One line: the severity, what moved and by how much, and the evidence."""
    if drift.severity == "insufficient":
        return (
            f"not enough data: {drift.baseline.n} baseline, {drift.current.n} current "
            f"(need {thresholds.min_samples} each)"
        )
    evidence = f"({test_summary(drift.result)}{_psi(drift, thresholds)})"
    if drift.swapped:
        share = sum(drift.current.shares[value] for value in drift.new_values)
        models = ", ".join(drift.new_values)
        return f"model swap: {models} answers {percent(share)} of calls, absent from the baseline {evidence}"
    if drift.severity == "none":
        return f"no drift {evidence}"
    return f"{drift.severity} drift: {movement(drift)} {evidence}"


def movement(drift: MetricDrift) -> str:
    """What moved: medians and p95s, a rate, or the category whose share changed most."""
    base, cur = drift.baseline, drift.current
    if drift.kind == "numeric":
        return (
            f"median {signed_percent(drift.change)}, p95 {signed_percent(relative_change(base.p95, cur.p95))}"
        )
    if drift.kind == "rate":
        return f"{percent(base.value)} → {percent(cur.value)} of calls"
    moved = max(cur.shares, key=lambda label: abs(cur.shares[label] - base.shares.get(label, 0.0)))
    return f"{moved} {percent(base.shares.get(moved, 0.0))} → {percent(cur.shares[moved])}"


def test_summary(result: TestResult) -> str:
    """``KS p=0.003`` or ``Wasserstein 0.45``: the test and the number it decided on."""
    name = TEST_NAMES[result.test]
    if result.p_adjusted is not None:
        return f"{name} {p_value(result.p_adjusted)} adjusted"
    if result.p_value is not None:
        return f"{name} {p_value(result.p_value)}"
    return f"{name} {result.statistic:.2f}" if result.statistic is not None else name


def p_value(value: float) -> str:
    return "p<0.001" if value < 0.001 else f"p={value:.3f}"


def percent(value: float | None) -> str:
    """A share as a percentage, with one decimal below 10 %."""
    if value is None:
        return "-"
    return f"{value:.1%}" if value < 0.1 else f"{value:.0%}"


def signed_percent(change: float | None) -> str:
    """A relative change such as ``+38%``; ``-`` when it has no meaning."""
    if change is None:
        return "-"
    return f"{change:+.0%}" if abs(change) >= 0.01 else f"{change:+.1%}"


def _psi(drift: MetricDrift, thresholds: Thresholds) -> str:
    if drift.divergence is None:
        return ""
    psi = drift.divergence.psi
    grade = psi_grade(psi, thresholds)
    return f", PSI {psi:.2f}" + (f" {grade}" if grade != "small" else "")
