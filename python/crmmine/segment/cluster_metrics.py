"""Choosing k: inertia over a range of k (the elbow), the silhouette and the
Calinski-Harabasz index."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from crmmine.segment.kmeans import KMeans, _seed

_EXACT_LIMIT = 10_000
_CHUNK = 2_048


def elbow(X, k: Iterable[int] = range(1, 11), **kmeans_params) -> pd.DataFrame:
    """Fit k-means for every k and report the inertia (and the Calinski-Harabasz index,
    cheap to compute, for k >= 2): the curve whose bend suggests k.

    Examples
    --------
    >>> import numpy as np, crmmine
    >>> X = np.r_[np.zeros((20, 2)), np.ones((20, 2)) * 5, np.ones((20, 2)) * 10]
    >>> curve = crmmine.elbow(X, k=range(1, 4), random_state=0)
    >>> curve["inertia"].round(6).tolist()[:3]
    [2000.0, 500.0, 0.0]
    """
    rows = []
    for n_clusters in k:
        model = KMeans(n_clusters=n_clusters, **kmeans_params).fit(X)
        rows.append(
            {
                "k": n_clusters,
                "inertia": model.inertia_,
                "calinski_harabasz": calinski_harabasz_score(X, model.labels_)
                if n_clusters >= 2
                else np.nan,
                "n_iter": model.n_iter_,
            }
        )
    if not rows:
        raise ValueError("k is empty; pass e.g. range(1, 11)")
    return pd.DataFrame(rows).set_index("k")


def silhouette_score(
    X, labels, *, sample_size: int | None = None, random_state=0
) -> float:
    """Mean silhouette coefficient (Euclidean), as ``sklearn.metrics.silhouette_score``.

    Exact for up to 10,000 samples; above that (or with ``sample_size``) computed on a
    seeded random sample of that size. Distances go through matrix products in blocks,
    so memory stays O(block x sample) and the BLAS threads do the work.
    """
    X, labels = _checked(X, labels)
    n = X.shape[0]
    if sample_size is None and n > _EXACT_LIMIT:
        sample_size = _EXACT_LIMIT
    if sample_size is not None and sample_size < n:
        if sample_size < 2:
            raise ValueError(f"sample_size must be at least 2, got {sample_size}")
        rng = np.random.RandomState(_seed(random_state))
        chosen = rng.permutation(n)[:sample_size]
        X, labels = X[chosen], labels[chosen]
    codes, counts = np.unique(labels, return_inverse=True, return_counts=True)[1:]
    n_labels = len(counts)
    if not 2 <= n_labels <= len(codes) - 1:
        raise ValueError(
            f"silhouette needs 2 <= number of clusters <= n_samples - 1, got {n_labels} "
            f"clusters for {len(codes)} samples"
        )
    X = X.astype(np.float64, copy=False)
    one_hot = np.zeros((len(codes), n_labels))
    one_hot[np.arange(len(codes)), codes] = 1.0
    squared_norms = np.einsum("ij,ij->i", X, X)
    scores = np.empty(len(codes))
    for start in range(0, len(codes), _CHUNK):
        block = slice(start, start + _CHUNK)
        distances = (
            squared_norms[block, None] - 2.0 * X[block] @ X.T + squared_norms[None, :]
        )
        np.sqrt(np.maximum(distances, 0.0, out=distances), out=distances)
        rows = np.arange(distances.shape[0])
        distances[rows, rows + start] = 0.0  # a point's distance to itself, exactly
        sums = distances @ one_hot  # distance from each point to every cluster
        own = codes[block]
        own_counts = counts[own]
        within = sums[rows, own] / np.maximum(own_counts - 1, 1)
        sums[rows, own] = np.inf
        nearest = (sums / counts[None, :]).min(axis=1)
        score = (nearest - within) / np.maximum(within, nearest)
        scores[block] = np.where(own_counts > 1, np.nan_to_num(score), 0.0)
    return float(scores.mean())


def calinski_harabasz_score(X, labels) -> float:
    """Between- over within-cluster dispersion, as ``sklearn.metrics.calinski_harabasz_score``."""
    X, labels = _checked(X, labels)
    codes, counts = np.unique(labels, return_inverse=True, return_counts=True)[1:]
    n, k = X.shape[0], len(counts)
    if not 2 <= k <= n - 1:
        raise ValueError(
            f"needs 2 <= number of clusters <= n_samples - 1, got {k} for {n}"
        )
    X = X.astype(np.float64, copy=False)
    overall = X.mean(axis=0)
    sums = np.zeros((k, X.shape[1]))
    np.add.at(sums, codes, X)
    means = sums / counts[:, None]
    between = float((counts * ((means - overall) ** 2).sum(axis=1)).sum())
    within = float(((X - means[codes]) ** 2).sum())
    return 1.0 if within == 0 else between * (n - k) / (within * (k - 1))


def _checked(X, labels) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"X must be a non-empty 2-d array, got shape {X.shape}")
    if not np.isfinite(X).all():
        raise ValueError("X contains NaN or infinity; drop or impute them first")
    labels = np.asarray(labels)
    if labels.shape != (X.shape[0],):
        raise ValueError(
            f"labels has shape {labels.shape}; it needs one label per row of X ({X.shape[0]})"
        )
    return X, labels
