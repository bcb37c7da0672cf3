"""ParetoNBD: the Pareto/NBD model of repeat purchases (Schmittlein, Morrison &
Colombo 1987)."""

from __future__ import annotations

from crmmine.clv._fitter import _TransactionModel

__all__ = ["ParetoNBD"]


class ParetoNBD(_TransactionModel):
    """Pareto/NBD: purchases at a Poisson rate λ ~ Gamma(r, α) during an exponential
    lifetime of rate μ ~ Gamma(s, β).

    Parameters, attributes and methods are those of :class:`BetaGeo`; ``params_``
    holds r, alpha, s, beta. The model has no analytic Hessian, so the standard errors
    (``summary_``, ``standard_errors_``, ``variance_matrix_``) come from differences of
    the gradient, eight more passes over the customers: they are computed the first
    time one of them is read, not by ``fit``. The model keeps a copy of the fitted
    columns until then (a pickle holds the covariance instead).

    References
    ----------
    Schmittlein, D. C., Morrison, D. G. and Colombo, R. (1987), "Counting Your
    Customers: Who Are They and What Will They Do Next?", Management Science 33(1),
    1-24. Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005), "A Note on
    Implementing the Pareto/NBD Model in MATLAB", http://brucehardie.com/notes/008/.

    Examples
    --------
    >>> import crmmine
    >>> log = crmmine.datasets.load_online_retail_sample()
    >>> summary = crmmine.clv.summary(log, "CustomerID", "InvoiceDate", "Amount",
    ...                               invoice="InvoiceNo")
    >>> pnbd = crmmine.clv.ParetoNBD().fit(summary)
    >>> list(pnbd.summary_.columns)
    ['coef', 'se(coef)', 'lower 95% bound', 'upper 95% bound']
    >>> list(pnbd.params_.index)
    ['r', 'alpha', 's', 'beta']
    """

    _MODEL = "pareto_nbd"
    _PARAMS = ("r", "alpha", "s", "beta")
    _COVARIANCE_AT_FIT = False
