"""Metrics for churn scores (``crmmine.metrics.lift_table(y, scores)``); they live in
:mod:`crmmine.churn.metrics`."""

from crmmine.churn.metrics import (
    average_precision_score,
    brier_score_loss,
    confusion_matrix,
    gains_table,
    lift_table,
    log_loss,
    profit_curve,
    roc_auc_score,
    top_decile_lift,
)

__all__ = [
    "average_precision_score",
    "brier_score_loss",
    "confusion_matrix",
    "gains_table",
    "lift_table",
    "log_loss",
    "profit_curve",
    "roc_auc_score",
    "top_decile_lift",
]
