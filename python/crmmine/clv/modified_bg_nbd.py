"""ModifiedBetaGeo: the MBG/NBD model of repeat purchases (Batislam, Denizel &
Filiztekin 2007)."""

from __future__ import annotations

from crmmine.clv._fitter import _TransactionModel

__all__ = ["ModifiedBetaGeo"]


class ModifiedBetaGeo(_TransactionModel):
    """MBG/NBD: as BG/NBD (purchase rate λ ~ Gamma(r, α), drop-out chance
    p ~ Beta(a, b)), but a customer may also drop out right after the first purchase,
    so customers without repeat purchases are not all counted as alive.

    Parameters, attributes and methods are those of :class:`BetaGeo`; ``params_``
    holds r, alpha, a, b.

    References
    ----------
    Batislam, E. P., Denizel, M. and Filiztekin, A. (2007), "Empirical validation and
    comparison of models for customer base analysis", International Journal of
    Research in Marketing 24(3), 201-209.

    Examples
    --------
    >>> import crmmine
    >>> log = crmmine.datasets.load_online_retail_sample()
    >>> summary = crmmine.clv.summary(log, "CustomerID", "InvoiceDate", "Amount",
    ...                               invoice="InvoiceNo")
    >>> mbg = crmmine.clv.ModifiedBetaGeo().fit(summary)
    >>> list(mbg.params_.index)
    ['r', 'alpha', 'a', 'b']
    >>> bool(mbg.conditional_probability_alive(0, 0.0, 100.0) < 1)
    True
    """

    _MODEL = "modified_bg_nbd"
    _PARAMS = ("r", "alpha", "a", "b")
