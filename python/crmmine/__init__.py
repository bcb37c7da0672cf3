"""crmmine: customer-analytics data mining with a C++ core.

Segments customers (RFM scores and segments, k-means, value tiers), mines market
baskets (frequent itemsets, association rules, recommendations) and predicts churn
(labels from behaviour, decision trees, logistic regression, the metrics that judge churn scores) on one
data model of purchase logs and baskets.
"""

from crmmine import clv, datasets, metrics
from crmmine._core import __version__
from crmmine.basket import (
    FrequentItemsets,
    apriori,
    association_rules,
    eclat,
    fpgrowth,
    frequent_itemsets,
    recommend,
)
from crmmine.churn import DecisionTreeClassifier, LogisticRegression, churn_features
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
    "DecisionTreeClassifier",
    "FrequentItemsets",
    "KMeans",
    "LogisticRegression",
    "MiniBatchKMeans",
    "ResourceLimitError",
    "TransactionLog",
    "__version__",
    "apriori",
    "association_rules",
    "calinski_harabasz_score",
    "churn_features",
    "clv",
    "datasets",
    "eclat",
    "elbow",
    "fpgrowth",
    "frequent_itemsets",
    "get_num_threads",
    "metrics",
    "recommend",
    "rfm",
    "rfm_segments",
    "scale_rfm",
    "segment_customers",
    "set_num_threads",
    "silhouette_score",
    "value_tier_summary",
    "value_tiers",
]
