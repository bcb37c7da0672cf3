"""Churn metrics: ``crmmine.metrics`` against ``sklearn.metrics`` on the same arrays in
the same process, at the same thread count, after checking the answers agree."""

from __future__ import annotations

import sys
from functools import partial

import numpy as np
from sklearn import metrics as sk
from threadpoolctl import threadpool_limits

import crmmine
import harness

TITLE = "Churn metrics: crmmine.metrics vs scikit-learn"
RESULT_FILE = "churn_metrics.md"
SIZES = [10_000_000]
QUICK_SIZES = [100_000]
#: name -> (crmmine function, scikit-learn function, takes probabilities)
METRICS = {
    "roc_auc_score": (crmmine.metrics.roc_auc_score, sk.roc_auc_score, False),
    "average_precision_score": (
        crmmine.metrics.average_precision_score,
        sk.average_precision_score,
        False,
    ),
    "log_loss": (crmmine.metrics.log_loss, sk.log_loss, True),
}
COLUMNS = [
    "scores",
    "n",
    "metric",
    "threads",
    "crmmine s",
    "sklearn s",
    "speed-up (sklearn/crmmine)",
    "relative difference",
    "crmmine peak MiB",
    "sklearn peak MiB",
]
NOTES = """
Data (seeded): labels y ~ Bernoulli(0.2) as int64, scores from a logistic model,
p = 1 / (1 + exp(-(x + 1.2 y))) with x ~ N(-1, 1), float64. "continuous" passes p as
is (nearly every score distinct); "tied" rounds it to 3 decimals (1,001 levels, as a
tree's leaves or a binned model give), so most scores tie. log_loss takes p as the
probability of the positive class. No sample weights.

Both libraries get the same numpy arrays through their public functions, so each side's
time includes its own input checks and label handling. scikit-learn runs under
threadpoolctl at the same thread count (its metrics are single-threaded numpy);
crmmine's thread count is set with `crmmine.set_num_threads`. The relative difference
|crmmine - sklearn| / |sklearn| is checked below 1e-9 before anything is timed.

Times are the best of 2 runs after a warm-up; peak MiB is the resident memory one call
adds at its worst (VmHWM after the call - VmRSS before it). Speed-ups above 1 favour
crmmine.
"""


def run(sizes: list[int], thread_counts: list[int]) -> list[dict[str, object]]:
    rows = []
    for n in sizes:
        for kind in ("continuous", "tied"):
            y, proba = scores(n, tied=kind == "tied")
            for name in METRICS:
                for threads in thread_counts:
                    rows.append(compare(kind, y, proba, name, threads))
    return rows


def scores(n: int, tied: bool) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(2011)
    y = (rng.random(n) < 0.2).astype(np.int64)
    proba = 1.0 / (1.0 + np.exp(-(rng.normal(-1.0, 1.0, n) + 1.2 * y)))
    return y, np.round(proba, 3) if tied else proba


def compare(kind, y, proba, name, threads) -> dict[str, object]:
    progress(f"{name} on {len(y):,} {kind} scores, {threads} thread(s)")
    ours_function, theirs_function, _ = METRICS[name]
    ours = partial(call_crmmine, ours_function, y, proba, threads)
    theirs = partial(call_sklearn, theirs_function, y, proba, threads)
    ours_value, theirs_value = ours(), theirs()  # warm-ups, and the answers to compare
    difference = abs(ours_value - theirs_value) / abs(theirs_value)
    if not difference < 1e-9:
        raise SystemExit(
            f"{name}: crmmine {ours_value!r} != sklearn {theirs_value!r}; not timing"
        )
    repeats = 2
    ours_s = harness.best_time(ours, repeats)
    theirs_s = harness.best_time(theirs, repeats)
    return {
        "scores": kind,
        "n": len(y),
        "metric": name,
        "threads": threads,
        "crmmine s": ours_s,
        "sklearn s": theirs_s,
        "speed-up (sklearn/crmmine)": theirs_s / ours_s,
        "relative difference": f"{difference:.1e}",
        "crmmine peak MiB": harness.peak_memory(ours),
        "sklearn peak MiB": harness.peak_memory(theirs),
    }


def call_crmmine(function, y, proba, threads) -> float:
    crmmine.set_num_threads(threads)
    return function(y, proba)


def call_sklearn(function, y, proba, threads) -> float:
    with threadpool_limits(threads):
        return function(y, proba)


def progress(message: str) -> None:
    print(f"[metrics] {message}", file=sys.stderr, flush=True)
