"""Silhouette and Calinski-Harabasz against scikit-learn; the elbow against KMeans."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics
from sklearn.datasets import make_blobs

import crmmine


@pytest.mark.parametrize(("n", "k"), [(300, 2), (2_500, 5), (4_097, 9)])
def test_silhouette_equals_sklearn(n, k):
    X, labels = make_blobs(n_samples=n, n_features=4, centers=k, random_state=n)
    labels[:3] = k  # a singleton cluster and a small one
    labels[3:5] = k + 1
    np.testing.assert_allclose(
        crmmine.silhouette_score(X, labels),
        metrics.silhouette_score(X, labels),
        rtol=1e-9,
    )


def test_sampled_silhouette_is_seeded_and_close():
    X, labels = make_blobs(n_samples=30_000, n_features=3, centers=6, random_state=0)
    a = crmmine.silhouette_score(X, labels, sample_size=3_000, random_state=1)
    b = crmmine.silhouette_score(X, labels, sample_size=3_000, random_state=1)
    assert a == b
    exact = metrics.silhouette_score(X[:10_000], labels[:10_000])
    assert abs(a - exact) < 0.02


def test_calinski_harabasz_equals_sklearn():
    X, labels = make_blobs(n_samples=5_000, n_features=5, centers=7, random_state=4)
    np.testing.assert_allclose(
        crmmine.calinski_harabasz_score(X, labels),
        metrics.calinski_harabasz_score(X, labels),
        rtol=1e-10,
    )


def test_elbow_reports_each_fit():
    X, _ = make_blobs(n_samples=2_000, n_features=2, centers=4, random_state=0)
    curve = crmmine.elbow(X, k=range(1, 7), random_state=0)
    assert list(curve.index) == list(range(1, 7))
    for k in (1, 3, 6):
        model = crmmine.KMeans(k, random_state=0).fit(X)
        assert curve.loc[k, "inertia"] == pytest.approx(model.inertia_)
    assert curve["inertia"].is_monotonic_decreasing


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: crmmine.silhouette_score(np.ones((5, 2)), np.zeros(5)),
            "2 <= number of clusters",
        ),
        (
            lambda: crmmine.silhouette_score(np.ones((5, 2)), np.zeros(4)),
            "one label per row",
        ),
        (
            lambda: crmmine.calinski_harabasz_score([[np.nan, 1.0]] * 3, [0, 1, 1]),
            "NaN",
        ),
        (lambda: crmmine.elbow(np.ones((5, 2)), k=[]), "k is empty"),
    ],
)
def test_bad_input_is_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()
