"""Churn: behaviour-labelled churn features and the metrics that judge churn scores."""

from crmmine.churn import metrics
from crmmine.churn.churn_features import churn_features

__all__ = ["churn_features", "metrics"]
