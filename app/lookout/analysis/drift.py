"""Drift statistics: two samples (a baseline and a current window) in, a test decision out.

The test is chosen the way Evidently chooses its defaults, by sample size and
the number of distinct values:

===========================  ================================  ==============================
data                         a side has ≤ 1000 values           both sides larger
===========================  ================================  ==============================
numeric, more than 5 values  Kolmogorov–Smirnov, p < 0.05      normed Wasserstein ≥ 0.1
two categories (rates)       two-proportion z-test, p < 0.05   Jensen–Shannon distance ≥ 0.1
3+ categories                chi-square (2×k table), p < 0.05  Jensen–Shannon distance ≥ 0.1
===========================  ================================  ==============================

Numeric data with at most five distinct values is tested as categories. Large
samples switch from p-values to distances because with tens of thousands of
calls every trivial difference is "significant"; a distance measures how much
the distribution moved instead. Evidently looks at the baseline's size only,
assuming a current window of similar size; here the current window (a day) is
often far smaller than the baseline (a week), and a distance measured on a few
hundred values is mostly noise (100 latencies drawn from the very baseline's
distribution are 0.14 away from it, in normed Wasserstein), so the smaller
side decides.

Alongside every test: PSI and KL divergence over the same bins (deciles of the
baseline for numbers, the categories otherwise). The test decides *whether*
there is drift; PSI grades *how much* (0.1 moderate, 0.25 major).

Pure functions over numpy arrays, no IO. scipy is imported by the functions that
test, not by the module: importing ``scipy.stats`` takes 1–2 s, which reading
stored results (``lookout drift`` from snapshots, the app's drift table) never needs.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from lookout.core.drift_config import DriftSettings

Severity = Literal["none", "moderate", "major", "insufficient"]
TestName = Literal["ks", "wasserstein", "chi2", "z", "jensenshannon", "none"]
FloatArray = npt.NDArray[np.float64]

P_VALUE_TESTS: frozenset[TestName] = frozenset({"ks", "chi2", "z"})
# Fewer distinct values than this and numbers are compared as categories (Evidently's rule).
MAX_DISCRETE_VALUES = 5
# Stands in for an empty bin's share, so logarithms stay finite (Evidently's choice).
EMPTY_SHARE = 1e-4


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The knobs of every decision; the defaults are the issue's and Evidently's."""

    min_samples: int = 30  # per side; below it: "insufficient", never a verdict
    small_sample: int = 1000  # when either side has at most this many values: p-value tests
    p_value: float = 0.05
    distance: float = 0.1  # normed Wasserstein and Jensen–Shannon
    psi_moderate: float = 0.1
    psi_major: float = 0.25
    psi_bins: int = 10
    swap_share: float = 0.02  # a response model new in the current window, at least this share

    @classmethod
    def of(cls, settings: DriftSettings) -> Thresholds:
        """The thresholds the ``[drift]`` settings ask for."""
        return cls(
            min_samples=settings.min_samples,
            p_value=settings.p_value,
            distance=settings.distance,
            psi_moderate=settings.psi_moderate,
            psi_major=settings.psi_major,
            swap_share=settings.swap_share,
        )


@dataclass(frozen=True, slots=True)
class TestResult:
    """What a test said. ``statistic`` is KS D, normed Wasserstein, chi², z or JS distance.

    ``p_adjusted`` is set when the p-value was adjusted together with other tests
    (see :func:`lookout.analysis.drift_metrics.compare_unit`); ``drifted`` then
    follows the adjusted value.
    """

    test: TestName
    statistic: float | None
    p_value: float | None
    drifted: bool
    p_adjusted: float | None = None

    @property
    def score(self) -> float | None:
        """The number compared with the threshold: the (adjusted) p-value, or the distance."""
        if self.test not in P_VALUE_TESTS:
            return self.statistic
        return self.p_adjusted if self.p_adjusted is not None else self.p_value


@dataclass(frozen=True, slots=True)
class Divergence:
    """PSI and KL(baseline ‖ current) over one set of bins."""

    psi: float
    kl: float


NO_TEST = TestResult("none", None, None, False)


def load_scipy() -> None:
    """Import the parts of scipy the tests use, ahead of the first test.

    The recorder calls this while it starts: otherwise its first drift run would
    spend those 1–2 s of CPU in the middle of recording calls.
    """
    for name in ("scipy.stats", "scipy.special", "scipy.spatial.distance"):
        importlib.import_module(name)


def numeric_test(baseline: FloatArray, current: FloatArray, thresholds: Thresholds) -> TestResult:
    """Test two samples of numbers (both non-empty, finite)."""
    from scipy import stats

    values = np.unique(np.concatenate([baseline, current]))
    if len(values) <= MAX_DISCRETE_VALUES:
        base_counts, cur_counts = _value_counts(baseline, current, values)
        return categorical_test(base_counts, cur_counts, thresholds)
    if min(len(baseline), len(current)) <= thresholds.small_sample:
        ks = stats.ks_2samp(baseline, current)
        p_value = float(ks.pvalue)
        return TestResult("ks", float(ks.statistic), p_value, p_value < thresholds.p_value)
    normed = float(stats.wasserstein_distance(baseline, current)) / _spread(baseline)
    return TestResult("wasserstein", normed, None, normed >= thresholds.distance)


def categorical_test(
    baseline_counts: npt.NDArray[np.int64], current_counts: npt.NDArray[np.int64], thresholds: Thresholds
) -> TestResult:
    """Test two count vectors over the same categories (both with a positive total)."""
    from scipy import stats
    from scipy.spatial.distance import jensenshannon

    present = (baseline_counts + current_counts) > 0
    base, cur = baseline_counts[present], current_counts[present]
    if min(int(base.sum()), int(cur.sum())) > thresholds.small_sample:
        js = float(jensenshannon(base / base.sum(), cur / cur.sum()))
        return TestResult("jensenshannon", js, None, js >= thresholds.distance)
    if len(base) == 1:  # one and the same value on both sides
        return TestResult("z", 0.0, 1.0, False)
    if len(base) == 2:
        z, p_value = two_proportion_z(int(base[1]), int(base.sum()), int(cur[1]), int(cur.sum()))
        return TestResult("z", z, p_value, p_value < thresholds.p_value)
    chi2 = stats.chi2_contingency(np.vstack([base, cur]))
    p_value = float(chi2.pvalue)
    return TestResult("chi2", float(chi2.statistic), p_value, p_value < thresholds.p_value)


def two_proportion_z(hits_a: int, n_a: int, hits_b: int, n_b: int) -> tuple[float, float]:
    """The pooled two-proportion z statistic (b minus a) and its two-sided p-value."""
    from scipy import stats

    pooled = (hits_a + hits_b) / (n_a + n_b)
    spread = np.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    if spread == 0:  # every call a hit, or none, on both sides
        return 0.0, 1.0
    z = (hits_b / n_b - hits_a / n_a) / spread
    return float(z), float(2 * stats.norm.sf(abs(z)))


def numeric_divergence(baseline: FloatArray, current: FloatArray, bins: int) -> Divergence:
    """PSI and KL over bins cut at the baseline's quantiles (deciles by default)."""
    edges = np.unique(np.quantile(baseline, np.linspace(0, 1, bins + 1))[1:-1])
    base_counts = np.bincount(np.searchsorted(edges, baseline, side="right"), minlength=len(edges) + 1)
    cur_counts = np.bincount(np.searchsorted(edges, current, side="right"), minlength=len(edges) + 1)
    return divergence(base_counts, cur_counts)


def divergence(baseline_counts: npt.NDArray[np.int64], current_counts: npt.NDArray[np.int64]) -> Divergence:
    """PSI and KL(baseline ‖ current) of two count vectors over the same bins."""
    from scipy import special

    base = _shares(baseline_counts)
    cur = _shares(current_counts)
    psi = float(np.sum((cur - base) * np.log(cur / base)))
    return Divergence(psi=psi, kl=float(np.sum(special.rel_entr(base, cur))))


def severity(result: TestResult, psi: float | None, thresholds: Thresholds) -> Severity:
    """``none`` unless the test found drift; then PSI grades it moderate or major."""
    if not result.drifted:
        return "none"
    return "major" if psi is not None and psi >= thresholds.psi_major else "moderate"


def psi_grade(psi: float | None, thresholds: Thresholds) -> str:
    """PSI in words, on the conventional scale."""
    if psi is None:
        return ""
    if psi >= thresholds.psi_major:
        return "major"
    return "moderate" if psi >= thresholds.psi_moderate else "small"


def percentiles(values: FloatArray) -> tuple[float, float]:
    """Median and p95."""
    median, p95 = np.percentile(values, (50, 95))
    return float(median), float(p95)


def relative_change(before: float | None, after: float | None) -> float | None:
    """``after / before - 1``; None when it has no meaning (unknown or zero baseline)."""
    if before is None or after is None or before == 0:
        return None
    return after / before - 1


def _spread(baseline: FloatArray) -> float:
    # Evidently floors the standard deviation at 0.001, which would swamp per-call
    # costs in dollars (std ~ 1e-4); only a constant baseline needs a stand-in.
    std = float(np.std(baseline))
    if std > 0:
        return std
    return abs(float(np.mean(baseline))) or 1.0


def _value_counts(
    baseline: FloatArray, current: FloatArray, values: FloatArray
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    base = np.bincount(np.searchsorted(values, baseline), minlength=len(values))
    cur = np.bincount(np.searchsorted(values, current), minlength=len(values))
    return base.astype(np.int64), cur.astype(np.int64)


def _shares(counts: npt.NDArray[np.int64]) -> FloatArray:
    filled = np.where(counts == 0, EMPTY_SHARE * counts.sum(), counts)
    return np.asarray(filled / filled.sum(), dtype=np.float64)
