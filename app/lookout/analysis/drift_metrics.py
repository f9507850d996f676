"""What drift compares: the metrics of one unit's calls, read from columns, tested side by side.

A *unit* is one (upstream, model, operation). Its calls in a window arrive as
:data:`Columns`: one numpy array per ``calls`` column in :data:`SOURCE_COLUMNS`,
floats with NaN for NULL, or strings with "" for NULL (:data:`TEXT_COLUMNS`).
:func:`compare_metric` turns a baseline and a current window into one
:class:`MetricDrift`: the test, PSI and KL, medians and p95s, the relative
change of the headline figure, a severity and a sentence; :func:`compare_unit`
does every metric and adjusts their p-values together (Benjamini–Hochberg).

Which calls each metric reads:

* numeric (successful calls): latency, TTFT, output tokens per second of
  latency, input and output tokens, response length in characters, cost;
* rates: error rate (all calls; a client hanging up is not an error), refusal
  and empty-response rates (calls whose text was measured), truncation rate
  (successful calls that reported a finish reason);
* categorical (successful calls): the ``finish_reason`` mix and the
  ``response_model`` mix. A response model absent from the baseline that now
  answers at least ``swap_share`` of calls, with the mix drifted, is a model
  swap: severity ``major`` whatever PSI says.

Pure functions, no IO.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from lookout.analysis.drift import (
    NO_TEST,
    Divergence,
    FloatArray,
    Severity,
    TestResult,
    Thresholds,
    categorical_test,
    divergence,
    numeric_divergence,
    numeric_test,
    percentiles,
    relative_change,
    severity,
)
from lookout.analysis.drift_verdict import verdict

Kind = Literal["numeric", "rate", "categorical"]
Columns = Mapping[str, npt.NDArray[Any]]

SOURCE_COLUMNS: tuple[str, ...] = (
    "outcome",
    "latency_ms",
    "ttft_ms",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "response_chars",
    "refusal",
    "empty_response",
    "finish_reason",
    "response_model",
)
TEXT_COLUMNS = frozenset({"outcome", "finish_reason", "response_model"})
NON_ERROR_OUTCOMES = ("ok", "client_aborted")
# finish_reason values that mean "cut at the token limit", lower-cased: OpenAI chat and
# Ollama say length, Anthropic max_tokens, Gemini MAX_TOKENS, Responses max_output_tokens.
TRUNCATED = frozenset({"length", "max_tokens", "max_output_tokens"})
SWAP_METRIC = "response_model"


@dataclass(frozen=True, slots=True)
class Metric:
    name: str
    kind: Kind
    label: str
    unit: str = ""


METRICS: tuple[Metric, ...] = (
    Metric("latency_ms", "numeric", "latency", "ms"),
    Metric("ttft_ms", "numeric", "TTFT", "ms"),
    Metric("output_tokens_per_s", "numeric", "output tokens/s", "tok/s"),
    Metric("input_tokens", "numeric", "input tokens", "tokens"),
    Metric("output_tokens", "numeric", "output tokens", "tokens"),
    Metric("response_chars", "numeric", "response length", "chars"),
    Metric("cost_usd", "numeric", "cost per call", "$"),
    Metric("error_rate", "rate", "error rate"),
    Metric("refusal_rate", "rate", "refusal rate"),
    Metric("empty_rate", "rate", "empty responses"),
    Metric("truncation_rate", "rate", "truncation rate"),
    Metric("finish_reason", "categorical", "finish reasons"),
    Metric("response_model", "categorical", "response model"),
)
METRICS_BY_NAME: Mapping[str, Metric] = {metric.name: metric for metric in METRICS}


@dataclass(frozen=True, slots=True)
class Summary:
    """One window of one metric. ``value`` is the headline: median, rate, or top category's share."""

    n: int
    value: float | None = None
    median: float | None = None
    p95: float | None = None
    shares: Mapping[str, float] = field(default_factory=dict)  # categorical: label -> share


@dataclass(frozen=True, slots=True)
class MetricDrift:
    """The comparison of one metric between the baseline and the current window."""

    metric: str
    kind: Kind
    result: TestResult
    divergence: Divergence | None
    severity: Severity
    baseline: Summary
    current: Summary
    change: float | None  # relative change of the headline figure
    verdict: str
    label: str | None = None  # categorical: the baseline's top category (the headline's subject)
    new_values: tuple[str, ...] = ()  # response models new in the current window: a swap if drifted

    @property
    def swapped(self) -> bool:
        """Whether this is a model swap: new response models, and the mix drifted."""
        return self.result.drifted and bool(self.new_values)


def compare_unit(baseline: Columns, current: Columns, thresholds: Thresholds) -> tuple[MetricDrift, ...]:
    """Every metric with data in either window, p-value tests adjusted together.

    Thirteen tests at p < 0.05 would flag some metric of a perfectly stable
    model about every other run. The p-values of one unit's tests are adjusted
    with Benjamini–Hochberg, so its p-value tests together flag a stable unit
    about ``p_value`` of the time (when nothing drifted, the false discovery
    rate is the chance of any false alarm), while a real shift, whose p-value
    is tiny, is still caught. Distance tests are left as they are.
    """
    compared = (compare_metric(metric, baseline, current, thresholds) for metric in METRICS)
    return adjusted(tuple(drift for drift in compared if drift is not None), thresholds)


def adjusted(drifts: tuple[MetricDrift, ...], thresholds: Thresholds) -> tuple[MetricDrift, ...]:
    """``drifts`` with their p-value tests decided on Benjamini–Hochberg adjusted p-values."""
    from scipy import stats  # not at the top: see lookout.analysis.drift

    tested = [index for index, drift in enumerate(drifts) if drift.result.p_value is not None]
    if not tested:
        return drifts
    p_values = [drifts[index].result.p_value or 0.0 for index in tested]
    result = list(drifts)
    for index, p_adjusted in zip(tested, stats.false_discovery_control(p_values).tolist(), strict=True):
        test = replace(drifts[index].result, p_adjusted=p_adjusted, drifted=p_adjusted < thresholds.p_value)
        result[index] = judged(replace(drifts[index], result=test), thresholds)
    return tuple(result)


def compare_metric(
    metric: Metric, baseline: Columns, current: Columns, thresholds: Thresholds
) -> MetricDrift | None:
    """Compare one metric on its own; None when neither window has a value for it (e.g. TTFT
    without streams). :func:`compare_unit` compares them all, as drift does."""
    name = metric.name
    if metric.kind == "numeric":
        return _compare_numeric(
            metric, numeric_values(baseline, name), numeric_values(current, name), thresholds
        )
    if metric.kind == "rate":
        return _compare_rate(metric, rate_values(baseline, name), rate_values(current, name), thresholds)
    return _compare_categories(
        metric, category_values(baseline, name), category_values(current, name), thresholds
    )


def numeric_values(columns: Columns, name: str) -> FloatArray:
    """The finite values of a numeric metric (successful calls)."""
    ok = columns["outcome"] == "ok"
    if name == "output_tokens_per_s":
        tokens, latency = columns["output_tokens"], columns["latency_ms"]
        with np.errstate(invalid="ignore"):
            usable = ok & (tokens > 0) & (latency > 0)
        return np.asarray(tokens[usable] * 1000.0 / latency[usable], dtype=np.float64)
    values = columns[name]
    return np.asarray(values[ok & np.isfinite(values)], dtype=np.float64)


def rate_values(columns: Columns, name: str) -> npt.NDArray[np.bool_]:
    """One flag per call the rate covers: True for an error, refusal, empty or truncated answer."""
    outcome = columns["outcome"]
    if name == "error_rate":
        return np.asarray(~np.isin(outcome, NON_ERROR_OUTCOMES), dtype=np.bool_)
    if name == "truncation_rate":
        reasons = columns["finish_reason"][(outcome == "ok") & (columns["finish_reason"] != "")]
        # Few distinct reasons: lower-case those, not every call's.
        labels, index = np.unique(reasons, return_inverse=True)
        truncated = np.array([label.lower() in TRUNCATED for label in labels.tolist()], dtype=np.bool_)
        return truncated[index] if len(reasons) else np.zeros(0, dtype=np.bool_)
    flags = columns["refusal" if name == "refusal_rate" else "empty_response"]
    return np.asarray(flags[np.isfinite(flags)] == 1, dtype=np.bool_)


def category_values(columns: Columns, name: str) -> npt.NDArray[np.str_]:
    """The labels of a categorical metric (successful calls that reported one)."""
    labels = columns[name]
    return np.asarray(labels[(columns["outcome"] == "ok") & (labels != "")], dtype=np.str_)


def _compare_numeric(
    metric: Metric, base: FloatArray, cur: FloatArray, thresholds: Thresholds
) -> MetricDrift | None:
    if min(len(base), len(cur)) < thresholds.min_samples:
        return _insufficient(metric, len(base), len(cur), thresholds)
    result = numeric_test(base, cur, thresholds)
    spread = numeric_divergence(base, cur, thresholds.psi_bins)
    base_median, base_p95 = percentiles(base)
    cur_median, cur_p95 = percentiles(cur)
    baseline = Summary(len(base), base_median, base_median, base_p95)
    current = Summary(len(cur), cur_median, cur_median, cur_p95)
    return _result(metric, result, spread, baseline, current, thresholds)


def _compare_rate(
    metric: Metric, base: npt.NDArray[np.bool_], cur: npt.NDArray[np.bool_], thresholds: Thresholds
) -> MetricDrift | None:
    if min(len(base), len(cur)) < thresholds.min_samples:
        return _insufficient(metric, len(base), len(cur), thresholds)
    base_counts = np.array([len(base) - base.sum(), base.sum()], dtype=np.int64)
    cur_counts = np.array([len(cur) - cur.sum(), cur.sum()], dtype=np.int64)
    result = categorical_test(base_counts, cur_counts, thresholds)
    baseline = Summary(len(base), float(base.mean()))
    current = Summary(len(cur), float(cur.mean()))
    return _result(metric, result, divergence(base_counts, cur_counts), baseline, current, thresholds)


def _compare_categories(
    metric: Metric, base: npt.NDArray[np.str_], cur: npt.NDArray[np.str_], thresholds: Thresholds
) -> MetricDrift | None:
    if min(len(base), len(cur)) < thresholds.min_samples:
        return _insufficient(metric, len(base), len(cur), thresholds)
    labels, index = np.unique(np.concatenate([base, cur]), return_inverse=True)
    base_counts = np.bincount(index[: len(base)], minlength=len(labels)).astype(np.int64)
    cur_counts = np.bincount(index[len(base) :], minlength=len(labels)).astype(np.int64)
    result = categorical_test(base_counts, cur_counts, thresholds)
    base_shares = dict(zip(labels.tolist(), (base_counts / len(base)).tolist(), strict=True))
    cur_shares = dict(zip(labels.tolist(), (cur_counts / len(cur)).tolist(), strict=True))
    top = max(base_shares, key=lambda label: base_shares[label])
    baseline = Summary(len(base), base_shares[top], shares=base_shares)
    current = Summary(len(cur), cur_shares[top], shares=cur_shares)
    new: tuple[str, ...] = ()
    if metric.name == SWAP_METRIC:
        new = tuple(
            label
            for label in labels.tolist()
            if not base_shares[label] and cur_shares[label] >= thresholds.swap_share
        )
    spread = divergence(base_counts, cur_counts)
    return _result(metric, result, spread, baseline, current, thresholds, label=top, new=new)


def _result(
    metric: Metric,
    result: TestResult,
    spread: Divergence,
    baseline: Summary,
    current: Summary,
    thresholds: Thresholds,
    *,
    label: str | None = None,
    new: tuple[str, ...] = (),
) -> MetricDrift:
    drift = MetricDrift(
        metric=metric.name,
        kind=metric.kind,
        result=result,
        divergence=spread,
        severity="none",
        baseline=baseline,
        current=current,
        change=relative_change(baseline.value, current.value),
        verdict="",
        label=label,
        new_values=new,
    )
    return judged(drift, thresholds)


def _insufficient(metric: Metric, base_n: int, cur_n: int, thresholds: Thresholds) -> MetricDrift | None:
    if not base_n and not cur_n:
        return None
    drift = MetricDrift(
        metric=metric.name,
        kind=metric.kind,
        result=NO_TEST,
        divergence=None,
        severity="insufficient",
        baseline=Summary(base_n),
        current=Summary(cur_n),
        change=None,
        verdict="",
    )
    return replace(drift, verdict=verdict(drift, thresholds))


def judged(drift: MetricDrift, thresholds: Thresholds) -> MetricDrift:
    """``drift`` with the severity and sentence its test result calls for.

    A swap (new response models, the mix drifted) is major whatever PSI says.
    """
    if drift.severity == "insufficient":
        return drift
    psi = drift.divergence.psi if drift.divergence else None
    level: Severity = "major" if drift.swapped else severity(drift.result, psi, thresholds)
    graded = replace(drift, severity=level)
    return replace(graded, verdict=verdict(graded, thresholds))
