"""Churn: behaviour-labelled churn features, decision-tree and logistic-regression churn
models and the metrics that judge churn scores."""

from crmmine.churn import metrics
from crmmine.churn.churn_features import churn_features
from crmmine.churn.decision_tree import DecisionTreeClassifier
from crmmine.churn.logistic_regression import LogisticRegression

__all__ = [
    "DecisionTreeClassifier",
    "LogisticRegression",
    "churn_features",
    "metrics",
]
