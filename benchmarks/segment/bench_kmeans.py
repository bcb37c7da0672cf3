"""k-means: ``crmmine.KMeans`` against ``sklearn.cluster.KMeans`` in the same process,
same data, same initial centers, same n_init, max_iter, tol and thread count."""

from __future__ import annotations

import sys
import time
from functools import partial

import numpy as np
from sklearn.cluster import KMeans as SkKMeans
from threadpoolctl import threadpool_limits

import crmmine
import data
import harness

TITLE = "k-means: crmmine.KMeans vs scikit-learn KMeans"
RESULT_FILE = "segment_kmeans.md"
SIZES = [1_000_000, 5_000_000]
QUICK_SIZES = [50_000]
FEATURES = [3, 16]
CLUSTERS = [4, 8, 32]
DTYPES = [np.float64, np.float32]
MAX_ITER = 50  # both sides run the same exact iterations from the same start
COLUMNS = [
    "data",
    "n",
    "d",
    "k",
    "dtype",
    "threads",
    "crmmine fit s",
    "sklearn fit s",
    "fit speed-up",
    "inertia ratio (crmmine/sklearn)",
    "predict speed-up",
    "crmmine peak MiB",
    "sklearn peak MiB",
    "distances skipped",
    "Lloyd iteration / memory pass",
]
NOTES = f"""
Data: d=3 is the Online Retail RFM table (log1p + standardised, 4,339 customers)
resampled with replacement to n rows plus a little noise (`benchmarks/data.py`); d=16 is
`sklearn.datasets.make_blobs` with 20 centers. Both sides start from the same k-means++
centers, run n_init=1, max_iter={MAX_ITER}, tol=1e-4 and the same thread count
(scikit-learn through threadpoolctl), so they do the same exact Lloyd iterations;
crmmine runs `algorithm="auto"`, which is Lloyd in every cell here (Hamerly's bounds
pay from k * (d + 6) = 1536 on). The inertia ratio checks the answers (1.000 = same);
at float32 scikit-learn's own inertia figure comes from float32 arithmetic and can read
a few 1e-6 low (recomputed in float64 from each side's centers and labels, the two
agreed to 1e-9 at n=1M, d=16, k=4 and d=3, k=8).

Speed-ups are sklearn time / crmmine time (best of 2, the two sides timed in turn). "distances skipped" is the share
of point-center distances crmmine's bounds avoided, against what Lloyd computes.
"Lloyd iteration / memory pass" is the time of one crmmine Lloyd iteration
(`algorithm="lloyd"`) divided by the time to stream X once from memory at the bandwidth
measured in the same run (a multi-threaded sum over a 1 GiB array): 1.0 would be
memory-bound.
"""


def run(sizes: list[int], thread_counts: list[int]) -> list[dict[str, object]]:
    bandwidth = memory_bandwidth(max(thread_counts))
    progress(f"memory bandwidth: {bandwidth / 1e9:.1f} GB/s")
    rows = []
    for n in sizes:
        for d in FEATURES:
            base = data.kmeans_points(n, d)
            for dtype in DTYPES:
                X = np.ascontiguousarray(base, dtype=dtype)
                for k in CLUSTERS:
                    for threads in thread_counts:
                        rows.append(compare(X, k, threads, bandwidth))
    return rows


def compare(X: np.ndarray, k: int, threads: int, bandwidth: float) -> dict[str, object]:
    n, d = X.shape
    name = f"n={n:,} d={d} k={k} {X.dtype} threads={threads}"
    progress(name)
    start = (
        crmmine.KMeans(k, random_state=0, max_iter=1).fit(X[:100_000]).cluster_centers_
    )
    ours = partial(fit_crmmine, X, start, threads)
    theirs = partial(fit_sklearn, X, start, threads)
    ours_model, theirs_model = ours(), theirs()  # warm-ups, and the answers to compare
    repeats = 2
    ours_s, theirs_s = harness.alternating_best(ours, theirs, repeats)

    def theirs_predict_call():
        with threadpool_limits(threads):
            return theirs_model.predict(X)

    ours_predict, theirs_predict = harness.alternating_best(
        partial(ours_model.predict, X), theirs_predict_call, repeats
    )
    lloyd = crmmine.KMeans(
        k, init=start, max_iter=MAX_ITER, algorithm="lloyd", n_jobs=threads
    )
    began = time.perf_counter()
    lloyd.fit(X)
    per_iteration = (time.perf_counter() - began) / lloyd.n_iter_
    skipped = 1 - ours_model.distance_computations_ / max(
        ours_model.distance_computations_lloyd_, 1
    )
    return {
        "data": "rfm" if d == 3 else "blobs",
        "n": n,
        "d": d,
        "k": k,
        "dtype": str(X.dtype),
        "threads": threads,
        "crmmine fit s": ours_s,
        "sklearn fit s": theirs_s,
        "fit speed-up": theirs_s / ours_s,
        "inertia ratio (crmmine/sklearn)": ours_model.inertia_ / theirs_model.inertia_,
        "predict speed-up": theirs_predict / ours_predict,
        "crmmine peak MiB": harness.peak_memory(ours),
        "sklearn peak MiB": harness.peak_memory(theirs),
        "distances skipped": skipped,
        "Lloyd iteration / memory pass": per_iteration / (X.nbytes / bandwidth),
    }


def fit_crmmine(X, start, threads):
    return crmmine.KMeans(
        len(start), init=start, max_iter=MAX_ITER, n_jobs=threads
    ).fit(X)


def fit_sklearn(X, start, threads):
    with threadpool_limits(threads):
        return SkKMeans(len(start), init=start, n_init=1, max_iter=MAX_ITER).fit(X)


def memory_bandwidth(threads: int) -> float:
    """Bytes per second to stream a 1 GiB array once (best of 3), on ``threads``."""
    array = np.ones(2**27)  # 1 GiB of float64
    parts = np.array_split(array, threads)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(threads) as pool:
        best = float("inf")
        for _ in range(3):
            began = time.perf_counter()
            list(pool.map(np.sum, parts))  # numpy releases the GIL in the reduction
            best = min(best, time.perf_counter() - began)
    return array.nbytes / best


def progress(message: str) -> None:
    print(f"[kmeans] {message}", file=sys.stderr, flush=True)
