"""Churn: behaviour-labelled churn features, a logistic-regression churn model and the
metrics that judge churn scores."""

from crmmine.churn import metrics
from crmmine.churn.churn_features import churn_features
from crmmine.churn.logistic_regression import LogisticRegression

__all__ = ["LogisticRegression", "churn_features", "metrics"]
