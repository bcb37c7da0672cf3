"""Benchmark inputs: the UCI Online Retail log, scaled to any number of rows.

The public files live outside the repository, found through one setting,
``CRMMINE_DATA_DIR`` (default ``<repo>/../shared/data``), as in the tests. Scaled
frames are cached in ``benchmarks/.cache`` (git-ignored) so reruns skip the build.
"""

from __future__ import annotations

import math
import os
import pickle
from pathlib import Path

import numpy as np
import pandas as pd

import crmmine

REPO = Path(__file__).resolve().parents[1]
CACHE_DIR = Path(__file__).resolve().parent / ".cache"

#: The columns a purchase log needs. The text columns RFM never reads (StockCode,
#: Description, Country) are left out: they would only inflate the pandas pipeline's
#: filtered copy and so flatter crmmine.
LOG_COLUMNS = ["InvoiceNo", "InvoiceDate", "CustomerID", "Amount"]

#: Added to CustomerID in copy j (j * stride): above the largest real id (18,287), so
#: no two copies share a customer and the customer count grows with the rows.
CUSTOMER_STRIDE = 100_000

#: Bump when the recipe below changes, so stale cache files are not reused.
RECIPE = "v1"


def data_dir() -> Path:
    return Path(os.environ.get("CRMMINE_DATA_DIR", REPO.parent / "shared" / "data"))


def online_retail() -> pd.DataFrame:
    """The full public log, read as crmmine's reader reads it (541,909 rows)."""
    path = data_dir() / "online_retail.csv.gz"
    if not path.is_file():
        raise SystemExit(f"{path} not found; set CRMMINE_DATA_DIR to its folder")
    return crmmine.datasets.read_online_retail(path)[LOG_COLUMNS]


def scaled_online_retail(n_rows: int) -> pd.DataFrame:
    """The first ``n_rows`` rows of the log repeated end to end, cached on disk."""
    cached = CACHE_DIR / f"online_retail_{n_rows}_{RECIPE}.pkl"
    if cached.is_file():
        with cached.open("rb") as file:
            return pickle.load(file)
    frame = _replicate(online_retail(), n_rows)
    CACHE_DIR.mkdir(exist_ok=True)
    # pickle, not parquet: no pyarrow needed, and the dtypes (nullable Int64, the
    # "string" dtype, datetime64[us]) come back exactly as the reader made them.
    with cached.open("wb") as file:
        pickle.dump(frame, file, protocol=pickle.HIGHEST_PROTOCOL)
    return frame


def _replicate(base: pd.DataFrame, n_rows: int) -> pd.DataFrame:
    """Copies 0..k-1 of ``base`` with new customers and invoices, cut to ``n_rows``.

    Each copy keeps the real shape of the data (basket sizes, dates, the share of
    anonymous rows and cancellations); only the ids differ, so every copy adds new
    customers and invoices instead of inflating the old ones.
    """
    copies = math.ceil(n_rows / len(base))
    parts = [_copy(base, j) for j in range(copies)]
    return pd.concat(parts, ignore_index=True).iloc[:n_rows].copy()


def _copy(base: pd.DataFrame, j: int) -> pd.DataFrame:
    part = base.copy()
    part["CustomerID"] = base["CustomerID"] + j * CUSTOMER_STRIDE
    # "536365" -> "3-536365", "C536379" -> "C3-536379": the copy number makes the
    # invoice unique per copy, and a cancellation keeps its leading "C".
    part["InvoiceNo"] = base["InvoiceNo"].str.replace(
        r"^(C?)", rf"\g<1>{j}-", regex=True
    )
    return part


def kmeans_points(n: int, d: int) -> np.ndarray:
    """Points for the k-means suite: the Online Retail RFM table (scaled) resampled to n
    rows with a little noise for d=3, 20 Gaussian blobs for other d. Cached."""
    cached = CACHE_DIR / f"kmeans_{n}_{d}_{RECIPE}.npy"
    if cached.is_file():
        return np.load(cached)
    rng = np.random.default_rng(d)
    if d == 3:
        log = online_retail()
        table = crmmine.scale_rfm(
            crmmine.rfm(log, "CustomerID", "InvoiceDate", "Amount", "InvoiceNo")
        ).to_numpy()
        points = table[rng.integers(0, len(table), n)] + rng.normal(0, 0.05, (n, 3))
    else:
        from sklearn.datasets import make_blobs

        points, _ = make_blobs(
            n_samples=n, n_features=d, centers=20, cluster_std=3.0, random_state=d
        )
    CACHE_DIR.mkdir(exist_ok=True)
    np.save(cached, points)
    return points
