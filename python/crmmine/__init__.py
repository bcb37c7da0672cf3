"""crmmine: customer-analytics data mining with a C++ core.

Segments customers (RFM scores and segments, k-means, value tiers) on one data model
of purchase logs and baskets.
"""

from crmmine import clv, datasets
from crmmine._core import __version__
from crmmine.core import Baskets, TransactionLog, get_num_threads, set_num_threads
from crmmine.errors import ResourceLimitError
from crmmine.segment import (
    RFM_SEGMENT_MAP,
    CustomerSegments,
    KMeans,
    MiniBatchKMeans,
    calinski_harabasz_score,
    elbow,
    rfm,
    rfm_segments,
    scale_rfm,
    segment_customers,
    silhouette_score,
    value_tier_summary,
    value_tiers,
)

__all__ = [
    "RFM_SEGMENT_MAP",
    "Baskets",
    "CustomerSegments",
    "KMeans",
    "MiniBatchKMeans",
    "ResourceLimitError",
    "TransactionLog",
    "__version__",
    "calinski_harabasz_score",
    "clv",
    "datasets",
    "elbow",
    "get_num_threads",
    "rfm",
    "rfm_segments",
    "scale_rfm",
    "segment_customers",
    "set_num_threads",
    "silhouette_score",
    "value_tier_summary",
    "value_tiers",
]
