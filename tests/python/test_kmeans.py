"""KMeans against scikit-learn: same labels from the same start, as good a seeding,
the estimator contract, determinism and errors."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from sklearn.cluster import KMeans as SkKMeans
from sklearn.datasets import make_blobs
from sklearn.utils.estimator_checks import parametrize_with_checks

import crmmine

COLUMNS = dict(
    customer="CustomerID", date="InvoiceDate", amount="Amount", invoice="InvoiceNo"
)


def blobs(n=20_000, d=3, k=8, seed=0, dtype=np.float64):
    X, _ = make_blobs(
        n_samples=n, n_features=d, centers=k, cluster_std=2.0, random_state=seed
    )
    return X.astype(dtype)


def first_centers(X, k, seed=1):
    return X[np.random.default_rng(seed).choice(len(X), k, replace=False)].copy()


@pytest.fixture(scope="module")
def retail_rfm(online_retail):
    return crmmine.scale_rfm(crmmine.rfm(online_retail, **COLUMNS)).to_numpy()


@pytest.mark.parametrize("algorithm", ["lloyd", "hamerly"])
@pytest.mark.parametrize(("d", "k"), [(3, 4), (3, 8), (16, 8), (16, 32)])
def test_same_start_same_labels_as_sklearn_on_blobs(algorithm, d, k):
    X = blobs(d=d, k=k)
    start = first_centers(X, k)
    ours = crmmine.KMeans(k, init=start, algorithm=algorithm).fit(X)
    theirs = SkKMeans(k, init=start, n_init=1, algorithm="lloyd").fit(X)
    np.testing.assert_array_equal(ours.labels_, theirs.labels_)
    np.testing.assert_allclose(ours.inertia_, theirs.inertia_, rtol=1e-6)
    np.testing.assert_allclose(
        ours.cluster_centers_, theirs.cluster_centers_, rtol=1e-6, atol=1e-9
    )
    assert ours.n_iter_ == theirs.n_iter_


@pytest.mark.slow
@pytest.mark.parametrize("algorithm", ["lloyd", "hamerly"])
@pytest.mark.parametrize("k", [4, 8])
def test_same_start_same_labels_as_sklearn_on_online_retail_rfm(
    retail_rfm, algorithm, k
):
    start = first_centers(retail_rfm, k, seed=k)
    ours = crmmine.KMeans(k, init=start, algorithm=algorithm).fit(retail_rfm)
    theirs = SkKMeans(k, init=start, n_init=1).fit(retail_rfm)
    np.testing.assert_array_equal(ours.labels_, theirs.labels_)
    np.testing.assert_allclose(ours.inertia_, theirs.inertia_, rtol=1e-6)


def test_hamerly_equals_lloyd_label_for_label():
    X = blobs(n=30_000, d=5, k=12, seed=3)
    start = first_centers(X, 12)
    lloyd = crmmine.KMeans(12, init=start, algorithm="lloyd").fit(X)
    hamerly = crmmine.KMeans(12, init=start, algorithm="hamerly").fit(X)
    np.testing.assert_array_equal(lloyd.labels_, hamerly.labels_)
    assert hamerly.distance_computations_ < lloyd.distance_computations_


def test_kmeans_plus_plus_is_as_good_as_sklearns_over_20_seeds():
    X = blobs(n=5_000, d=3, k=10, seed=7)
    ours = np.mean(
        [crmmine.KMeans(10, random_state=s).fit(X).inertia_ for s in range(20)]
    )
    theirs = np.mean(
        [SkKMeans(10, random_state=s, n_init=1).fit(X).inertia_ for s in range(20)]
    )
    assert ours <= theirs * 1.01


def test_float32_stays_float32_and_agrees_with_float64():
    X = blobs(dtype=np.float32)
    start = first_centers(X, 8)
    model = crmmine.KMeans(8, init=start).fit(X)
    assert model.cluster_centers_.dtype == np.float32
    assert model.transform(X[:10]).dtype == np.float32
    reference = crmmine.KMeans(8, init=start.astype(np.float64)).fit(
        X.astype(np.float64)
    )
    assert np.mean(model.labels_ == reference.labels_) > 0.999
    np.testing.assert_allclose(model.inertia_, reference.inertia_, rtol=1e-4)


def test_results_do_not_depend_on_thread_count():
    X = blobs(n=50_000, d=4, k=6)
    one = crmmine.KMeans(6, random_state=3, n_init=3, n_jobs=1).fit(X)
    two = crmmine.KMeans(6, random_state=3, n_init=3, n_jobs=2).fit(X)
    np.testing.assert_array_equal(one.labels_, two.labels_)
    np.testing.assert_array_equal(one.cluster_centers_, two.cluster_centers_)
    assert one.inertia_ == two.inertia_


def test_integer_weights_equal_repeated_samples():
    X = blobs(n=3_000, d=2, k=4)
    weights = np.random.default_rng(0).integers(1, 4, len(X))
    start = first_centers(X, 4)
    weighted = crmmine.KMeans(4, init=start).fit(X, sample_weight=weights)
    repeated = crmmine.KMeans(4, init=start).fit(np.repeat(X, weights, axis=0))
    np.testing.assert_allclose(
        weighted.cluster_centers_, repeated.cluster_centers_, rtol=1e-10
    )
    np.testing.assert_allclose(weighted.inertia_, repeated.inertia_, rtol=1e-10)


def test_more_restarts_never_worse():
    X = blobs(n=4_000, d=2, k=15, seed=2)
    single = crmmine.KMeans(15, init="random", n_init=1, random_state=0).fit(X)
    many = crmmine.KMeans(15, init="random", n_init=8, random_state=0).fit(X)
    assert many.inertia_ <= single.inertia_


def test_predict_transform_score_reuse_the_fit():
    X = blobs(n=2_000, d=3, k=5)
    model = crmmine.KMeans(5, random_state=0).fit(X)
    np.testing.assert_array_equal(model.predict(X), model.labels_)
    distances = model.transform(X)
    np.testing.assert_array_equal(distances.argmin(axis=1), model.labels_)
    brute = np.sqrt(((X[:, None, :] - model.cluster_centers_[None]) ** 2).sum(-1))
    np.testing.assert_allclose(distances, brute, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(-model.score(X), model.inertia_, rtol=1e-9)


def test_pandas_input_keeps_feature_names(retail_sample):
    table = crmmine.scale_rfm(crmmine.rfm(retail_sample, **COLUMNS))
    model = crmmine.KMeans(3, random_state=0).fit(table)
    assert list(model.feature_names_in_) == ["recency", "frequency", "monetary"]
    assert model.n_features_in_ == 3


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (
            lambda: crmmine.KMeans(10).fit(np.ones((5, 2)) * np.arange(5)[:, None]),
            ValueError,
            "n_samples=5 should be >= n_clusters=10",
        ),
        (
            lambda: crmmine.KMeans(0).fit(blobs(100)),
            ValueError,
            "n_clusters must be at least 1",
        ),
        (
            lambda: crmmine.KMeans(2).fit([[1.0, np.nan], [2.0, 3.0], [0.0, 1.0]]),
            ValueError,
            "NaN",
        ),
        (lambda: crmmine.KMeans(2).fit(np.empty((0, 3))), ValueError, "0 sample"),
        (lambda: crmmine.KMeans(3).fit(np.ones((50, 2))), ValueError, "X is constant"),
        (
            lambda: (
                crmmine.KMeans(2, random_state=0)
                .fit(blobs(100))
                .predict(np.ones((3, 2)))
            ),
            ValueError,
            "X has 2 features, but KMeans is expecting 3",
        ),
        (
            lambda: crmmine.KMeans(2, init="best").fit(blobs(100)),
            ValueError,
            "init must be",
        ),
        (
            lambda: crmmine.KMeans(2, init=np.ones((3, 3))).fit(blobs(100)),
            ValueError,
            "init has shape",
        ),
        (
            lambda: crmmine.KMeans(2, algorithm="elkan2").fit(blobs(100)),
            ValueError,
            "algorithm must be",
        ),
        (
            lambda: crmmine.KMeans(2).fit(blobs(100), sample_weight=-np.ones(100)),
            ValueError,
            "sample_weight",
        ),
        (lambda: crmmine.KMeans(2, tol=-1).fit(blobs(100)), ValueError, "tol"),
        (
            lambda: crmmine.KMeans(2, random_state=-3).fit(blobs(100)),
            ValueError,
            "random_state",
        ),
    ],
)
def test_bad_input_is_refused(make, error, message):
    with pytest.raises(error, match=message):
        make()


def expected_failures(estimator):
    # With random seeding a weight of 2 is not the same as a repeated sample (the draws
    # differ), so scikit-learn lists the same expected failure for its own k-means.
    reason = "k-means++ draws differ between weighted and repeated samples"
    return {"check_sample_weight_equivalence_on_dense_data": reason}


@parametrize_with_checks(
    [
        crmmine.KMeans(n_clusters=3, random_state=0),
        crmmine.MiniBatchKMeans(n_clusters=3, batch_size=32, random_state=0),
    ],
    expected_failed_checks=expected_failures,
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_works_without_scikit_learn():
    """The same estimator with scikit-learn hidden: the stand-in base classes."""
    script = """
import sys
sys.modules["sklearn"] = None
import numpy as np, crmmine
X = np.r_[np.zeros((30, 2)), np.full((30, 2), 5.0)] + np.arange(60)[:, None] * 1e-3
km = crmmine.KMeans(2, random_state=0).fit(X)
assert sorted(np.bincount(km.labels_)) == [30, 30]
assert km.get_params()["n_clusters"] == 2 and "n_clusters=2" in repr(km)
assert (km.fit_predict(X) == km.labels_).all() and km.fit_transform(X).shape == (60, 2)
try:
    km.predict(np.ones((2, 3)))
except ValueError as error:
    assert "X has 3 features" in str(error)
else:
    raise AssertionError("wrong width accepted")
try:
    crmmine.KMeans(2).predict(X)
except ValueError as error:
    assert "not fitted" in str(error)
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.stdout.strip() == "ok", out.stderr
