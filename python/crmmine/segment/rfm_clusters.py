"""Multi-factor segmentation: k-means on scaled RFM values, with a profile per cluster
that a marketer can read."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmmine.segment.kmeans import KMeans

_RFM = ["recency", "frequency", "monetary"]


def scale_rfm(rfm: pd.DataFrame) -> pd.DataFrame:
    """Recency, frequency and monetary made comparable for clustering.

    Each column is log1p-transformed (they are skewed: a few customers buy far more, far
    more often) and then standardised to mean 0 and variance 1 (population variance, as
    ``sklearn.preprocessing.StandardScaler``). Negative monetary values (net returns)
    are clipped to 0 first. The means and standard deviations used are kept in
    ``result.attrs["scaling"]``.

    Examples
    --------
    >>> import crmmine
    >>> log = crmmine.datasets.load_online_retail_sample()
    >>> table = crmmine.rfm(log, "CustomerID", "InvoiceDate", "Amount", "InvoiceNo")
    >>> scaled = crmmine.scale_rfm(table)
    >>> scaled.mean().abs().max() < 1e-12, bool(((scaled.std(ddof=0) - 1).abs() < 1e-12).all())
    (np.True_, True)
    """
    missing = [c for c in _RFM if c not in getattr(rfm, "columns", [])]
    if missing:
        raise ValueError(
            f"rfm lacks the column(s) {missing}; pass the table crmmine.rfm() returns"
        )
    logged = np.log1p(rfm[_RFM].astype(float).clip(lower=0))
    mean, std = logged.mean(), logged.std(ddof=0)
    scaled = (logged - mean) / std.where(std > 0, 1.0)
    scaled.attrs["scaling"] = pd.DataFrame({"log1p_mean": mean, "log1p_std": std})
    return scaled


@dataclass
class CustomerSegments:
    """The result of :func:`segment_customers`.

    Attributes
    ----------
    labels : Series
        Cluster per customer; cluster 0 holds the largest share of revenue.
    profile : DataFrame
        Per cluster: customers, customer_share, revenue_share, mean recency, frequency
        and monetary, and a readable name.
    model : KMeans
        The fitted model (on the scaled values; its cluster numbers are relabelled).
    """

    labels: pd.Series
    profile: pd.DataFrame
    model: KMeans


def segment_customers(
    rfm: pd.DataFrame, n_clusters: int = 4, *, random_state=0, **kmeans_params
) -> CustomerSegments:
    """Cluster customers on their scaled RFM values and describe each cluster.

    Clusters are numbered by revenue share, highest first, and named from how their mean
    recency, frequency and monetary compare with all customers' (thirds of the
    customers: e.g. "high value, recent, frequent").

    Examples
    --------
    >>> import crmmine
    >>> log = crmmine.datasets.load_online_retail_sample()
    >>> table = crmmine.rfm(log, "CustomerID", "InvoiceDate", "Amount", "InvoiceNo")
    >>> segments = crmmine.segment_customers(table, n_clusters=3)
    >>> list(segments.profile.columns)
    ['name', 'customers', 'customer_share', 'revenue_share', 'recency_mean', 'frequency_mean', 'monetary_mean']
    """
    scaled = scale_rfm(rfm)
    model = KMeans(n_clusters=n_clusters, random_state=random_state, **kmeans_params)
    raw_labels = model.fit_predict(scaled.to_numpy())
    revenue = rfm["monetary"] * (
        rfm["frequency"] if rfm.attrs.get("monetary") == "mean" else 1
    )
    by_revenue = (
        pd.Series(revenue.to_numpy())
        .groupby(raw_labels)
        .sum()
        .sort_values(ascending=False)
    )
    relabel = np.empty(n_clusters, dtype=np.int64)
    relabel[by_revenue.index.to_numpy()] = np.arange(len(by_revenue))
    labels = pd.Series(relabel[raw_labels], index=rfm.index, name="cluster")
    model.cluster_centers_ = model.cluster_centers_[by_revenue.index.to_numpy()]
    model.labels_ = labels.to_numpy().astype(np.int32)
    return CustomerSegments(labels, _profile(rfm, labels, revenue), model)


def _profile(rfm: pd.DataFrame, labels: pd.Series, revenue: pd.Series) -> pd.DataFrame:
    grouped = rfm[_RFM].groupby(labels)
    profile = pd.DataFrame(
        {
            "customers": grouped.size(),
            "customer_share": grouped.size() / len(rfm),
            "revenue_share": revenue.groupby(labels).sum() / revenue.sum(),
            "recency_mean": grouped["recency"].mean(),
            "frequency_mean": grouped["frequency"].mean(),
            "monetary_mean": grouped["monetary"].mean(),
        }
    )
    profile.insert(0, "name", _names(rfm, profile))
    profile.index.name = "cluster"
    return profile


def _names(rfm: pd.DataFrame, profile: pd.DataFrame) -> list[str]:
    """Words for where each cluster's means fall among all customers' values (thirds)."""
    words = {
        "monetary": ("low value", "mid value", "high value"),
        "recency": ("recent", "lapsing", "lapsed"),
        "frequency": ("one-off", "occasional", "frequent"),
    }
    names = []
    for _, cluster in profile.iterrows():
        parts = []
        for column, choices in words.items():
            thirds = rfm[column].quantile([1 / 3, 2 / 3]).to_numpy()
            position = int(
                np.searchsorted(thirds, cluster[f"{column}_mean"], side="right")
            )
            parts.append(choices[position])
        names.append(", ".join(parts))
    seen: dict[str, int] = {}
    for i, name in enumerate(names):  # two clusters may read the same: number them
        seen[name] = seen.get(name, 0) + 1
        if names.count(name) > 1:
            names[i] = f"{name} ({seen[name]})"
    return names
