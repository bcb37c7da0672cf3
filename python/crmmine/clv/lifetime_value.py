"""Customer lifetime value from a purchase model and a spend model: lifetimes'
``customer_lifetime_value`` (discounted monthly cash flows), value for value."""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from crmmine.clv._fitter import (
    _TransactionModel,
    check_fit_history,
    columns_from_frame,
    customer_arrays,
)
from crmmine.clv.gamma_gamma import GammaGamma

__all__ = ["lifetime_value"]

#: lifetimes' length of a month in units of freq
_MONTH = {"D": 30.0, "W": 4.345, "M": 1.0, "H": 30.0 * 24, "h": 30.0 * 24}


def lifetime_value(
    transaction_model: _TransactionModel,
    spend_model: GammaGamma,
    summary: pd.DataFrame,
    time: int = 12,
    discount_rate: float = 0.01,
    freq: str | None = None,
    freq_multiplier: float | None = None,
) -> pd.Series:
    """Expected discounted value of each customer's purchases over ``time`` months.

    Month i (1..time) runs from (i - 1) to i months of ``freq`` units from now; the
    customer's expected purchases in it (the difference of the transaction model's
    conditional expectations) times the spend model's expected spend per purchase,
    discounted by ``(1 + discount_rate) ** i``, summed over the months. A month is
    30 days (4.345 weeks, 720 hours), divided by ``freq_multiplier``. This is
    lifetimes' ``_customer_lifetime_value`` step for step.

    Parameters
    ----------
    transaction_model : BetaGeo, ModifiedBetaGeo or ParetoNBD
        Fitted.
    spend_model : GammaGamma
        Fitted.
    summary : DataFrame
        ``frequency``, ``recency``, ``T`` and ``monetary_value`` per customer, as
        :func:`crmmine.clv.summary` makes them.
    time : int, default 12
        Months.
    discount_rate : float, default 0.01
        Monthly discount rate.
    freq, freq_multiplier : optional
        The unit of recency and T. Without ``freq``, the summary's own (the
        ``attrs`` :func:`crmmine.clv.summary` leaves), else "D" and 1; with ``freq``
        alone, ``freq_multiplier`` is 1.

    Returns
    -------
    Series
        Named "clv", indexed like ``summary``.

    Examples
    --------
    >>> import crmmine
    >>> log = crmmine.datasets.load_online_retail_sample()
    >>> summary = crmmine.clv.summary(log, "CustomerID", "InvoiceDate", "Amount",
    ...                               invoice="InvoiceNo")
    >>> bg = crmmine.clv.BetaGeo().fit(summary)
    >>> gg = crmmine.clv.GammaGamma().fit(summary)
    >>> clv = crmmine.clv.lifetime_value(bg, gg, summary, time=12)
    >>> clv.name, len(clv) == len(summary), bool((clv >= 0).all())
    ('clv', True, True)
    """
    if not isinstance(transaction_model, _TransactionModel):
        raise TypeError(
            "transaction_model must be a fitted BetaGeo, ModifiedBetaGeo or ParetoNBD, "
            f"got {type(transaction_model).__name__}"
        )
    if not isinstance(spend_model, GammaGamma):
        raise TypeError(
            f"spend_model must be a fitted GammaGamma, got {type(spend_model).__name__}"
        )
    if not isinstance(summary, pd.DataFrame):
        raise TypeError(
            "summary must be a DataFrame with frequency, recency, T and monetary_value "
            "(crmmine.clv.summary makes one)"
        )
    if isinstance(time, bool) or not isinstance(time, numbers.Integral) or time < 1:
        raise ValueError(f"time must be a whole number of months >= 1, got {time!r}")
    if (
        isinstance(discount_rate, bool)
        or not isinstance(discount_rate, numbers.Real)
        or not np.isfinite(discount_rate)
        or discount_rate <= -1
    ):
        raise ValueError(f"discount_rate must be a number > -1, got {discount_rate!r}")
    factor = _month_length(summary, freq, freq_multiplier)
    columns = columns_from_frame(
        summary, ("frequency", "recency", "T", "monetary_value"), "summary"
    )
    customers = customer_arrays(columns)
    check_fit_history(customers["frequency"], customers["recency"])
    spend = spend_model.conditional_expected_average_profit(
        customers["frequency"], customers["monetary_value"]
    )
    clv = np.zeros(len(customers))
    previous = np.zeros(len(customers))
    # lifetimes' floating-point steps: t = month * factor, discounted by
    # (1 + d) ** (t / factor); each month's start reuses the previous month's end
    for t in np.arange(1, time + 1) * factor:
        current = transaction_model._expected_purchases(
            t, customers["frequency"], customers["recency"], customers["T"]
        )
        clv += spend * (current - previous) / (1 + discount_rate) ** (t / factor)
        previous = current
    return pd.Series(clv, index=summary.index, name="clv")


def _month_length(
    summary: pd.DataFrame, freq: str | None, freq_multiplier: float | None
) -> float:
    if freq is None:  # the summary's own unit, as a pair
        freq = summary.attrs.get("freq", "D")
        if freq_multiplier is None:
            freq_multiplier = summary.attrs.get("freq_multiplier", 1)
    elif freq_multiplier is None:
        freq_multiplier = 1
    unit = "W" if isinstance(freq, str) and freq.startswith("W") else freq
    if unit not in _MONTH:
        raise ValueError(
            f"freq={freq!r}: lifetime_value knows months in 'D', 'W', 'h' and 'M' units"
        )
    if (
        isinstance(freq_multiplier, bool)
        or not isinstance(freq_multiplier, numbers.Real)
        or not freq_multiplier > 0
    ):
        raise ValueError(f"freq_multiplier must be positive, got {freq_multiplier!r}")
    return _MONTH[unit] / float(freq_multiplier)
