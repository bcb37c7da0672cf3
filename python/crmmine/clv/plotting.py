"""The standard model-checking plots, drawn with matplotlib from the tables of
:mod:`crmmine.clv.model_checking`. matplotlib is optional: ``pip install
'crmmine[plot]'``."""

from __future__ import annotations

import pandas as pd

from crmmine.clv.model_checking import (
    calibration_vs_holdout,
    cumulative_transactions,
    period_transactions,
)

__all__ = [
    "plot_calibration_vs_holdout",
    "plot_cumulative_transactions",
    "plot_period_transactions",
]

_X_LABELS = {
    "frequency_cal": "Purchases in calibration period",
    "recency_cal": "Age of customer at last purchase",
    "T_cal": "Age of customer at the end of calibration period",
    "time_since_last_purchase": "Time since last purchase",
}


def _axes(ax):
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(
            "crmmine's plots need matplotlib, which is not installed; install it with "
            "pip install 'crmmine[plot]' (or pip install matplotlib)"
        ) from error
    if ax is None:
        _, ax = plt.subplots()
    return ax


def plot_period_transactions(
    model, summary: pd.DataFrame, max_frequency: int = 7, ax=None, **kwargs
):
    """Bar chart of customers by repeat purchases, actual and model
    (:func:`crmmine.clv.period_transactions`). Returns the matplotlib Axes.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import crmmine
    >>> log = crmmine.datasets.load_online_retail_sample()
    >>> summary = crmmine.clv.summary(log, "CustomerID", "InvoiceDate", "Amount",
    ...                               invoice="InvoiceNo")
    >>> bg = crmmine.clv.BetaGeo().fit(summary)
    >>> ax = crmmine.clv.plot_period_transactions(bg, summary)
    >>> ax.get_title()
    'Frequency of Repeat Transactions'
    """
    table = period_transactions(model, summary, max_frequency)
    ax = _axes(ax)
    table.rename(columns={"actual": "Actual", "model": "Model"}).plot(
        kind="bar", ax=ax, **kwargs
    )
    ax.set_title("Frequency of Repeat Transactions")
    ax.set_xlabel("Number of Calibration Period Transactions")
    ax.set_ylabel("Customers")
    return ax


def plot_calibration_vs_holdout(
    model,
    calibration_holdout: pd.DataFrame,
    kind: str = "frequency_cal",
    n: int = 7,
    ax=None,
    **kwargs,
):
    """Mean holdout purchases, actual and predicted, by a calibration statistic
    (:func:`crmmine.clv.calibration_vs_holdout`). Returns the matplotlib Axes."""
    table = calibration_vs_holdout(model, calibration_holdout, kind, n)
    ax = _axes(ax)
    table.plot(ax=ax, **kwargs)
    ax.set_title("Actual Purchases in Holdout Period vs Predicted Purchases")
    ax.set_xlabel(_X_LABELS[kind])
    ax.set_ylabel("Average of Purchases in Holdout Period")
    return ax


def plot_cumulative_transactions(
    model,
    data,
    customer: str | None = None,
    date: str | None = None,
    *,
    t: int,
    t_cal: float | None = None,
    freq: str = "D",
    freq_multiplier: int = 1,
    ax=None,
    **kwargs,
):
    """Cumulative repeat purchases, actual and predicted
    (:func:`crmmine.clv.cumulative_transactions`), with a dashed line at the end of
    calibration ``t_cal`` (in rows of the table). Returns the matplotlib Axes."""
    table = cumulative_transactions(
        model, data, customer, date, t=t, freq=freq, freq_multiplier=freq_multiplier
    )
    ax = _axes(ax)
    table.plot(ax=ax, **kwargs)
    if t_cal is not None:
        ax.axvline(x=t_cal, color="r", linestyle="--")
    ax.set_title("Tracking Cumulative Transactions")
    ax.set_xlabel(f"periods of {freq} x {freq_multiplier}")
    ax.set_ylabel("Cumulative Transactions")
    return ax
