"""KMeans and MiniBatchKMeans with scikit-learn's contract, on crmmine's C++ k-means
(greedy k-means++, exact Lloyd and Hamerly's bound-accelerated variant)."""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from crmmine import _convert, _core
from crmmine._compat import (
    BaseEstimator,
    ClusterMixin,
    ConvergenceWarning,
    TransformerMixin,
    check_is_fitted,
    validate_data,
)
from crmmine._validation import check_n_jobs, check_non_negative, check_positive_int

_FLOATS = [np.float64, np.float32]
_ALGORITHMS = ("auto", "lloyd", "hamerly")


class _KMeansBase(ClusterMixin, TransformerMixin, BaseEstimator):
    """What KMeans and MiniBatchKMeans share: validation, predict, transform, score."""

    def _validate_fit(self, X, sample_weight):
        # The C++ fit checks for NaN and infinity in the pass that also sums the
        # features for tol's variance, so X is not read once more here.
        X = validate_data(
            self, X, dtype=_FLOATS, order="C", reset=True, ensure_all_finite=False
        )
        n_clusters = check_positive_int(self.n_clusters, "n_clusters")
        if n_clusters > X.shape[0]:
            raise ValueError(
                f"n_samples={X.shape[0]} should be >= n_clusters={n_clusters}; "
                "lower n_clusters or pass more samples"
            )
        if n_clusters > 1 and _is_constant(X):
            raise ValueError(
                f"X is constant: every sample is the same point, so n_clusters={n_clusters} "
                "distinct clusters cannot be found; use n_clusters=1"
            )
        weights = _convert.sample_weights(sample_weight, X.shape[0], X.dtype)
        init, centers = self._init_centers(X, n_clusters)
        return X, weights, n_clusters, init, centers

    def _init_centers(self, X, n_clusters):
        init = self.init
        if isinstance(init, str):
            if init not in ("k-means++", "random"):
                raise ValueError(
                    f"init must be 'k-means++', 'random', an array of shape "
                    f"(n_clusters, n_features) or a callable, got {init!r}"
                )
            return init, None
        if callable(init):
            init = init(X, n_clusters, self.random_state)
        centers = np.ascontiguousarray(np.asarray(init, dtype=X.dtype))
        if centers.shape != (n_clusters, X.shape[1]):
            raise ValueError(
                f"init has shape {centers.shape}, but n_clusters={n_clusters} centers of "
                f"{X.shape[1]} features were expected"
            )
        if not np.isfinite(centers).all():
            raise ValueError("init contains NaN or infinity")
        return "given", centers

    def _n_init(self, init: str) -> int:
        if self.n_init == "auto":
            return 10 if init == "random" else 1
        n_init = check_positive_int(self.n_init, "n_init")
        return 1 if init == "given" else n_init

    def _store(self, result: dict) -> None:
        distinct = np.count_nonzero(
            np.bincount(result["labels"], minlength=self.n_clusters)
        )
        if distinct < self.n_clusters:
            warnings.warn(
                f"Number of distinct clusters ({distinct}) found smaller than n_clusters "
                f"({self.n_clusters}); X may hold too few distinct points",
                ConvergenceWarning,
                stacklevel=3,
            )
        self.cluster_centers_ = result["centers"]
        self.labels_ = result["labels"]
        self.inertia_ = float(result["inertia"])
        self.n_iter_ = int(result["n_iter"])
        self.algorithm_ = result["algorithm"]
        self.distance_computations_ = int(result["distances_computed"])
        self.distance_computations_lloyd_ = int(result["distances_lloyd_would_compute"])

    def _validate_predict(self, X, ensure_all_finite=True):
        check_is_fitted(self)
        X = validate_data(
            self,
            X,
            dtype=_FLOATS,
            order="C",
            reset=False,
            ensure_all_finite=ensure_all_finite,
        )
        return np.ascontiguousarray(X, dtype=self.cluster_centers_.dtype)

    def predict(self, X):
        """Index of the nearest center for each sample."""
        # The kernel checks each chunk for NaN and infinity as it labels it, so X is
        # read once rather than twice.
        X = self._validate_predict(X, ensure_all_finite=False)
        return _core.kmeans_predict(X, self.cluster_centers_, check_n_jobs(self.n_jobs))

    def transform(self, X):
        """Euclidean distance from each sample to each center, shape (n, n_clusters)."""
        X = self._validate_predict(X)
        return _core.kmeans_transform(
            X, self.cluster_centers_, check_n_jobs(self.n_jobs)
        )

    def fit_predict(self, X, y=None, sample_weight=None):
        return self.fit(X, sample_weight=sample_weight).labels_

    def fit_transform(self, X, y=None, sample_weight=None):
        return self.fit(X, sample_weight=sample_weight).transform(X)

    def score(self, X, y=None, sample_weight=None) -> float:
        """Opposite of the inertia of X under the fitted centers (higher is better)."""
        X = self._validate_predict(X)
        weights = _convert.sample_weights(sample_weight, X.shape[0], X.dtype)
        n_jobs = check_n_jobs(self.n_jobs)
        labels = _core.kmeans_predict(X, self.cluster_centers_, n_jobs)
        return -_core.kmeans_inertia(X, weights, self.cluster_centers_, labels, n_jobs)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


class KMeans(_KMeansBase):
    """Exact k-means clustering.

    The same model as ``sklearn.cluster.KMeans`` (same parameters, attributes and, from
    the same initial centers, the same labels), on a parallel C++ core: greedy
    k-means++ seeding, Lloyd iterations, or Hamerly's variant that skips distance
    computations the triangle inequality rules out. float32 data stays float32.

    Parameters
    ----------
    n_clusters : int, default 8
    init : {"k-means++", "random"}, array of shape (n_clusters, n_features) or callable
        Greedy k-means++ (``2 + ln k`` candidates per step, as scikit-learn), k distinct
        random samples, or the given centers. A callable is called as
        ``init(X, n_clusters, random_state)``.
    n_init : int or "auto", default "auto"
        Restarts, keeping the lowest inertia; "auto" is 1 for k-means++ and given
        centers, 10 for random.
    max_iter : int, default 300
    tol : float, default 1e-4
        Convergence when the summed squared center shift is at most ``tol`` times the
        mean variance of the features (scikit-learn's definition), or the labels stop
        changing.
    algorithm : {"auto", "lloyd", "hamerly"}, default "auto"
        "auto" uses Hamerly's bounds when n_clusters * (n_features + 6) >= 1536,
        Lloyd below (where a full pass costs less than the bound upkeep).
    random_state : int, RandomState or None
        Results are identical for a given integer whatever the thread count.
    n_jobs : int, optional
        Threads; default ``crmmine.get_num_threads()``.

    Attributes
    ----------
    cluster_centers_, labels_, inertia_, n_iter_, n_features_in_, feature_names_in_
        As in scikit-learn.
    algorithm_ : str
        The variant that ran ("lloyd" or "hamerly").
    distance_computations_, distance_computations_lloyd_ : int
        Point-center distances computed, and how many Lloyd would have computed.

    Examples
    --------
    >>> import numpy as np, crmmine
    >>> X = np.array([[1, 2], [1, 4], [1, 0], [10, 2], [10, 4], [10, 0]], dtype=float)
    >>> km = crmmine.KMeans(n_clusters=2, random_state=0).fit(X)
    >>> sorted(km.cluster_centers_.tolist())
    [[1.0, 2.0], [10.0, 2.0]]
    >>> km.predict([[0, 0], [12, 3]]).tolist() == [km.labels_[0], km.labels_[3]]
    True
    """

    def __init__(
        self,
        n_clusters=8,
        *,
        init="k-means++",
        n_init="auto",
        max_iter=300,
        tol=1e-4,
        algorithm="auto",
        random_state=None,
        n_jobs=None,
    ):
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.algorithm = algorithm
        self.random_state = random_state
        self.n_jobs = n_jobs

    def fit(self, X, y=None, sample_weight=None):
        """Compute the clustering; returns self."""
        X, weights, n_clusters, init, centers = self._validate_fit(X, sample_weight)
        if self.algorithm not in _ALGORITHMS:
            raise ValueError(
                f"algorithm must be one of {_ALGORITHMS}, got {self.algorithm!r}"
            )
        result = _core.kmeans_fit(
            X,
            weights,
            n_clusters,
            init,
            centers,
            self._n_init(init),
            check_positive_int(self.max_iter, "max_iter"),
            check_non_negative(self.tol, "tol"),
            self.algorithm,
            _seed(self.random_state),
            check_n_jobs(self.n_jobs),
        )
        self._store(result)
        return self


class MiniBatchKMeans(_KMeansBase):
    """k-means on random mini-batches (Sculley 2010), for data too large to sweep in full
    every iteration; parameters and attributes as ``sklearn.cluster.MiniBatchKMeans``.

    Examples
    --------
    >>> import numpy as np, crmmine
    >>> X = np.r_[np.zeros((50, 2)), np.full((50, 2), 9.0)]
    >>> km = crmmine.MiniBatchKMeans(n_clusters=2, batch_size=20, random_state=0).fit(X)
    >>> sorted(km.cluster_centers_.round(6).tolist())
    [[0.0, 0.0], [9.0, 9.0]]
    """

    def __init__(
        self,
        n_clusters=8,
        *,
        init="k-means++",
        n_init="auto",
        batch_size=1024,
        max_iter=100,
        max_no_improvement=10,
        tol=0.0,
        reassignment_ratio=0.01,
        random_state=None,
        n_jobs=None,
    ):
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.max_no_improvement = max_no_improvement
        self.tol = tol
        self.reassignment_ratio = reassignment_ratio
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _n_init(self, init: str) -> int:
        if self.n_init == "auto":
            return 3 if init == "random" else 1
        return super()._n_init(init)

    def fit(self, X, y=None, sample_weight=None):
        """Compute the clustering from mini-batches; returns self."""
        X, weights, n_clusters, init, centers = self._validate_fit(X, sample_weight)
        max_no_improvement = self.max_no_improvement
        result = _core.minibatch_kmeans_fit(
            X,
            weights,
            n_clusters,
            init,
            centers,
            self._n_init(init),
            check_positive_int(self.batch_size, "batch_size"),
            check_positive_int(self.max_iter, "max_iter"),
            0
            if max_no_improvement is None
            else check_positive_int(max_no_improvement, "max_no_improvement", 0),
            check_non_negative(self.tol, "tol"),
            check_non_negative(self.reassignment_ratio, "reassignment_ratio"),
            _seed(self.random_state),
            check_n_jobs(self.n_jobs),
        )
        self._store(result)
        return self


def _is_constant(X: np.ndarray) -> bool:
    """True when every row of X equals the first. Blocks of growing size are compared,
    so data that is not constant is answered from its first rows."""
    first, start, size = X[0], 1, 1024
    while start < X.shape[0]:
        if (X[start : start + size] != first).any():
            return False
        start, size = start + size, size * 2
    return True


def _seed(random_state) -> int:
    """An integer seed: the integer itself, or one drawn from the given or global RNG."""
    if random_state is None or random_state is np.random:
        return int(np.random.mtrand._rand.randint(np.iinfo(np.int32).max))
    if isinstance(random_state, numbers.Integral) and not isinstance(
        random_state, bool
    ):
        if random_state < 0:
            raise ValueError(f"random_state must be >= 0, got {random_state}")
        return int(random_state)
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(np.iinfo(np.int32).max))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(np.iinfo(np.int64).max))
    raise TypeError(
        f"random_state must be None, an int, a RandomState or a Generator, got {random_state!r}"
    )
