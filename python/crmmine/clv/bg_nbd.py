"""BetaGeo: the BG/NBD model of repeat purchases (Fader, Hardie & Lee 2005)."""

from __future__ import annotations

from crmmine.clv._fitter import _TransactionModel

__all__ = ["BetaGeo"]


class BetaGeo(_TransactionModel):
    """BG/NBD: purchases at a Poisson rate λ ~ Gamma(r, α) while active, and after
    each purchase a drop-out chance p ~ Beta(a, b).

    Parameters
    ----------
    penalizer_coef : float, default 0
        L2 penalty on the parameters, added to the mean negative log-likelihood as
        lifetimes does (it helps small or degenerate data sets converge).
    initial_params : sequence of 4 floats, optional
        Start of the search (r, alpha, a, b).
    max_iter : int, default 1000
        Iteration limit of the optimizer on the log-parameters (Newton's method on
        the exact Hessian; L-BFGS for the Pareto/NBD).
    tol : float, default 1e-7
        The fit has converged when every component of the gradient of the penalized
        mean negative log-likelihood with respect to the log-parameters is below it.
    n_jobs : int, optional
        Threads; default ``crmmine.get_num_threads()``.

    Attributes
    ----------
    params_ : Series
        r, alpha, a, b.
    summary_ : DataFrame
        coef, se(coef), lower and upper 95% bound per parameter, as lifetimes.
    variance_matrix_, standard_errors_, confidence_intervals_
        The parameters' covariance (inverse observed information), standard errors
        and coef -/+ 1.96 standard errors.
    log_likelihood_, mean_log_likelihood_ : float
        Total and per-customer log-likelihood at ``params_`` (penalty excluded).
    n_iter_ : int
        Iterations on all customers. From 65,536 distinct customers on (equal rows
        count once), the fit starts from that of an evenly spread sample of 16,384
        of them, whose iterations are not counted (the Pareto/NBD also from its
        curvature), unless a parameter of the sample's fit is extreme.
    converged_ : bool
        A fit that stops short warns with ``ConvergenceWarning``.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005), "Counting Your Customers
    the Easy Way: An Alternative to the Pareto/NBD Model", Marketing Science 24(2),
    275-284.

    Examples
    --------
    >>> import crmmine
    >>> log = crmmine.datasets.load_online_retail_sample()
    >>> summary = crmmine.clv.summary(log, "CustomerID", "InvoiceDate", "Amount",
    ...                               invoice="InvoiceNo")
    >>> bg = crmmine.clv.BetaGeo().fit(summary)
    >>> bg.params_.round(2).to_dict()
    {'r': 0.95, 'alpha': 76.83, 'a': 0.12, 'b': 10.7}
    >>> round(bg.predict(30, 5, 200.0, 300.0), 2)  # purchases in the next 30 days
    0.45
    """

    _MODEL = "bg_nbd"
    _PARAMS = ("r", "alpha", "a", "b")
