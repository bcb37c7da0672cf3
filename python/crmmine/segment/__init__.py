"""Customer segmentation: RFM scores and named segments, k-means, value tiers."""

from crmmine.segment.cluster_metrics import (
    calinski_harabasz_score,
    elbow,
    silhouette_score,
)
from crmmine.segment.kmeans import KMeans, MiniBatchKMeans
from crmmine.segment.rfm import RFM_SEGMENT_MAP, rfm, rfm_segments
from crmmine.segment.rfm_clusters import CustomerSegments, scale_rfm, segment_customers
from crmmine.segment.value_tiers import value_tier_summary, value_tiers

__all__ = [
    "RFM_SEGMENT_MAP",
    "CustomerSegments",
    "KMeans",
    "MiniBatchKMeans",
    "calinski_harabasz_score",
    "elbow",
    "rfm",
    "rfm_segments",
    "scale_rfm",
    "segment_customers",
    "silhouette_score",
    "value_tier_summary",
    "value_tiers",
]
