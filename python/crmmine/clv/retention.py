"""Retention-based customer lifetime value for contractual settings (Gupta & Lehmann
2003): margin per period, kept with a retention probability, discounted."""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from crmmine import _core
from crmmine.clv._fitter import customer_arrays

__all__ = ["retention_clv"]


def retention_clv(
    margin: object,
    retention: object,
    discount_rate: float,
    horizon: int | None = None,
) -> float | np.ndarray | pd.Series:
    """Value of a customer who yields ``margin`` at the end of each period they stay,
    staying each period with probability ``retention``.

    ``sum_{t=1..horizon} margin * retention**t / (1 + discount_rate)**t``; with no
    horizon the series sums to ``margin * retention / (1 + discount_rate -
    retention)`` (Gupta & Lehmann 2003). Margins arrive at the end of each period; for
    the convention that counts the current period's margin as certain, multiply by
    ``(1 + discount_rate) / retention``.

    Parameters
    ----------
    margin : float, array or Series
        Margin per period, per customer or one for all.
    retention : float, array or Series
        Probability in [0, 1] of staying another period.
    discount_rate : float
        Per period, >= 0.
    horizon : int, optional
        Periods; default infinite.

    Returns
    -------
    float, array or Series
        A float for scalar input, a Series indexed like pandas input.

    Examples
    --------
    >>> import crmmine
    >>> round(crmmine.clv.retention_clv(100.0, 0.8, 0.1), 6)
    266.666667
    >>> round(crmmine.clv.retention_clv(100.0, 0.8, 0.1, horizon=1), 6)
    72.727273
    """
    customers = customer_arrays(
        {"margin": margin, "retention": retention}, check_history=False
    )
    rates = customers["retention"]
    if ((rates < 0) | (rates > 1)).any():
        raise ValueError("retention must be a probability in [0, 1]")
    if (
        isinstance(discount_rate, bool)
        or not isinstance(discount_rate, numbers.Real)
        or not np.isfinite(discount_rate)
        or discount_rate < 0
    ):
        raise ValueError(f"discount_rate must be a number >= 0, got {discount_rate!r}")
    if horizon is None:
        periods = 0
    elif (
        isinstance(horizon, bool)
        or not isinstance(horizon, numbers.Integral)
        or horizon < 1
    ):
        raise ValueError(
            f"horizon must be a whole number of periods >= 1 or None, got {horizon!r}"
        )
    else:
        periods = int(horizon)
    values = _core.retention_clv(
        customers["margin"], rates, float(discount_rate), periods
    )
    return customers.wrap(np.asarray(values), "clv")
