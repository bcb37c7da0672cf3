"""Decision trees: ``crmmine.DecisionTreeClassifier`` against
``sklearn.tree.DecisionTreeClassifier`` in the same process, on the same rows, at the
same depth. crmmine gets the ordinal-encoded matrix scikit-learn gets and, separately,
the DataFrame with native categorical columns.

A crmmine build without ``DecisionTreeClassifier`` runs the scikit-learn side alone and
says so; its crmmine columns read n/a.
"""

from __future__ import annotations

import sys
from functools import partial

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.tree import DecisionTreeClassifier as SkDecisionTreeClassifier
from threadpoolctl import threadpool_limits

import crmmine
import harness
from churn import inputs

TREE = getattr(crmmine, "DecisionTreeClassifier", None)
MISSING = (
    f"crmmine {crmmine.__version__} has no DecisionTreeClassifier: only the "
    "scikit-learn side ran, the crmmine columns read n/a."
)

TITLE = "Churn decision tree: crmmine.DecisionTreeClassifier vs scikit-learn"
RESULT_FILE = "churn_decision_tree.md"
#: (dataset, rows before the 80/20 split)
SIZES = [("synthetic", 1_000_000), ("synthetic", 5_000_000), ("telco", 1_000_000)]
QUICK_SIZES = [("synthetic", 50_000), ("telco", 50_000)]
DEPTHS = [8, 12]
FORMS = ("matrix", "frame")
#: predictions take milliseconds: predict_proba is timed in PREDICT_TURNS turns of
#: PREDICT_CALLS calls a side, enough that both sides reach their floor
PREDICT_TURNS = 10
PREDICT_CALLS = 3
#: a crmmine test AUC this far below scikit-learn's means a broken model: abort
AUC_SANITY = 0.05
#: random_state values whose AUC spread and mean are reported for both libraries, and
#: the largest n they are measured at (each is one more fit)
SPREAD_SEEDS = range(10)
SPREAD_MAX_ROWS = 1_000_000
COLUMNS = [
    "data",
    "n",
    "depth",
    "threads",
    "crmmine input",
    "crmmine fit s",
    "sklearn fit s",
    "fit speed-up",
    "crmmine predict s",
    "sklearn predict s",
    "predict speed-up",
    "crmmine peak MiB",
    "sklearn peak MiB",
    "crmmine AUC",
    "sklearn AUC",
    "AUC difference",
    "crmmine AUC, random_state 0-9",
    "sklearn AUC, random_state 0-9",
    "mean AUC difference",
    "crmmine leaves",
    "sklearn leaves",
]
NOTES = ("**" + MISSING + "**\n\n" if TREE is None else "") + (
    f"""
Data (`benchmarks/churn/inputs.py`, seeded): "synthetic" is a customer table of 14
numeric columns (tenure, spend, recency, counts, several heavy-tailed) and 6
categoricals (contract, payment method, 50 regions, plan, channel, internet service)
with a 20% churn rate drawn from log-odds with thresholds and interactions; "Telco" is
the IBM Telco churn sample (4 numeric, 15 categorical columns; blank TotalCharges of
the 11 tenure-0 customers set to 0), split 80/20 by customer and each part repeated to
its share of n. n counts train + test rows (80/20 split).

scikit-learn: `DecisionTreeClassifier(criterion="gini", max_depth=depth,
random_state=0)` on the float64 matrix with each categorical as its category code
(it converts X to float32 itself, inside the timed and measured call). crmmine:
`DecisionTreeClassifier(max_depth=depth, random_state=0, n_jobs=threads)` with its
defaults otherwise (gini, splitter="auto", max_bins=255) on "matrix", the same float64
matrix, or on "frame", the DataFrame whose categorical columns have pandas `category`
dtype (native categorical splits). scikit-learn's tree is single-threaded: it is timed
once per data and depth, and its numbers repeat on each threads row.

Fit times are the best of 2. predict_proba on the test rows is the best of
{PREDICT_TURNS} turns of {PREDICT_CALLS} consecutive calls, the turns alternating with
scikit-learn's on each row (so its predict column varies by row; a side's first call
after the other's can meet the other's idle threads still spinning), after an
untimed warm-up whose predictions are checked (probabilities, depth, and an AUC not
more than 0.05 below scikit-learn's; otherwise the run aborts). Speed-ups are
scikit-learn time / crmmine time. Peak MiB is what one fit adds to resident memory at
its worst (VmHWM after - VmRSS before, input not counted). AUC is scikit-learn's
roc_auc_score on the test rows; "AUC difference" is crmmine - scikit-learn, both at
random_state=0. Where features tie for the best split, both libraries take the first
in a random feature order drawn per node from random_state, and the two draw
differently, so one seed against the other compares two draws: Telco's add-on
columns tie wherever they separate the customers without internet service. The
"random_state 0-9" columns give the lowest, highest and mean test AUC of ten fits
that differ only in random_state, and "mean AUC difference" is crmmine's mean -
scikit-learn's (run up to 1M rows; crmmine's at its first thread count, since the
tree does not depend on it).
"""
)


def run(sizes, thread_counts: list[int]) -> list[dict[str, object]]:
    if TREE is None:
        progress(MISSING)
    rows = []
    for dataset, n in sizes:
        progress(f"building {dataset} at {n:,} rows")
        churn = inputs.load(dataset, n, forms=("frame", "ordinal"))
        for depth in DEPTHS:
            # scikit-learn's tree is single-threaded; the limit is set around the
            # calls, not inside the timed ones (entering it costs milliseconds)
            with threadpool_limits(1):
                theirs = sklearn_side(churn, depth)
            if TREE is None:
                rows.append(theirs | {"crmmine input": "not available"})
                continue
            # the tree does not depend on the thread count: its AUC over seeds is
            # measured once per input, at the first thread count
            spreads = {
                form: crmmine_spread(churn, depth, form, thread_counts[0])
                for form in FORMS
            }
            for threads in thread_counts:
                for form in FORMS:
                    rows.append(
                        theirs
                        | crmmine_side(churn, depth, threads, form, theirs)
                        | mean_difference(spreads[form], theirs["sklearn seed spread"])
                    )
        del churn
    return rows


def sklearn_side(churn, depth: int) -> dict[str, object]:
    progress(f"{churn.name} depth {depth}: scikit-learn")
    fit = partial(fit_sklearn, churn.ordinal_train, churn.y_train, depth)
    model = fit()  # warm-up
    proba = partial(model.predict_proba, churn.ordinal_test)
    auc = roc_auc_score(churn.y_test, check(model, proba(), depth, "scikit-learn"))
    spread = seed_spread(
        churn,
        f"{churn.name} depth {depth}: scikit-learn",
        lambda seed: fit_sklearn(churn.ordinal_train, churn.y_train, depth, seed),
        churn.ordinal_test,
    )
    return {
        "data": churn.name,
        "n": churn.n,
        "depth": depth,
        "threads": "any",
        "sklearn fit s": harness.best_time(fit, 2),
        "sklearn peak MiB": harness.peak_memory(fit),
        "sklearn AUC": auc,
        "sklearn leaves": int(model.get_n_leaves()),
        "sklearn predict": proba,
        "sklearn seed spread": spread,
        "sklearn AUC, random_state 0-9": spread_text(spread),
    }


def seed_spread(churn, who: str, fit_at_seed, X_test) -> dict[str, float] | None:
    """Lowest, highest and mean test AUC of the fits over SPREAD_SEEDS (None above
    SPREAD_MAX_ROWS)."""
    if churn.n > SPREAD_MAX_ROWS:
        return None
    progress(f"{who}: test AUC over random_state")
    aucs = [
        roc_auc_score(churn.y_test, fit_at_seed(seed).predict_proba(X_test)[:, 1])
        for seed in SPREAD_SEEDS
    ]
    return {"low": min(aucs), "high": max(aucs), "mean": float(np.mean(aucs))}


def spread_text(spread: dict[str, float] | None) -> str:
    if spread is None:
        return "not run"
    return f"{spread['low']:.3f} to {spread['high']:.3f}, mean {spread['mean']:.4f}"


def crmmine_inputs(churn, form: str):
    """(train, test) of the form crmmine is given: the DataFrame or the matrix."""
    if form == "frame":
        return churn.frame_train, churn.frame_test
    return churn.ordinal_train, churn.ordinal_test


def crmmine_spread(churn, depth: int, form: str, threads: int):
    X, X_test = crmmine_inputs(churn, form)
    return seed_spread(
        churn,
        f"{churn.name} depth {depth}: crmmine on the {form}",
        lambda seed: fit_crmmine(X, churn.y_train, depth, threads, seed),
        X_test,
    )


def mean_difference(ours, theirs) -> dict[str, object]:
    return {
        "crmmine AUC, random_state 0-9": spread_text(ours),
        "mean AUC difference": "n/a" if ours is None else ours["mean"] - theirs["mean"],
    }


def crmmine_side(churn, depth, threads, form, theirs) -> dict[str, object]:
    progress(f"{churn.name} depth {depth}: crmmine on the {form}, {threads} thread(s)")
    X, X_test = crmmine_inputs(churn, form)
    fit = partial(fit_crmmine, X, churn.y_train, depth, threads)
    model = fit()  # warm-up
    proba = partial(model.predict_proba, X_test)
    auc = roc_auc_score(churn.y_test, check(model, proba(), depth, "crmmine"))
    if auc < theirs["sklearn AUC"] - AUC_SANITY:
        raise SystemExit(
            f"{churn.name} depth {depth} {form}: crmmine test AUC {auc:.4f} vs "
            f"scikit-learn {theirs['sklearn AUC']:.4f}; not timing a broken model"
        )
    fit_s = harness.best_time(fit, 2)
    # scikit-learn's predictions are timed here, in turn with crmmine's, under the
    # thread limit its own calls ran with
    with threadpool_limits(1):
        predict_s, theirs_predict_s = harness.alternating_best(
            proba, theirs["sklearn predict"], PREDICT_TURNS, PREDICT_CALLS
        )
    return {
        "threads": threads,
        "crmmine input": form,
        "crmmine fit s": fit_s,
        "fit speed-up": theirs["sklearn fit s"] / fit_s,
        "crmmine predict s": predict_s,
        "sklearn predict s": theirs_predict_s,
        "predict speed-up": theirs_predict_s / predict_s,
        "crmmine peak MiB": harness.peak_memory(fit),
        "crmmine AUC": auc,
        "AUC difference": auc - theirs["sklearn AUC"],
        "crmmine leaves": int(model.get_n_leaves()),
    }


def check(model, proba: np.ndarray, depth: int, who: str) -> np.ndarray:
    """The churn probabilities, after checking they are probabilities of a tree no
    deeper than asked."""
    ok = (
        proba.ndim == 2
        and proba.shape[1] == 2
        and np.isfinite(proba).all()
        and np.allclose(proba.sum(axis=1), 1.0)
        and ((proba >= 0) & (proba <= 1)).all()
        and model.get_depth() <= depth
        and list(model.classes_) == [0, 1]
    )
    if not ok:
        raise SystemExit(f"{who}: predict_proba or get_depth is wrong; not timing")
    return proba[:, 1]


def fit_sklearn(X, y, depth, seed=0):
    model = SkDecisionTreeClassifier(
        criterion="gini", max_depth=depth, random_state=seed
    )
    return model.fit(X, y)


def fit_crmmine(X, y, depth, threads, seed=0):
    return TREE(max_depth=depth, random_state=seed, n_jobs=threads).fit(X, y)


def progress(message: str) -> None:
    print(f"[tree] {message}", file=sys.stderr, flush=True)
