"""Logistic regression: ``crmmine.LogisticRegression`` against
``sklearn.linear_model.LogisticRegression`` in the same process, on the same matrices,
at the same C and thread count, each side run to the same objective value."""

from __future__ import annotations

import os
import sys
import time
import warnings
from functools import partial

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.metrics import roc_auc_score
from threadpoolctl import threadpool_limits

import crmmine
import harness
from churn import inputs

TITLE = "Churn logistic regression: crmmine.LogisticRegression vs scikit-learn"
RESULT_FILE = "churn_logistic_regression.md"
#: (dataset, rows before the 80/20 split)
SIZES = [("synthetic", 1_000_000), ("synthetic", 5_000_000), ("telco", 1_000_000)]
QUICK_SIZES = [("synthetic", 50_000), ("telco", 50_000)]
#: per-row regularisation strength: C = 1 / (ALPHA * training rows), so the penalty
#: weighs the same against the data at every size
ALPHA = 1e-4
#: both sides must reach an objective within this relative gap of the best one found
TARGET_GAP = 1e-6
#: tolerances tried, loosest first; each solver is timed at the first that reaches
#: the target (its own tol has its own meaning)
TOLS = [1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10]
#: a solver whose calibration fit takes longer than this stops climbing the ladder
TIME_LIMIT_S = float(os.environ.get("CRMMINE_BENCH_TIME_LIMIT", 900))
#: penalty -> scikit-learn solvers for it; the first is the one the target names
PEERS = {"l2": ["lbfgs", "newton-cholesky"], "l1": ["saga", "liblinear"]}
#: liblinear penalises the intercept (as a feature of value intercept_scaling); a large
#: scaling makes that penalty small, so its optimum nears the unpenalised-intercept one
LIBLINEAR_INTERCEPT_SCALING = 100.0
#: predictions take milliseconds: predict_proba is timed in PREDICT_TURNS turns of
#: PREDICT_CALLS calls a side, enough that both sides reach their floor
PREDICT_TURNS = 10
PREDICT_CALLS = 3
COLUMNS = [
    "data",
    "n",
    "features",
    "penalty",
    "threads",
    "peer",
    "crmmine tol",
    "peer tol",
    "crmmine gap",
    "peer gap",
    "crmmine fit s",
    "peer fit s",
    "fit speed-up",
    "predict speed-up",
    "crmmine peak MiB",
    "peer peak MiB",
    "crmmine AUC",
    "peer AUC",
]
NOTES = f"""
Data (`benchmarks/churn/inputs.py`, seeded): "synthetic" is a customer table of 14
numeric columns (tenure, spend, recency, counts; heavy-tailed ones log1p'd) and 6
categoricals (contract, payment method, 50 regions, plan, channel, internet service)
with a 20% churn rate drawn from log-odds with thresholds and interactions; "Telco" is
the IBM Telco churn sample (blank TotalCharges of the 11 tenure-0 customers set to 0),
split 80/20 by customer and each part repeated to its share of n. Both are split 80/20
(n counts train + test rows); numeric columns are standardised on the training rows,
categoricals one-hot encoded without their first level (Telco without the levels that
repeat InternetService/PhoneService). Both libraries get the same C-contiguous float64
matrix and 0/1 labels.

Objective: C * sum of log-losses + penalty (0.5 ||w||^2 or ||w||_1), intercept not
penalised, C = 1 / ({ALPHA:g} * training rows), the same for both sides. Each solver is
fitted at tol = {", ".join(f"{t:g}" for t in TOLS)} in turn and timed at the first tol
whose objective is within {TARGET_GAP:g} (relative) of the lowest objective any solver
reached (a crmmine fit at tol=1e-10 included); "gap" is that relative distance, all
objectives computed by one numpy function on the same training matrix. A run where
crmmine does not reach the target aborts; a peer that does not (for example liblinear,
which penalises the intercept; intercept_scaling={LIBLINEAR_INTERCEPT_SCALING:g} here)
reads n/a. The issue's target compares L2 with lbfgs and L1 with the fastest of saga
and liblinear, marked "(fastest)"; newton-cholesky is shown for reference.

Every call of a row runs inside one `threadpoolctl.threadpool_limits(threads)` (BLAS
and OpenMP, entered outside the timed calls), and crmmine gets n_jobs=threads. Fit
times are the best of 2, the two sides timed in turn; predict_proba (on the test rows)
the best of {PREDICT_TURNS} turns of {PREDICT_CALLS} consecutive calls, the sides' turns
alternating (a side's first call after the other's can meet OpenBLAS's idle threads
still spinning, so one call per turn would time that rather than the prediction).
Both after an untimed warm-up; speed-ups are scikit-learn time / crmmine time. Peak
MiB is what one fit adds to resident memory at its worst (VmHWM after - VmRSS before,
input not counted). AUC is scikit-learn's roc_auc_score on the test rows for both.
"""


def run(sizes, thread_counts: list[int]) -> list[dict[str, object]]:
    rows = []
    for dataset, n in sizes:
        progress(f"building {dataset} at {n:,} rows")
        churn = inputs.load(dataset, n, forms=("onehot",))
        problem = Problem(
            churn.name,
            churn.onehot_train,
            churn.y_train,
            churn.onehot_test,
            churn.y_test,
            C=1.0 / (ALPHA * len(churn.y_train)),
        )
        del churn
        for penalty in PEERS:
            tight = fit_crmmine(problem, penalty, 1e-10, max(thread_counts))
            reference = problem.objective(tight, penalty)
            for threads in thread_counts:
                # the limit is set once around every call, not inside the timed ones:
                # entering threadpool_limits costs milliseconds
                with threadpool_limits(threads):
                    rows += compare(problem, penalty, threads, reference)
    return rows


class Problem:
    """One dataset's train and test matrices and the C both sides use."""

    def __init__(self, name, X, y, X_test, y_test, C):
        self.name, self.X, self.y, self.X_test, self.y_test = name, X, y, X_test, y_test
        self.C = C

    def objective(self, model, penalty: str) -> float:
        """C * sum of log-losses + penalty at the model's coefficients, intercept not
        penalised; one numpy function for every solver."""
        coef = np.asarray(model.coef_, dtype=np.float64).reshape(-1)
        intercept = float(np.asarray(model.intercept_).reshape(-1)[0])
        z = self.X @ coef + intercept
        loss = float(np.sum(np.logaddexp(0.0, z) - self.y * z))
        regulariser = np.abs(coef).sum() if penalty == "l1" else 0.5 * coef @ coef
        return self.C * loss + float(regulariser)


def compare(problem, penalty, threads, reference) -> list[dict[str, object]]:
    progress(f"{problem.name} {penalty} at {threads} thread(s)")
    lowest = [reference]  # the lowest objective any fit reached so far
    ours = calibrate("crmmine", problem, penalty, threads, lowest)
    theirs = {
        solver: calibrate(solver, problem, penalty, threads, lowest)
        for solver in PEERS[penalty]
    }
    ours_gap = gap(ours["objective"], lowest[0])
    if not ours_gap <= TARGET_GAP:
        raise SystemExit(
            f"{problem.name} {penalty}: crmmine's best objective is {ours_gap:.1e} "
            "above the lowest found; not timing"
        )
    ours_fit = partial(fit_any, "crmmine", problem, penalty, ours["tol"], threads)
    ours_predict = partial(predict, ours["model"], problem.X_test)
    common = {
        "data": problem.name,
        "n": len(problem.y) + len(problem.y_test),
        "features": problem.X.shape[1],
        "penalty": penalty,
        "threads": threads,
        "crmmine tol": f"{ours['tol']:g}",
        "crmmine gap": f"{ours_gap:.1e}",
        "crmmine AUC": roc_auc_score(problem.y_test, ours_predict()[:, 1]),
        "crmmine peak MiB": harness.peak_memory(ours_fit),
    }
    rows = []
    for solver, found in theirs.items():
        row = common | {
            "peer": solver,
            "peer tol": f"{found['tol']:g}" if found["reached"] else "not reached",
            "peer gap": f"{gap(found['objective'], lowest[0]):.1e}",
        }
        if found["reached"]:
            theirs_fit = partial(
                fit_any, solver, problem, penalty, found["tol"], threads
            )
            theirs_predict = partial(predict, found["model"], problem.X_test)
            ours_s, theirs_s = harness.alternating_best(ours_fit, theirs_fit, 2)
            ours_p, theirs_p = harness.alternating_best(
                ours_predict, theirs_predict, PREDICT_TURNS, PREDICT_CALLS
            )
            row |= {
                "crmmine fit s": ours_s,
                "peer fit s": theirs_s,
                "fit speed-up": theirs_s / ours_s,
                "predict speed-up": theirs_p / ours_p,
                "peer peak MiB": harness.peak_memory(theirs_fit),
                "peer AUC": roc_auc_score(problem.y_test, theirs_predict()[:, 1]),
            }
        rows.append(row)
    timed = [row for row in rows if row.get("peer fit s") is not None]
    if len(timed) > 1:
        min(timed, key=lambda row: row["peer fit s"])["peer"] += " (fastest)"
    return rows


def calibrate(solver, problem, penalty, threads, lowest) -> dict[str, object]:
    """Fit at each tol in TOLS until the objective is within TARGET_GAP of the lowest
    known (``lowest[0]``, updated); the last fit is also the timed runs' warm-up."""
    for tol in TOLS:
        began = time.perf_counter()
        model = fit_any(solver, problem, penalty, tol, threads)
        seconds = time.perf_counter() - began
        value = problem.objective(model, penalty)
        lowest[0] = min(lowest[0], value)
        found = {"tol": tol, "model": model, "objective": value, "reached": False}
        if gap(value, lowest[0]) <= TARGET_GAP:
            return found | {"reached": True}
        if seconds > TIME_LIMIT_S:
            progress(f"{solver}: {seconds:.0f} s at tol={tol:g}; not tightening")
            break
    progress(f"{solver}: objective {gap(value, lowest[0]):.1e} above the lowest")
    return found


def gap(value: float, lowest: float) -> float:
    return (value - lowest) / abs(lowest)


def fit_any(solver, problem, penalty, tol, threads):
    if solver == "crmmine":
        return fit_crmmine(problem, penalty, tol, threads)
    return fit_sklearn(solver, problem, penalty, tol, threads)


def fit_crmmine(problem, penalty, tol, threads):
    model = crmmine.LogisticRegression(
        penalty, C=problem.C, tol=tol, max_iter=10_000, n_jobs=threads
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(problem.X, problem.y)


def fit_sklearn(solver, problem, penalty, tol, threads):
    # saga and liblinear visit rows / coordinates in a random order: seed it
    extra = {"max_iter": 1_000 if solver == "saga" else 10_000, "random_state": 0}
    if solver == "liblinear":
        extra["intercept_scaling"] = LIBLINEAR_INTERCEPT_SCALING
    model = SkLogisticRegression(
        C=problem.C, solver=solver, tol=tol, **extra, **spell(penalty)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(problem.X, problem.y)


def spell(penalty: str) -> dict[str, object]:
    """The penalty in this scikit-learn's spelling: l1_ratio from 1.8 on (where
    ``penalty`` is deprecated), ``penalty`` before."""
    major, minor = (int(part) for part in sklearn.__version__.split(".")[:2])
    if (major, minor) >= (1, 8):
        return {"l1_ratio": 1.0 if penalty == "l1" else 0.0}
    return {"penalty": penalty}


def predict(model, X):
    return model.predict_proba(X)


def progress(message: str) -> None:
    print(f"[logistic] {message}", file=sys.stderr, flush=True)
