"""Churn labelled from behaviour: features from the purchases before a cutoff, and the
label "no purchase within the horizon after it"."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmmine import _convert, _core, _validation
from crmmine.core.transaction_log import TransactionLog, as_transaction_log

_FEATURES = (
    "recency_days",
    "frequency",
    "monetary",
    "avg_basket_value",
    "avg_basket_size",
    "tenure_days",
    "gap_mean_days",
    "gap_trend",
    "spend_trend",
)


def churn_features(
    data: pd.DataFrame | TransactionLog,
    customer: str | None = None,
    date: str | None = None,
    amount: str | None = None,
    invoice: str | None = None,
    *,
    cutoff: object,
    horizon_days: int,
    quantity: str | None = None,
    price: str | None = None,
    returns: str = "exclude",
    cancel_prefix: str | None = "C",
    missing_customer: str = "drop",
    n_jobs: int | None = None,
) -> tuple[pd.DataFrame, pd.Series]:
    """A labelled churn table from a raw purchase log, leak-free by construction.

    Every customer with a purchase strictly before ``cutoff`` gets one row of features
    computed from the rows dated before ``cutoff`` only, and the label 1 (churned) when
    they make no purchase in ``[cutoff, cutoff + horizon_days)``. Rows from the cutoff on
    reach the label alone; rows after the label window are never read.

    Parameters
    ----------
    data : DataFrame or TransactionLog
        The purchase log, one row per order line, with columns named as in
        :func:`crmmine.rfm` (``customer``, ``date``, ``amount`` or ``quantity`` and
        ``price``, ``invoice``).
    cutoff : date-like
        The observation date: features use rows dated strictly before it (a bare date
        means its midnight).
    horizon_days : int
        Length of the label window in days.
    quantity : str, optional
        Column of units per row. Gives ``avg_basket_size``; with ``price`` it also makes
        the amount, as in :func:`crmmine.rfm`. Without it that column is left out.
    returns : {"exclude", "net"}
        Returns are rows with a negative amount or on a cancelled invoice (label
        starting with ``cancel_prefix``). "exclude" ignores them; "net" subtracts them
        from ``monetary`` (and so from ``avg_basket_value``). They are never a purchase:
        they count for neither the features' occasions nor the label.
    missing_customer : {"drop", "raise"}
        Rows without a customer id are dropped or refused.
    n_jobs : int, optional
        Threads for this call; default ``crmmine.get_num_threads()``.

    Returns
    -------
    X : DataFrame
        Indexed by customer (sorted). A purchase occasion is an invoice (or, without an
        invoice column, a distinct timestamp) with a purchase before the cutoff, at the
        time of its earliest such row. Columns:

        - ``recency_days``: whole days from the last purchase to the cutoff;
        - ``frequency``: purchase occasions;
        - ``monetary``: money spent;
        - ``avg_basket_value``: monetary / frequency;
        - ``avg_basket_size``: units per occasion (only with ``quantity``);
        - ``tenure_days``: whole days from the first purchase to the cutoff;
        - ``gap_mean_days``: mean days between consecutive occasions (NaN with one);
        - ``gap_trend``: least-squares slope of those gaps over their order, in days
          per purchase, > 0 when purchases slow down (NaN with fewer than two gaps);
        - ``spend_trend``: least-squares slope of each occasion's spend over their
          order, in money per purchase (NaN with one occasion).

        NaN marks a trend that one or two purchases cannot show; fill it (e.g.
        ``X.fillna(0)``) for models that refuse NaN.
    y : Series of int64
        ``churned``: 1 when the customer made no purchase in the label window.

    Examples
    --------
    >>> import crmmine
    >>> log = crmmine.datasets.load_online_retail_sample()
    >>> X, y = crmmine.churn_features(log, "CustomerID", "InvoiceDate", "Amount",
    ...     "InvoiceNo", cutoff="2011-09-01", horizon_days=90)
    >>> list(X.columns)
    ['recency_days', 'frequency', 'monetary', 'avg_basket_value', 'tenure_days', 'gap_mean_days', 'gap_trend', 'spend_trend']
    >>> bool(X.index.equals(y.index)), bool(y.isin([0, 1]).all())
    (True, True)
    """
    log, units = _log_and_units(
        data,
        customer,
        date,
        amount,
        invoice,
        quantity,
        price,
        cancel_prefix,
        missing_customer,
    )
    if isinstance(horizon_days, bool) or not isinstance(horizon_days, int | np.integer):
        raise TypeError(
            f"horizon_days must be a whole number of days, got {horizon_days!r}"
        )
    if horizon_days < 1:
        raise ValueError(f"horizon_days must be at least 1, got {horizon_days}")
    if cutoff is None:
        raise ValueError("cutoff must be a date, e.g. cutoff='2011-09-01'")
    cutoff_time = _convert.time_on_clock(cutoff, log.time_dtype, "cutoff")
    if int(horizon_days) > np.iinfo(np.int64).max // log.ticks_per_day:
        raise ValueError(f"horizon_days={horizon_days} is too long for the clock")
    columns = _core.churn_features(
        log.customer,
        log.time,
        log.amount,
        log.invoice,
        log.invoice_cancelled,
        units,
        log.n_customers,
        log.n_invoices,
        cutoff_time,
        int(horizon_days) * log.ticks_per_day,
        log.ticks_per_day,
        _validation.check_choice(returns, "returns", ("exclude", "net")) == "net",
        _validation.check_n_jobs(n_jobs),
    )
    index = log.customer_labels[columns["customer"]]
    index.name = log.customer_name or "customer"
    X = pd.DataFrame(
        {name: columns[name] for name in _FEATURES if name in columns}, index=index
    )
    y = pd.Series(columns["churned"].astype(np.int64), index=index, name="churned")
    X.attrs.update(
        cutoff=_convert.date_from_clock(cutoff_time, log.time_dtype),
        horizon_days=int(horizon_days),
        returns=returns,
        churn_rate=float(y.mean()),
        dropped_rows_missing_customer=log.dropped.get("missing_customer", 0),
    )
    return X, y


def _log_and_units(
    data,
    customer,
    date,
    amount,
    invoice,
    quantity,
    price,
    cancel_prefix,
    missing_customer,
) -> tuple[TransactionLog, np.ndarray | None]:
    if quantity is not None and not isinstance(data, TransactionLog):
        _validation.check_columns(data, {"quantity": quantity})
    log = as_transaction_log(
        "churn_features",
        data,
        customer,
        date,
        amount,
        invoice,
        # with amount given, quantity only sizes the baskets
        quantity if amount is None else None,
        price,
        cancel_prefix,
        missing_customer,
    )
    units = None
    if quantity is not None:
        units = _validation.numeric_column(
            data[quantity], f"quantity (column {quantity!r})"
        )
    return log, units
