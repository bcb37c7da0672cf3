"""LogisticRegression against scikit-learn on the Telco churn data: the same
coefficients from the same objective, the same AUC, weights as repeated rows, thread
invariance, the estimator contract and errors."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.utils.estimator_checks import parametrize_with_checks

import crmmine

TIGHT = dict(tol=1e-8, max_iter=10_000)


@pytest.fixture(scope="module")
def telco(shared_data):
    """Telco churn as (X_train, y_train, X_test, y_test), features standardised.

    TotalCharges is blank for the 11 customers with tenure 0, who have not been billed
    yet: it is set to 0 for them (asserted below), not dropped. Categoricals are
    one-hot encoded by pandas, dropping the first level; the "No internet service" and
    "No phone service" levels repeat InternetService_No and PhoneService_Yes (up to the
    intercept), so they are dropped too: with exactly collinear columns the L1 optimum
    is not unique and no coefficient comparison could hold. Numeric columns are
    standardised on the training rows.
    """
    df = pd.read_csv(shared_data("telco_churn.csv.gz"))
    blank = df["TotalCharges"].astype(str).str.strip() == ""
    assert (df.loc[blank, "tenure"] == 0).all() and blank.sum() == 11
    df["TotalCharges"] = pd.to_numeric(df["TotalCharges"].where(~blank, "0"))
    y = df.pop("Churn").to_numpy(dtype=object)
    df = df.drop(columns="customerID")
    numeric = ["tenure", "MonthlyCharges", "TotalCharges"]
    categorical = [c for c in df.columns if c not in numeric]
    X = pd.get_dummies(df, columns=categorical, drop_first=True, dtype=float)
    X = X.loc[:, ~X.columns.str.contains("No internet service|No phone service")]
    assert np.linalg.matrix_rank(np.c_[np.ones(len(X)), X]) == X.shape[1] + 1
    train = np.random.default_rng(0).random(len(X)) < 0.7
    mean = X.loc[train, numeric].mean()
    std = X.loc[train, numeric].std(ddof=0)
    X[numeric] = (X[numeric] - mean) / std
    return X[train], y[train], X[~train], y[~train]


def sk_model(penalty, C, l1_ratio=None, **kwargs):
    """scikit-learn's model for our penalty, in its post-1.8 spelling (l1_ratio)."""
    if penalty == "l2":
        return SkLogisticRegression(C=C, l1_ratio=0.0, solver="lbfgs", **kwargs)
    ratio = 1.0 if penalty == "l1" else l1_ratio
    return SkLogisticRegression(C=C, l1_ratio=ratio, solver="saga", **kwargs)


def objective(X, y01, coef, intercept, C, l1, l2, sample_weight=None):
    z = X @ coef + intercept
    loss = np.logaddexp(0.0, z) - y01 * z
    w = np.ones_like(z) if sample_weight is None else sample_weight
    return C * np.sum(w * loss) + l1 * np.abs(coef).sum() + 0.5 * l2 * coef @ coef


@pytest.mark.parametrize("solver", ["newton", "lbfgs"])
@pytest.mark.parametrize("C", [0.05, 1.0, 10.0])
def test_l2_equals_sklearn_lbfgs_on_telco(telco, C, solver):
    X, y, X_test, y_test = telco
    ours = crmmine.LogisticRegression(C=C, solver=solver, **TIGHT).fit(X, y)
    theirs = sk_model("l2", C, **TIGHT).fit(X, y)
    assert ours.classes_.tolist() == theirs.classes_.tolist() == ["No", "Yes"]
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=0, atol=1e-4)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=0, atol=1e-4)
    auc_ours = roc_auc_score(y_test == "Yes", ours.predict_proba(X_test)[:, 1])
    auc_theirs = roc_auc_score(y_test == "Yes", theirs.predict_proba(X_test)[:, 1])
    assert abs(auc_ours - auc_theirs) < 0.01 and auc_ours > 0.8
    np.testing.assert_allclose(
        ours.predict_proba(X_test), theirs.predict_proba(X_test), atol=1e-5
    )
    np.testing.assert_allclose(
        ours.decision_function(X_test), theirs.decision_function(X_test), atol=1e-4
    )


@pytest.mark.parametrize("penalty", ["l2", None])
def test_newton_takes_few_steps_to_sklearn_newton_cholesky_optimum(telco, penalty):
    """scikit-learn's solver name is accepted; Newton converges quadratically, so a
    handful of steps reach what L-BFGS reaches in dozens."""
    X, y, _, _ = telco
    ours = crmmine.LogisticRegression(penalty, solver="newton-cholesky", tol=1e-8)
    ours.fit(X, y)
    theirs = SkLogisticRegression(
        C=1.0 if penalty else np.inf, l1_ratio=0.0, solver="newton-cholesky", tol=1e-8
    ).fit(X, y)
    lbfgs = crmmine.LogisticRegression(penalty, solver="lbfgs", tol=1e-8, max_iter=1000)
    lbfgs.fit(X, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=0, atol=1e-6)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=0, atol=1e-6)
    assert ours.n_iter_[0] <= 10 < lbfgs.n_iter_[0]


@pytest.mark.parametrize(("penalty", "l1_ratio"), [("l1", None), ("elasticnet", 0.5)])
@pytest.mark.parametrize("C", [0.02, 0.5])
def test_l1_and_elasticnet_equal_sklearn_saga_on_telco(telco, penalty, l1_ratio, C):
    """saga (which leaves the intercept unpenalised, unlike liblinear) at a tight tol:
    the same coefficients, the same zeros, and no higher objective than saga's."""
    X, y, _, _ = telco
    ours = crmmine.LogisticRegression(penalty, C=C, l1_ratio=l1_ratio, **TIGHT)
    ours.fit(X, y)
    theirs = sk_model(penalty, C, l1_ratio, tol=1e-9, max_iter=20_000)
    theirs.fit(X.to_numpy(), y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=0, atol=1e-4)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=0, atol=1e-4)
    assert (ours.coef_ == 0).sum() >= 1 if C == 0.02 else True
    np.testing.assert_array_equal(ours.coef_ == 0, np.abs(theirs.coef_) < 1e-6)
    ratio = 1.0 if penalty == "l1" else l1_ratio
    X64, y01 = X.to_numpy(), (y == "Yes").astype(float)
    mine = objective(X64, y01, ours.coef_[0], ours.intercept_[0], C, ratio, 1 - ratio)
    saga = objective(
        X64, y01, theirs.coef_[0], theirs.intercept_[0], C, ratio, 1 - ratio
    )
    assert mine <= saga * (1 + 1e-10)
    assert ours.objective_ == pytest.approx(mine, rel=1e-10)


@pytest.mark.parametrize("penalty", ["l2", "l1"])
def test_sample_weight_equals_repeated_rows(telco, penalty):
    X, y, _, _ = telco
    X = X.to_numpy()[:2000]
    y = y[:2000]
    counts = np.random.default_rng(1).integers(0, 4, len(y))
    weighted = crmmine.LogisticRegression(penalty, C=0.3, **TIGHT)
    weighted.fit(X, y, sample_weight=counts.astype(float))
    repeated = crmmine.LogisticRegression(penalty, C=0.3, **TIGHT)
    repeated.fit(np.repeat(X, counts, axis=0), np.repeat(y, counts))
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=0, atol=1e-6)
    np.testing.assert_allclose(weighted.intercept_, repeated.intercept_, atol=1e-6)


@pytest.mark.parametrize("penalty", ["l2", "l1"])
def test_class_weight_equals_repeated_rows_and_balanced_equals_sklearn(telco, penalty):
    X, y, _, _ = telco
    X = X.to_numpy()
    by_class = crmmine.LogisticRegression(
        penalty, C=0.3, class_weight={"Yes": 3}, **TIGHT
    ).fit(X, y)
    counts = np.where(y == "Yes", 3, 1)
    repeated = crmmine.LogisticRegression(penalty, C=0.3, **TIGHT)
    repeated.fit(np.repeat(X, counts, axis=0), np.repeat(y, counts))
    np.testing.assert_allclose(by_class.coef_, repeated.coef_, rtol=0, atol=1e-6)
    if penalty == "l2":
        ours = crmmine.LogisticRegression(C=0.3, class_weight="balanced", **TIGHT)
        theirs = sk_model("l2", 0.3, class_weight="balanced", **TIGHT)
        sw = np.random.default_rng(2).uniform(0.5, 2.0, len(y))
        ours.fit(X, y, sample_weight=sw)
        theirs.fit(X, y, sample_weight=sw)
        np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=0, atol=1e-4)


@pytest.mark.parametrize("penalty", ["l2", "l1", "elasticnet"])
def test_one_and_two_threads_give_identical_bits(telco, penalty):
    X, y, X_test, _ = telco
    fits = [
        crmmine.LogisticRegression(penalty, C=0.5, l1_ratio=0.5, n_jobs=n, **TIGHT).fit(
            X, y
        )
        for n in (1, 2)
    ]
    np.testing.assert_array_equal(fits[0].coef_, fits[1].coef_)
    np.testing.assert_array_equal(fits[0].intercept_, fits[1].intercept_)
    np.testing.assert_array_equal(fits[0].n_iter_, fits[1].n_iter_)
    np.testing.assert_array_equal(
        fits[0].predict_proba(X_test), fits[1].predict_proba(X_test)
    )


def test_attributes_labels_and_probabilities(telco):
    X, y, X_test, _ = telco
    model = crmmine.LogisticRegression().fit(X, y)
    assert model.coef_.shape == (1, X.shape[1]) and model.intercept_.shape == (1,)
    assert model.n_iter_.shape == (1,) and 0 < model.n_iter_[0] <= 100
    assert model.n_features_in_ == X.shape[1]
    assert model.feature_names_in_.tolist() == X.columns.tolist()
    proba = model.predict_proba(X_test)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(np.exp(model.predict_log_proba(X_test)), proba)
    assert set(model.predict(X_test)) <= {"No", "Yes"}
    assert model.score(X_test, model.predict(X_test)) == 1.0


def test_not_converged_warns_and_separable_data_stays_finite():
    X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    y = np.array([0, 0, 1, 1])
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        model = crmmine.LogisticRegression(None, max_iter=5).fit(X, y)
    assert np.isfinite(model.coef_).all() and model.n_iter_[0] == 5
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        crmmine.LogisticRegression().fit(X, y)


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: crmmine.LogisticRegression().fit([[0], [1], [2]], [0, 1, 2]), ValueError, "Only binary classification"),
        (lambda: crmmine.LogisticRegression().fit([[0], [1]], [1, 1]), ValueError, "class"),
        (lambda: crmmine.LogisticRegression(penalty="l3").fit([[0], [1]], [0, 1]), ValueError, "penalty"),
        (lambda: crmmine.LogisticRegression(C=0).fit([[0], [1]], [0, 1]), ValueError, "C must"),
        (lambda: crmmine.LogisticRegression(C="1").fit([[0], [1]], [0, 1]), TypeError, "C must"),
        (lambda: crmmine.LogisticRegression("elasticnet").fit([[0], [1]], [0, 1]), ValueError, "l1_ratio"),
        (lambda: crmmine.LogisticRegression("elasticnet", l1_ratio=2).fit([[0], [1]], [0, 1]), ValueError, "l1_ratio"),
        (lambda: crmmine.LogisticRegression(max_iter=0).fit([[0], [1]], [0, 1]), ValueError, "max_iter"),
        (lambda: crmmine.LogisticRegression(solver="saga").fit([[0], [1]], [0, 1]), ValueError, "solver must"),
        (lambda: crmmine.LogisticRegression("l1", solver="lbfgs").fit([[0], [1]], [0, 1]), ValueError, "solver='lbfgs' supports"),
        (lambda: crmmine.LogisticRegression(tol=-1).fit([[0], [1]], [0, 1]), ValueError, "tol"),
        (lambda: crmmine.LogisticRegression(class_weight="even").fit([[0], [1]], [0, 1]), ValueError, "class_weight"),
        (lambda: crmmine.LogisticRegression(class_weight={5: 1}).fit([[0], [1]], [0, 1]), ValueError, "class_weight"),
        (lambda: crmmine.LogisticRegression().fit([[0], [1]], [0, 1], sample_weight=[1, -1]), ValueError, "sample_weight"),
        (lambda: crmmine.LogisticRegression().fit([[0], [1]], [0, 1], sample_weight=[1]), ValueError, "sample_weight"),
        (lambda: crmmine.LogisticRegression().fit([[0], [np.nan]], [0, 1]), ValueError, "NaN"),
        (lambda: crmmine.LogisticRegression(n_jobs=0).fit([[0], [1]], [0, 1]), ValueError, "n_jobs"),
        (lambda: crmmine.LogisticRegression().fit([[0], [1]], [0, 1]).predict([[0, 1]]), ValueError, "features"),
    ],
)  # fmt: skip
def test_bad_input_is_refused(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize(("penalty", "l1_ratio"), [("l1", None), ("elasticnet", 0.5)])
def test_l1_and_elasticnet_refuse_more_than_4095_features(penalty, l1_ratio):
    """Proximal Newton keeps a dense (n_features + 1)^2 Hessian; past 4095 features
    (128 MiB) the fit stops before allocating it, naming the argument to change and
    the fix. L-BFGS (L2) keeps no Hessian and takes the same matrix."""
    X = np.random.default_rng(0).normal(size=(4, 4096))
    y = np.array([0, 1, 0, 1])
    model = crmmine.LogisticRegression(penalty, l1_ratio=l1_ratio)
    with pytest.raises(crmmine.ResourceLimitError) as refused:
        model.fit(X, y)
    assert isinstance(refused.value, MemoryError)
    message = str(refused.value)
    assert message.startswith("penalty: ") and "4096 features" in message
    assert "penalty='l2'" in message and "at most 4095" in message
    assert crmmine.LogisticRegression("l2").fit(X, y).coef_.shape == (1, 4096)


def test_l1_accepts_4095_features():
    """The largest problem the guard above lets through still fits."""
    X = np.random.default_rng(0).normal(size=(4, 4095))
    model = crmmine.LogisticRegression("l1").fit(X, [0, 1, 0, 1])
    assert model.coef_.shape == (1, 4095) and np.isfinite(model.coef_).all()
    assert model.predict(X).tolist() == [0, 1, 0, 1]


@parametrize_with_checks([crmmine.LogisticRegression()])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_works_without_scikit_learn():
    """The same estimator with scikit-learn hidden: the stand-in base classes."""
    script = """
import sys
sys.modules["sklearn"] = None
import numpy as np, crmmine
X = np.array([[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]])
y = np.array(["a", "a", "b", "a", "b", "b"])
model = crmmine.LogisticRegression(C=10.0).fit(X, y)
assert model.predict([[0.0], [5.0]]).tolist() == ["a", "b"]
assert model.score(X, y) == 4 / 6 and "C=10.0" in repr(model)
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.stdout.strip() == "ok", out.stderr
