"""RFM analysis: recency, frequency and monetary value per customer, their quantile
scores and the named segments of the R x F grid."""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from crmmine import _convert, _core, _validation
from crmmine.core.transaction_log import TransactionLog, as_transaction_log

_GRID_BINS, _GRID_CELLS, _GRID_NAMES = _core.standard_segment_grid()

#: The standard segment map: regular expressions on the two-digit "RF" cell (R score,
#: then F score), as the widely used tutorials write it. Pass your own to ``rfm`` as
#: ``segment_map``; keys may also be ``(r, f)`` tuples.
RFM_SEGMENT_MAP: dict[str, str] = {
    "[1-2][1-2]": "Hibernating",
    "[1-2][3-4]": "At Risk",
    "[1-2]5": "Can't Lose Them",
    "3[1-2]": "About to Sleep",
    "33": "Need Attention",
    "[3-4][4-5]": "Loyal Customers",
    "41": "Promising",
    "51": "New Customers",
    "[4-5][2-3]": "Potential Loyalists",
    "5[4-5]": "Champions",
}

_RFM_COLUMNS = ("recency", "frequency", "monetary")


def rfm(
    data: pd.DataFrame | TransactionLog,
    customer: str | None = None,
    date: str | None = None,
    amount: str | None = None,
    invoice: str | None = None,
    *,
    quantity: str | None = None,
    price: str | None = None,
    analysis_date: object = None,
    monetary: str = "total",
    returns: str = "exclude",
    cancel_prefix: str | None = "C",
    missing_customer: str = "drop",
    bins: int = 5,
    segment_map: Mapping[object, str] | None = None,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """Recency, frequency, monetary value, their scores and segment per customer.

    Parameters
    ----------
    data : DataFrame or TransactionLog
        The purchase log, one row per order line. With a DataFrame, name its columns
        with ``customer``, ``date``, ``amount`` (or ``quantity`` and ``price``) and
        ``invoice``, as in :meth:`TransactionLog.from_frame`.
    analysis_date : date-like, optional
        The day recency is measured to. Default: one day after the last purchase in the
        log (the customary ``df.InvoiceDate.max() + 1 day``).
    monetary : {"total", "mean"}
        Money spent in all (default) or per purchase invoice.
    returns : {"exclude", "net"}
        Returns are rows with a negative amount or on a cancelled invoice (label starting
        with ``cancel_prefix``). "exclude" ignores them, as the usual pandas pipeline does
        after filtering them out; "net" subtracts them from monetary. They never count as
        a purchase for recency or frequency, and a customer with returns only has no row.
    missing_customer : {"drop", "raise"}
        Rows without a customer id are dropped (the count is in ``result.attrs``) or
        refused.
    bins : int, default 5
        Number of quantile bins for each score. Scores are
        ``pd.qcut(x.rank(method="first"), bins)`` labels 1..bins (recency reversed, so
        the most recent customers score highest), computed bin for bin as pandas >= 3
        does.
    segment_map : mapping, optional
        Names for (R, F) score cells: regular expressions on the "RF" digits (see
        ``RFM_SEGMENT_MAP``, the default for 5 bins) or ``(r, f)`` tuples. Every cell must
        get a name. Without a map and with ``bins != 5`` there is no segment column.
    n_jobs : int, optional
        Threads for this call; default ``crmmine.get_num_threads()``.

    Returns
    -------
    DataFrame
        Indexed by customer label (sorted), with columns ``recency`` (whole days),
        ``frequency`` (distinct purchase invoices), ``monetary``, ``r_score``,
        ``f_score``, ``m_score``, ``rfm_score`` (e.g. "545") and ``segment``.

    Examples
    --------
    >>> import crmmine
    >>> log = crmmine.datasets.load_online_retail_sample()
    >>> table = crmmine.rfm(log, "CustomerID", "InvoiceDate", invoice="InvoiceNo",
    ...                     quantity="Quantity", price="UnitPrice")
    >>> list(table.columns)
    ['recency', 'frequency', 'monetary', 'r_score', 'f_score', 'm_score', 'rfm_score', 'segment']
    >>> bool(table["r_score"].between(1, 5).all())
    True
    """
    log = as_transaction_log(
        "rfm",
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
    bins = _validation.check_positive_int(bins, "bins")
    grid = _segment_grid(segment_map, bins)
    analysis_time = None
    if analysis_date is not None:
        analysis_time = _convert.time_on_clock(
            analysis_date, log.time_dtype, "analysis_date"
        )
    table = _core.rfm_table(
        log.customer,
        log.time,
        log.amount,
        log.invoice,
        log.invoice_cancelled,
        log.n_customers,
        log.n_invoices,
        analysis_time,
        log.ticks_per_day,
        _validation.check_choice(monetary, "monetary", ("total", "mean")),
        _validation.check_choice(returns, "returns", ("exclude", "net")),
        _validation.check_n_jobs(n_jobs),
    )
    if len(table["customer"]) < 2:
        raise ValueError(
            f"bins: quantile scores need at least 2 customers with a purchase, found "
            f"{len(table['customer'])}"
        )
    index = log.customer_labels[table["customer"]]
    index.name = log.customer_name or "customer"
    result = pd.DataFrame({name: table[name] for name in _RFM_COLUMNS}, index=index)
    r = _core.quantile_scores(result["recency"].to_numpy(np.float64), bins, True)
    f = _core.quantile_scores(result["frequency"].to_numpy(np.float64), bins, False)
    m = _core.quantile_scores(result["monetary"].to_numpy(np.float64), bins, False)
    result["r_score"], result["f_score"], result["m_score"] = r, f, m
    result["rfm_score"] = _score_labels(r, f, m, bins)
    if grid is not None:
        cells, names = grid
        codes = _core.assign_segments(r, f, bins, cells, names)
        result["segment"] = pd.Categorical.from_codes(codes, categories=names)
    result.attrs.update(
        analysis_date=_convert.date_from_clock(table["analysis_time"], log.time_dtype),
        monetary=monetary,
        returns=returns,
        dropped_rows_missing_customer=log.dropped.get("missing_customer", 0),
    )
    return result


def rfm_segments(
    data: pd.DataFrame | TransactionLog, **rfm_options: object
) -> pd.DataFrame:
    """Size, revenue and mean R, F, M of every RFM segment.

    Parameters
    ----------
    data : DataFrame or TransactionLog
        Either a table made by :func:`rfm` or a purchase log, with ``rfm_options`` passed
        on to :func:`rfm`.

    Returns
    -------
    DataFrame
        One row per segment that has customers, in the segment map's order, with columns
        ``customers``, ``customer_share``, ``revenue``, ``revenue_share``,
        ``recency_mean``, ``frequency_mean``, ``monetary_mean``.

    Examples
    --------
    >>> import crmmine
    >>> log = crmmine.datasets.load_online_retail_sample()
    >>> summary = crmmine.rfm_segments(log, customer="CustomerID", date="InvoiceDate",
    ...     invoice="InvoiceNo", quantity="Quantity", price="UnitPrice")
    >>> round(float(summary["customer_share"].sum()), 6)
    1.0
    """
    is_rfm_table = isinstance(data, pd.DataFrame) and {*_RFM_COLUMNS, "segment"} <= set(
        data.columns
    )
    if is_rfm_table and rfm_options:
        raise ValueError(
            "data is already an RFM table; options for rfm() "
            f"({', '.join(rfm_options)}) only apply to a purchase log"
        )
    table = data if is_rfm_table else rfm(data, **rfm_options)
    if "segment" not in table.columns:
        raise ValueError(
            "the RFM table has no segment column (bins != 5 without a segment_map); pass "
            "segment_map to rfm()"
        )
    revenue = table["monetary"]
    if table.attrs.get("monetary") == "mean":
        revenue = revenue * table["frequency"]
    grouped = table.assign(revenue=revenue).groupby("segment", observed=True)
    summary = pd.DataFrame(
        {
            "customers": grouped.size(),
            "revenue": grouped["revenue"].sum(),
            "recency_mean": grouped["recency"].mean(),
            "frequency_mean": grouped["frequency"].mean(),
            "monetary_mean": grouped["monetary"].mean(),
        }
    )
    summary.insert(
        1, "customer_share", summary["customers"] / summary["customers"].sum()
    )
    summary.insert(3, "revenue_share", summary["revenue"] / summary["revenue"].sum())
    summary.index = summary.index.astype(str)
    summary.index.name = "segment"
    summary.attrs.update(table.attrs)
    return summary


def _segment_grid(
    segment_map: Mapping[object, str] | None, bins: int
) -> tuple[np.ndarray, list[str]] | None:
    if segment_map is None:
        if bins != _GRID_BINS:
            return None
        return _GRID_CELLS, list(_GRID_NAMES)
    if not isinstance(segment_map, Mapping) or not segment_map:
        raise TypeError("segment_map must be a non-empty dict of cell pattern -> name")
    names = list(dict.fromkeys(segment_map.values()))
    cells = np.full(bins * bins, -1, dtype=np.int32)
    for r in range(1, bins + 1):
        for f in range(1, bins + 1):
            name = _cell_name(segment_map, r, f, bins)
            if name is not None:
                cells[(r - 1) * bins + (f - 1)] = names.index(name)
    missing = [
        f"(R={i // bins + 1}, F={i % bins + 1})" for i in np.flatnonzero(cells < 0)
    ]
    if missing:
        raise ValueError(
            f"segment_map leaves {len(missing)} score cell(s) without a name: "
            f"{', '.join(missing[:6])}; add patterns that cover them"
        )
    return cells, names


def _cell_name(
    segment_map: Mapping[object, str], r: int, f: int, bins: int
) -> str | None:
    cell = f"{r}{f}" if bins < 10 else f"{r}-{f}"
    for key, name in segment_map.items():
        if isinstance(key, tuple):
            if tuple(key) == (r, f):
                return name
        elif isinstance(key, str):
            try:
                if re.fullmatch(key, cell):
                    return name
            except re.error as error:
                raise ValueError(
                    f"segment_map key {key!r} is not a valid pattern"
                ) from error
        else:
            raise TypeError(
                f"segment_map keys must be patterns like '[1-2]5' or (r, f) tuples, got {key!r}"
            )
    return None


def _score_labels(r: np.ndarray, f: np.ndarray, m: np.ndarray, bins: int) -> np.ndarray:
    if bins < 10:
        digits = (r * 100 + f * 10 + m).astype(np.int64)
        return digits.astype(str).astype(object)
    return np.array(
        [f"{a}-{b}-{c}" for a, b, c in zip(r, f, m, strict=True)], dtype=object
    )
