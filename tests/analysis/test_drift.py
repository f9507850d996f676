"""Drift statistics on synthetic traffic with known shifts: detected when real, quiet when not."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy import stats

from lookout.analysis.drift import (
    Thresholds,
    categorical_test,
    divergence,
    numeric_divergence,
    numeric_test,
    two_proportion_z,
)
from lookout.analysis.drift_metrics import (
    METRICS_BY_NAME,
    Columns,
    MetricDrift,
    compare_metric,
    compare_unit,
)

THRESHOLDS = Thresholds()
OLD_SNAPSHOT = "gpt-4o-2024-08-06"
NEW_SNAPSHOT = "gpt-4o-2024-11-20"
# (baseline, current) sizes: p-value tests (a side ≤ 1000), and distances (both larger).
SMALL = (600, 200)
LARGE = (4000, 2000)


def traffic(
    rng: np.random.Generator,
    n: int,
    *,
    slower: float = 1.0,
    swap: float = 0.0,
    errors: float = 0.03,
    truncated: float = 0.04,
    **columns: Any,
) -> Columns:
    """``n`` calls of one unit, like the recorder stores them: ~3% failures, lognormal latency."""
    outcome = np.where(rng.random(n) < errors, "error", "ok")
    output_tokens = rng.integers(1, 1500, n).astype(float)
    traffic: dict[str, Any] = {
        "outcome": outcome,
        "latency_ms": rng.lognormal(6.5, 0.6, n) * slower,
        "ttft_ms": np.full(n, np.nan),  # not streamed
        "input_tokens": rng.integers(50, 4000, n).astype(float),
        "output_tokens": output_tokens,
        "cost_usd": output_tokens * 6e-7 + rng.random(n) * 1e-4,
        "response_chars": output_tokens * 4 + rng.integers(0, 4, n),
        "refusal": (rng.random(n) < 0.01).astype(float),
        "empty_response": (rng.random(n) < 0.005).astype(float),
        "finish_reason": np.where(rng.random(n) < truncated, "length", "stop"),
        "response_model": np.where(rng.random(n) < swap, NEW_SNAPSHOT, OLD_SNAPSHOT),
    }
    traffic.update(columns)
    return traffic


def by_metric(drifts: tuple[MetricDrift, ...]) -> dict[str, MetricDrift]:
    return {drift.metric: drift for drift in drifts}


def flagged(drifts: tuple[MetricDrift, ...]) -> set[str]:
    return {drift.metric for drift in drifts if drift.severity in ("moderate", "major")}


@pytest.mark.parametrize(("sizes", "test"), [(SMALL, "ks"), (LARGE, "wasserstein")])
def test_a_30_percent_latency_shift_is_detected(sizes: tuple[int, int], test: str) -> None:
    rng = np.random.default_rng(30)
    drifts = compare_unit(traffic(rng, sizes[0]), traffic(rng, sizes[1], slower=1.3), THRESHOLDS)
    latency = by_metric(drifts)["latency_ms"]
    assert latency.result.test == test and latency.result.drifted
    assert latency.severity in ("moderate", "major")
    assert latency.change is not None and 0.15 < latency.change < 0.45  # the median moved, about +30%
    assert latency.current.p95 is not None and latency.baseline.p95 is not None
    assert latency.current.p95 > latency.baseline.p95
    assert latency.verdict.startswith(f"{latency.severity} drift: median +")
    # Only what the slowdown touches is flagged: latency, and tokens per second of latency.
    assert flagged(drifts) <= {"latency_ms", "output_tokens_per_s"}


@pytest.mark.parametrize("sizes", [SMALL, LARGE])
def test_stationary_traffic_raises_at_most_5_percent_false_alarms(sizes: tuple[int, int]) -> None:
    decisions, units_flagged, resamples = 0, 0, 40
    alarms: list[str] = []
    for seed in range(resamples):
        rng = np.random.default_rng(1000 + seed)
        drifts = compare_unit(traffic(rng, sizes[0]), traffic(rng, sizes[1]), THRESHOLDS)
        decisions += len(drifts)
        alarms += flagged(drifts)
        units_flagged += bool(flagged(drifts))
    assert decisions == resamples * 12  # every metric but TTFT (no streams) was tested
    assert len(alarms) / decisions <= 0.05
    # Adjusting the unit's p-values together keeps a stable unit quiet most of the time too.
    assert units_flagged / resamples <= 0.1


@pytest.mark.parametrize("sizes", [SMALL, LARGE])
def test_a_10_percent_response_model_swap_is_a_major_model_swap(sizes: tuple[int, int]) -> None:
    rng = np.random.default_rng(10)
    drifts = by_metric(compare_unit(traffic(rng, sizes[0]), traffic(rng, sizes[1], swap=0.1), THRESHOLDS))
    swap = drifts["response_model"]
    assert swap.severity == "major" and swap.new_values == (NEW_SNAPSHOT,)
    assert swap.verdict.startswith(f"model swap: {NEW_SNAPSHOT} answers ")
    assert swap.label == OLD_SNAPSHOT and swap.current.shares[NEW_SNAPSHOT] == pytest.approx(0.1, abs=0.03)


def test_a_shift_between_known_snapshots_is_drift_but_not_a_swap() -> None:
    rng = np.random.default_rng(11)
    baseline = traffic(rng, 3000, swap=0.5)
    drift = by_metric(compare_unit(baseline, traffic(rng, 3000, swap=0.9), THRESHOLDS))["response_model"]
    assert drift.result.drifted and drift.new_values == ()
    assert drift.severity in ("moderate", "major") and not drift.verdict.startswith("model swap")


def test_a_rare_new_snapshot_below_the_swap_share_is_not_a_swap() -> None:
    rng = np.random.default_rng(12)
    drift = compare_metric(
        METRICS_BY_NAME["response_model"], traffic(rng, 3000), traffic(rng, 3000, swap=0.01), THRESHOLDS
    )
    assert drift is not None and drift.severity == "none"


@pytest.mark.parametrize(("sizes", "test"), [(SMALL, "z"), (LARGE, "jensenshannon")])
def test_error_and_truncation_rates_rising_are_detected(sizes: tuple[int, int], test: str) -> None:
    rng = np.random.default_rng(20)
    drifts = by_metric(
        compare_unit(traffic(rng, sizes[0]), traffic(rng, sizes[1], errors=0.15, truncated=0.25), THRESHOLDS)
    )
    for metric in ("error_rate", "truncation_rate"):
        assert drifts[metric].result.test == test and drifts[metric].result.drifted, metric
    assert drifts["error_rate"].baseline.value == pytest.approx(0.03, abs=0.02)
    assert drifts["error_rate"].verdict.endswith(")") and "of calls" in drifts["error_rate"].verdict


def test_a_finish_reason_mix_of_three_is_chi_square_tested() -> None:
    rng = np.random.default_rng(21)
    reasons = np.array(["stop", "length", "content_filter"])
    baseline = traffic(rng, 500, finish_reason=rng.choice(reasons, 500, p=[0.9, 0.08, 0.02]))
    current = traffic(rng, 300, finish_reason=rng.choice(reasons, 300, p=[0.7, 0.25, 0.05]))
    drift = compare_metric(METRICS_BY_NAME["finish_reason"], baseline, current, THRESHOLDS)
    assert drift is not None and drift.result.test == "chi2" and drift.result.drifted
    base, cur = drift.baseline.shares, drift.current.shares
    moved = max(cur, key=lambda reason: abs(cur[reason] - base[reason]))
    assert drift.verdict.startswith(f"{drift.severity} drift: {moved} ")  # the biggest mover is named


def test_below_the_minimum_samples_there_is_no_verdict() -> None:
    rng = np.random.default_rng(40)
    drifts = by_metric(compare_unit(traffic(rng, 500), traffic(rng, 29, slower=3.0, errors=0.0), THRESHOLDS))
    latency = drifts["latency_ms"]
    assert latency.severity == "insufficient" and latency.result.test == "none"
    n = latency.baseline.n
    assert latency.verdict == f"not enough data: {n} baseline, 29 current (need 30 each)"
    assert all(drift.severity == "insufficient" for drift in drifts.values())


def test_a_metric_no_call_reports_is_left_out() -> None:
    rng = np.random.default_rng(41)
    assert "ttft_ms" not in by_metric(compare_unit(traffic(rng, 100), traffic(rng, 100), THRESHOLDS))
    streamed: dict[str, Any] = {"ttft_ms": rng.lognormal(5, 0.5, 100)}
    assert "ttft_ms" in by_metric(
        compare_unit(traffic(rng, 100, **streamed), traffic(rng, 100, **streamed), THRESHOLDS)
    )


def test_few_distinct_numbers_are_compared_as_categories() -> None:
    rng = np.random.default_rng(42)
    small = numeric_test(rng.choice([1.0, 2.0], 300), rng.choice([1.0, 2.0], 300, p=[0.2, 0.8]), THRESHOLDS)
    assert small.test == "z" and small.drifted
    large = numeric_test(rng.choice([1.0, 2.0, 3.0], 3000), rng.choice([1.0, 2.0, 3.0], 3000), THRESHOLDS)
    assert large.test == "jensenshannon" and not large.drifted


def test_per_call_costs_in_dollars_are_not_swamped_by_a_floor() -> None:
    # Evidently floors the normalising std at 0.001; costs vary by ~1e-4 and would look frozen.
    rng = np.random.default_rng(43)
    cost = rng.lognormal(-9, 0.5, 4000)
    result = numeric_test(cost, rng.lognormal(-9, 0.5, 2000) * 1.3, THRESHOLDS)
    assert result.test == "wasserstein" and result.drifted and result.statistic is not None


def test_psi_and_kl_are_zero_for_identical_data_and_grow_with_the_shift() -> None:
    rng = np.random.default_rng(44)
    data = rng.lognormal(6.5, 0.6, 5000)
    same = numeric_divergence(data, data, 10)
    assert same.psi == pytest.approx(0.0, abs=1e-12) and same.kl == pytest.approx(0.0, abs=1e-12)
    small, big = (numeric_divergence(data, data * factor, 10) for factor in (1.1, 1.6))
    assert 0 < small.psi < 0.1 < 0.25 < big.psi and 0 < small.kl < big.kl


def test_psi_matches_its_definition_on_counts() -> None:
    base, cur = np.array([50, 30, 20]), np.array([30, 30, 40])
    b, c = base / 100, cur / 100
    spread = divergence(base, cur)
    assert spread.psi == pytest.approx(float(np.sum((c - b) * np.log(c / b))))
    assert spread.kl == pytest.approx(float(stats.entropy(b, c)))


def test_the_two_proportion_z_test_agrees_with_chi_square_on_a_2x2_table() -> None:
    z, p_value = two_proportion_z(20, 1000, 45, 900)
    table = np.array([[980, 20], [855, 45]])
    chi2 = stats.chi2_contingency(table, correction=False)
    assert z > 0 and z**2 == pytest.approx(chi2.statistic) and p_value == pytest.approx(chi2.pvalue)
    assert two_proportion_z(0, 100, 0, 50) == (0.0, 1.0)  # nothing happened on either side


def test_one_shared_category_is_no_drift() -> None:
    result = categorical_test(np.array([100]), np.array([40]), THRESHOLDS)
    assert not result.drifted and result.p_value == 1.0


def test_thresholds_come_from_the_drift_settings() -> None:
    from lookout.core.drift_config import DriftSettings

    thresholds = Thresholds.of(DriftSettings(min_samples=50, p_value=0.01, distance=0.2, swap_share=0.05))
    assert (thresholds.min_samples, thresholds.p_value, thresholds.distance) == (50, 0.01, 0.2)
    assert thresholds.swap_share == 0.05 and thresholds.psi_major == 0.25
