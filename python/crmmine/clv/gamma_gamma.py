"""GammaGamma: the Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee
2005; Fader & Hardie 2013)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmmine import _core
from crmmine.clv._fitter import (
    _ClvModel,
    columns_from_frame,
    customer_arrays,
    require_finite,
)

__all__ = ["GammaGamma"]


class GammaGamma(_ClvModel):
    """Gamma-Gamma: a customer's transactions are worth Gamma(p, ν) with
    ν ~ Gamma(q, γ) across customers, independent of how often they buy.

    It is fitted on repeat buyers: ``frequency`` (repeat periods x, at least 1) and
    ``monetary_value`` (their mean spend, positive). Rows with frequency 0 carry no
    spend (a summary gives them monetary_value 0) and are left out of the fit.

    Parameters
    ----------
    penalizer_coef, initial_params, max_iter, tol, n_jobs
        As :class:`BetaGeo`; ``initial_params`` is (p, q, v).

    Attributes
    ----------
    params_ : Series
        p, q, v (v is Fader and Hardie's γ).
    n_customers_ : int
        Repeat buyers the fit used.
    summary_, variance_matrix_, standard_errors_, confidence_intervals_,
    log_likelihood_, mean_log_likelihood_, n_iter_, converged_
        As :class:`BetaGeo`.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005), "RFM and CLV: Using
    Iso-Value Curves for Customer Base Analysis", Journal of Marketing Research 42(4),
    415-430. Fader, P. S. and Hardie, B. G. S. (2013), "The Gamma-Gamma Model of
    Monetary Value", http://brucehardie.com/notes/025/.

    Examples
    --------
    >>> import crmmine
    >>> log = crmmine.datasets.load_online_retail_sample()
    >>> summary = crmmine.clv.summary(log, "CustomerID", "InvoiceDate", "Amount",
    ...                               invoice="InvoiceNo")
    >>> gg = crmmine.clv.GammaGamma().fit(summary)
    >>> gg.n_customers_ == int((summary["frequency"] > 0).sum())
    True
    >>> spend = gg.conditional_expected_average_profit(summary)
    >>> bool((spend > 0).all())
    True
    """

    _MODEL = "gamma_gamma"
    _PARAMS = ("p", "q", "v")

    def fit(self, frequency: object, monetary_value: object = None, weights=None):
        """Maximum-likelihood fit on repeat buyers.

        Parameters
        ----------
        frequency : DataFrame, Series or array
            A summary table with ``frequency`` and ``monetary_value`` (or their
            ``_cal`` columns), or the repeat purchase counts.
        monetary_value : Series or array
            Mean spend per repeat period, when ``frequency`` is not a table.
        weights : array, optional
            Customers per row.

        Returns
        -------
        self
        """
        customers = self._customers(frequency, monetary_value, check=False)
        x, m = customers["frequency"], customers["monetary_value"]
        try:
            # The fit leaves out customers without repeat purchases itself, and its
            # row checks name the caller's positions.
            self._fit_arrays(x, m, None, weights)
        except ValueError:
            self._check_spend(x, m)
            raise
        # The rows the fit summed: repeat buyers of positive weight.
        self.n_customers_ = self.n_unique_
        return self

    @staticmethod
    def _check_spend(x: np.ndarray, m: np.ndarray) -> None:
        """Raises ValueError naming the first fault of a spend history for a fit."""
        require_finite(x, "frequency")
        require_finite(m, "monetary_value")
        _check_not_negative(x, m)
        fractional = x != np.floor(x)
        if fractional.any():
            raise ValueError(
                "frequency must hold whole numbers of repeat purchases (found "
                f"{x[np.flatnonzero(fractional)[0]]})"
            )
        repeat = x > 0
        if not repeat.any():
            raise ValueError(
                "frequency: no customer has a repeat purchase, and the Gamma-Gamma "
                "model learns spend from repeat purchases only"
            )
        bad = repeat & (m <= 0)
        if bad.any():
            raise ValueError(
                "monetary_value must be positive for customers with repeat purchases "
                f"(found {m[np.flatnonzero(bad)[0]]} at position "
                f"{int(np.flatnonzero(bad)[0])})"
            )

    def _customers(
        self, frequency: object, monetary_value: object, *, check: bool = True
    ):
        if isinstance(frequency, pd.DataFrame):
            if monetary_value is not None:
                raise ValueError(
                    "frequency is a summary table, which already holds monetary_value; "
                    "drop that argument"
                )
            columns = columns_from_frame(
                frequency, ("frequency", "monetary_value"), "frequency"
            )
        else:
            columns = {"frequency": frequency, "monetary_value": monetary_value}
        customers = customer_arrays(columns, check_finite=check)
        if check:
            _check_not_negative(customers["frequency"], customers["monetary_value"])
        return customers

    def conditional_expected_average_profit(
        self, frequency: object, monetary_value: object = None
    ) -> float | np.ndarray | pd.Series:
        """Expected spend per transaction of customers with ``frequency`` repeat
        purchases of mean ``monetary_value`` (Fader & Hardie 2013, eq. 5): a weighted
        mean of their own mean and the population's. ``frequency`` may be a summary
        table."""
        params = self._params()
        customers = self._customers(frequency, monetary_value)
        values = _core.clv_expected_average_spend(
            params,
            customers["frequency"],
            customers["monetary_value"],
            self._n_jobs(),
        )
        return customers.wrap(values, "expected_average_profit")

    def expected_average_spend(
        self, frequency: object = None, monetary_value: object = None
    ) -> float | np.ndarray | pd.Series:
        """Mean spend per transaction: of the population (p v / (q - 1)) without
        arguments, else as :meth:`conditional_expected_average_profit`."""
        if frequency is None and monetary_value is None:
            p, q, v = self._params()
            if q <= 1:
                raise ValueError(
                    f"the population's mean spend is infinite: q={q:.4g} <= 1; the data "
                    "have too heavy a tail for this model"
                )
            return float(p * v / (q - 1))
        return self.conditional_expected_average_profit(frequency, monetary_value)

    def customer_lifetime_value(
        self,
        transaction_prediction_model,
        frequency: object,
        recency: object,
        T: object,
        monetary_value: object,
        time: int = 12,
        discount_rate: float = 0.01,
        freq: str = "D",
        freq_multiplier: float = 1,
    ) -> pd.Series:
        """lifetimes' method: :func:`crmmine.clv.lifetime_value` on these columns."""
        from crmmine.clv.lifetime_value import lifetime_value

        frame = pd.DataFrame(
            {
                "frequency": frequency,
                "recency": recency,
                "T": T,
                "monetary_value": monetary_value,
            }
        )
        return lifetime_value(
            transaction_prediction_model,
            self,
            frame,
            time=time,
            discount_rate=discount_rate,
            freq=freq,
            freq_multiplier=freq_multiplier,
        )


def _check_not_negative(x: np.ndarray, m: np.ndarray) -> None:
    for name, values in (("frequency", x), ("monetary_value", m)):
        negative = values < 0
        if negative.any():
            raise ValueError(
                f"{name} must not be negative (found "
                f"{values[np.flatnonzero(negative)[0]]})"
            )
