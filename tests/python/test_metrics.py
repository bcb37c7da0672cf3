"""crmmine.metrics against scikit-learn (same inputs, same results) and the campaign
tables against plain pandas / numpy implementations of their documented definitions."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as sk

import crmmine
from crmmine import metrics as cm


def sample(n, levels, seed, positive_rate=0.3):
    """Labels, scores from a few levels (so many tie) and weights with some zeros."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < positive_rate).astype(np.int64)
    y[0], y[-1] = 1, 0
    if levels is None:
        score = rng.normal(size=n) + y
    else:
        score = np.round(rng.random(n) + 0.3 * y, levels)
    weight = rng.random(n) * 3
    weight[rng.random(n) < 0.1] = 0.0
    return y, score, weight


CASES = [
    (n, levels, seed)
    for seed, (n, levels) in enumerate(
        [
            (2, None),
            (3, 1),
            (17, 1),
            (200, 1),
            (200, 2),
            (1000, None),
            (5000, 2),
            (70_000, 3),
        ]
    )
]


@pytest.mark.parametrize(("n", "levels", "seed"), CASES)
@pytest.mark.parametrize("weighted", [False, True])
def test_ranking_metrics_equal_sklearn(n, levels, seed, weighted):
    y, score, weight = sample(n, levels, seed)
    w = weight if weighted else None
    if weighted:
        w[0] = w[-1] = 1.0  # keep both classes
    assert cm.roc_auc_score(y, score, sample_weight=w) == pytest.approx(
        sk.roc_auc_score(y, score, sample_weight=w), rel=1e-12
    )
    assert cm.average_precision_score(y, score, sample_weight=w) == pytest.approx(
        sk.average_precision_score(y, score, sample_weight=w), rel=1e-12
    )
    for max_fpr in (0.01, 0.1, 0.5, 0.99, 1.0):
        assert cm.roc_auc_score(
            y, score, sample_weight=w, max_fpr=max_fpr
        ) == pytest.approx(
            sk.roc_auc_score(y, score, sample_weight=w, max_fpr=max_fpr), rel=1e-10
        )


@pytest.mark.parametrize(("n", "levels", "seed"), CASES)
@pytest.mark.parametrize("weighted", [False, True])
def test_probability_metrics_equal_sklearn(n, levels, seed, weighted):
    y, score, weight = sample(n, levels, seed)
    proba = 1 / (1 + np.exp(-score))
    proba[::7] = np.round(proba[::7])  # exact 0 and 1: the clipping matters
    w = weight if weighted else None
    if weighted:
        w[0] = 1.0
    assert cm.log_loss(y, proba, sample_weight=w) == pytest.approx(
        sk.log_loss(y, proba, sample_weight=w), rel=1e-12
    )
    assert cm.log_loss(y, proba, sample_weight=w, normalize=False) == pytest.approx(
        sk.log_loss(y, proba, sample_weight=w, normalize=False), rel=1e-12
    )
    assert cm.brier_score_loss(y, proba, sample_weight=w) == pytest.approx(
        sk.brier_score_loss(y, proba, sample_weight=w), rel=1e-12
    )


LABELINGS = {
    "int 0/1": (lambda y: y, {}),
    "bool": (lambda y: y.astype(bool), {}),
    "-1/1": (lambda y: np.where(y == 1, 1, -1), {}),
    "float 0/1": (lambda y: y.astype(float), {}),
    "3/7": (lambda y: np.where(y == 1, 7, 3), {}),
    "text": (lambda y: np.where(y == 1, "churn", "stay"), {"pos_label": "churn"}),
    "text list": (lambda y: list(np.where(y == 1, "yes", "no")), {"pos_label": "yes"}),
    "Series": (lambda y: pd.Series(y, index=np.arange(len(y)) * 3), {}),
}


@pytest.mark.parametrize("labeling", list(LABELINGS))
def test_label_types_follow_sklearn(labeling):
    y01, score, _ = sample(300, 1, 99)
    make, options = LABELINGS[labeling]
    y = make(y01)
    proba = np.clip(score / score.max(), 0, 1)
    assert cm.roc_auc_score(y, score) == pytest.approx(sk.roc_auc_score(y, score))
    if "pos_label" in options or labeling in ("int 0/1", "bool", "-1/1", "float 0/1"):
        assert cm.average_precision_score(y, score, **options) == pytest.approx(
            sk.average_precision_score(y, score, **options)
        )
    assert cm.brier_score_loss(y, proba, **options) == pytest.approx(
        sk.brier_score_loss(y, proba, **options)
    )
    assert cm.log_loss(y, proba) == pytest.approx(sk.log_loss(y, proba))


def test_one_class_decisions():
    y0, y1, score = [0, 0, 0], [1, 1, 1], [0.2, 0.5, 0.9]
    # undefined: crmmine refuses where scikit-learn warns and returns NaN or 0
    with pytest.raises(ValueError, match="y_true holds only one class"):
        cm.roc_auc_score(y0, score)
    with pytest.raises(ValueError, match="y_true: holds no positive"):
        cm.average_precision_score(y0, score)
    # defined: the same values as scikit-learn
    assert cm.average_precision_score(y1, score) == sk.average_precision_score(
        y1, score
    )
    for y in (y0, y1):
        assert cm.brier_score_loss(y, score) == pytest.approx(
            sk.brier_score_loss(y, score)
        )
        with pytest.raises(ValueError, match="only one label"):
            cm.log_loss(y, score)
        with pytest.raises(ValueError, match="only one label"):
            sk.log_loss(y, score)
        assert cm.log_loss(y, score, labels=[0, 1]) == pytest.approx(
            sk.log_loss(y, score, labels=[0, 1])
        )


def test_log_loss_float32_and_predict_proba_columns():
    y, score, _ = sample(2000, None, 5)
    proba = (1 / (1 + np.exp(-score))).astype(np.float32)
    proba[:50] = 1.0  # clipped at float32's epsilon, as scikit-learn does
    assert cm.log_loss(y, proba) == pytest.approx(sk.log_loss(y, proba), rel=1e-6)
    two = np.c_[1 - proba.astype(np.float64), proba.astype(np.float64)]
    assert cm.log_loss(y, two) == pytest.approx(sk.log_loss(y, two), rel=1e-12)
    labels = np.where(y == 1, "b", "a")
    assert cm.log_loss(labels, two[:, 1], labels=["a", "b"]) == pytest.approx(
        sk.log_loss(labels, two[:, 1], labels=["a", "b"])
    )


@pytest.mark.parametrize("seed", range(2))
def test_confusion_matrix_equals_sklearn(seed):
    rng = np.random.default_rng(seed)
    n = 600
    kinds = [
        (rng.integers(0, 4, n), rng.integers(0, 4, n)),
        (rng.integers(5, 9, n), rng.integers(4, 8, n)),
        (rng.choice(["b", "a", "c"], n), rng.choice(["a", "c", "d"], n)),
    ]
    weight = rng.random(n)
    int_weight = rng.integers(0, 4, n)
    options = [
        (None, None),
        (weight, None),
        (int_weight, None),
        (None, "true"),
        (weight, "pred"),
        (int_weight, "all"),
    ]
    for y_true, y_pred in kinds:
        for w, normalize in options:
            ours = cm.confusion_matrix(
                y_true, y_pred, sample_weight=w, normalize=normalize
            )
            theirs = sk.confusion_matrix(
                y_true, y_pred, sample_weight=w, normalize=normalize
            )
            assert ours.dtype == theirs.dtype
            np.testing.assert_allclose(ours, theirs, rtol=1e-12)
        labels = sorted(set(y_true.tolist()))[::-1][:2]
        np.testing.assert_allclose(
            cm.confusion_matrix(y_true, y_pred, labels=labels, sample_weight=weight),
            sk.confusion_matrix(y_true, y_pred, labels=labels, sample_weight=weight),
        )


def test_confusion_matrix_at_a_threshold():
    y, score, weight = sample(5000, 2, 8)
    for threshold in (-1.0, 0.0, 0.5, 0.51, 2.0):
        for w in (None, weight):
            predicted = np.where(score >= threshold, 1, 0)
            np.testing.assert_allclose(
                cm.confusion_matrix(y, score, threshold=threshold, sample_weight=w),
                sk.confusion_matrix(y, predicted, labels=[0, 1], sample_weight=w),
            )
    text = np.where(y == 1, "churn", "stay")
    predicted = np.where(score >= 0.5, "churn", "stay")
    np.testing.assert_array_equal(
        cm.confusion_matrix(text, score, threshold=0.5, labels=["stay", "churn"]),
        sk.confusion_matrix(text, predicted, labels=["stay", "churn"]),
    )


def test_confusion_matrix_single_label_warns_as_sklearn():
    with pytest.warns(UserWarning, match="A single label"):
        ours = cm.confusion_matrix([1, 1], [1, 1])
    np.testing.assert_array_equal(ours, [[2]])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.booleans(),
            st.sampled_from([0.0, -0.0, 0.25, 0.5, 1.0, -3.5, 1e-300]),
            st.sampled_from([0.0, 0.5, 1.0, 2.0]),
        ),
        min_size=2,
        max_size=40,
    )
)
def test_ranking_metrics_equal_sklearn_on_arbitrary_ties(rows):
    y = np.array([r[0] for r in rows], dtype=int)
    score = np.array([r[1] for r in rows])
    weight = np.array([r[2] for r in rows])
    for w in (None, weight):
        positive = (y * (1.0 if w is None else w)).sum()
        negative = ((1 - y) * (1.0 if w is None else w)).sum()
        if positive > 0 and negative > 0:
            assert cm.roc_auc_score(y, score, sample_weight=w) == pytest.approx(
                sk.roc_auc_score(y, score, sample_weight=w), rel=1e-12, abs=1e-15
            )
        if positive > 0:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # sklearn's 0/0 on zero-weight rows
                expected = sk.average_precision_score(y, score, sample_weight=w)
            assert cm.average_precision_score(y, score, sample_weight=w) == (
                pytest.approx(expected, rel=1e-12, abs=1e-15)
            )


def pandas_lift(y, score, bins):
    frame = pd.DataFrame({"y": y, "score": score})
    frame["decile"] = (
        pd.qcut(frame.score.rank(method="first", ascending=False), bins, labels=False)
        + 1
    )
    table = frame.groupby("decile").agg(
        customers=("y", "size"),
        responders=("y", "sum"),
        min_score=("score", "min"),
        max_score=("score", "max"),
    )
    rate = frame.y.mean()
    table["response_rate"] = table.responders / table.customers
    table["lift"] = table.response_rate / rate
    table["cumulative_customers_pct"] = 100 * table.customers.cumsum() / len(frame)
    table["cumulative_responders_pct"] = 100 * table.responders.cumsum() / frame.y.sum()
    table["cumulative_lift"] = (
        table.responders.cumsum() / table.customers.cumsum() / rate
    )
    return table


@pytest.mark.parametrize("n", [10, 11, 19, 57, 1001, 20_003])
@pytest.mark.parametrize("bins", [1, 4, 10])
def test_lift_table_equals_pandas_qcut_of_first_ranks(n, bins):
    y, score, _ = sample(n, 1, n + bins)
    ours = cm.lift_table(y, score, n_bins=bins)
    expected = pandas_lift(y, score, bins)
    assert list(ours.index) == list(range(1, bins + 1))
    assert ours.index.name == "decile"
    for column in expected.columns:
        np.testing.assert_allclose(
            ours[column], expected[column], rtol=1e-12, err_msg=column
        )
    assert ours.attrs["response_rate"] == pytest.approx(y.mean())


def test_gains_and_top_decile_lift_follow_the_lift_table():
    y, score, _ = sample(12_345, 2, 4, positive_rate=0.15)
    lift = cm.lift_table(y, score)
    gains = cm.gains_table(y, score)
    assert list(gains.index) == list(range(11))
    np.testing.assert_allclose(gains.gain_pct.iloc[1:], lift.cumulative_responders_pct)
    np.testing.assert_allclose(
        gains.customers_pct.iloc[1:], lift.cumulative_customers_pct
    )
    np.testing.assert_allclose(gains.cumulative_lift.iloc[1:], lift.cumulative_lift)
    assert gains.iloc[0].tolist()[:3] == [0.0, 0.0, 0.0]
    assert np.isnan(gains.cumulative_lift.iloc[0])
    perfect = np.minimum(gains.customers_pct / 100 * len(y), y.sum()) / y.sum() * 100
    np.testing.assert_allclose(gains.perfect_pct, perfect)
    top = np.argsort(-score, kind="stable")[: lift.customers.iloc[0]]
    assert cm.top_decile_lift(y, score) == pytest.approx(y[top].mean() / y.mean())
    assert cm.top_decile_lift(y, score) == lift.lift.iloc[0]


def brute_profit(y, score, cost, value, rate, expected):
    order = np.argsort(-score, kind="stable")
    churners = np.r_[0.0, np.cumsum(score[order] if expected else y[order])]
    contacted = np.arange(len(score) + 1)
    return contacted, churners, rate * value * churners - cost * contacted, order


@pytest.mark.parametrize("expected", [False, True])
@pytest.mark.parametrize("n", [1, 50, 70_001])
def test_profit_curve_equals_brute_force(expected, n):
    y, score, _ = sample(max(n, 2), 2, n)
    y, score = y[:n], np.clip(score[:n] / 1.3, 0, 1)
    contacted, churners, profit, order = brute_profit(
        y, score, 3.0, 40.0, 0.3, expected
    )
    curve = cm.profit_curve(
        None if expected else y,
        score,
        cost_per_contact=3.0,
        value_saved=40.0,
        acceptance_rate=0.3,
        expected=expected,
    )
    np.testing.assert_array_equal(curve.index, contacted)
    np.testing.assert_allclose(curve.churners, churners, rtol=1e-12)
    np.testing.assert_allclose(curve.profit, profit, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(curve.cost, 3.0 * contacted)
    np.testing.assert_allclose(curve.revenue, 0.3 * 40.0 * churners, rtol=1e-12)
    np.testing.assert_array_equal(curve.threshold.iloc[1:], score[order])
    best = curve.attrs["best_contacted"]
    assert curve.attrs["best_profit"] == pytest.approx(profit.max(), rel=1e-12)
    assert profit[best] == pytest.approx(profit.max(), rel=1e-12)
    assert (profit[:best] < profit.max() - 1e-9 * abs(profit.max())).all()
    if best:
        assert curve.attrs["best_threshold"] == score[order[best - 1]]
    grid = cm.profit_curve(
        None if expected else y,
        score,
        cost_per_contact=3.0,
        value_saved=40.0,
        acceptance_rate=0.3,
        expected=expected,
        n_points=20,
    )
    points = sorted({*(k * n // 20 for k in range(21)), best})
    np.testing.assert_array_equal(grid.index, points)
    np.testing.assert_allclose(grid.profit, profit[points], rtol=1e-12, atol=1e-9)


def test_profit_curve_when_no_campaign_pays():
    curve = cm.profit_curve(
        [1, 0, 0], [0.9, 0.5, 0.1], cost_per_contact=5.0, value_saved=1.0
    )
    assert curve.attrs["best_contacted"] == 0
    assert curve.attrs["best_profit"] == 0.0
    assert np.isnan(curve.attrs["best_threshold"])


def test_same_bits_for_one_and_two_threads():
    y, score, weight = sample(140_000, None, 21)  # three blocks of 2^16
    proba = 1 / (1 + np.exp(-score))
    results = []
    for threads in (1, 2):
        crmmine.set_num_threads(threads)
        results.append(
            (
                cm.roc_auc_score(y, score, sample_weight=weight),
                cm.roc_auc_score(y, score, sample_weight=weight, max_fpr=0.2),
                cm.average_precision_score(y, score, sample_weight=weight),
                cm.log_loss(y, proba, sample_weight=weight),
                cm.brier_score_loss(y, proba, sample_weight=weight),
                cm.confusion_matrix(
                    y, score, threshold=0.1, sample_weight=weight
                ).tolist(),
                cm.lift_table(y, score).to_numpy().tolist(),
                cm.profit_curve(
                    None, proba, cost_per_contact=1, value_saved=9, expected=True
                ).attrs["best_profit"],
            )
        )
    assert results[0] == results[1]
    by_call = [cm.average_precision_score(y, score, n_jobs=n) for n in (1, 2, -1)]
    assert len(set(by_call)) == 1
    assert by_call[0] == pytest.approx(sk.average_precision_score(y, score), rel=1e-12)


def test_public_names():
    assert crmmine.metrics.lift_table is cm.lift_table
    assert crmmine.churn.metrics.roc_auc_score is cm.roc_auc_score
    assert "metrics" in crmmine.__all__
