"""The data of the standard checks of a fitted purchase model (Fader, Hardie & Lee
2005): repeat-purchase histogram, calibration vs holdout purchases, and cumulative
repeat purchases over time, expected against actual."""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from crmmine import _core
from crmmine.clv._fitter import _TransactionModel, columns_from_frame, customer_arrays
from crmmine.core.transaction_log import TransactionLog, as_transaction_log

__all__ = ["calibration_vs_holdout", "cumulative_transactions", "period_transactions"]

_KINDS = ("frequency_cal", "recency_cal", "T_cal", "time_since_last_purchase")


def period_transactions(
    model: _TransactionModel, summary: pd.DataFrame, max_frequency: int = 7
) -> pd.DataFrame:
    """Customers by number of repeat purchases: observed, and expected by the model.

    The expected count of customers with k repeat purchases is the sum over customers
    of P(X(T) = k), each at their own age T (Fader, Hardie & Lee 2005, Figure 1);
    lifetimes' ``plot_period_transactions`` draws a simulated data set instead, whose
    counts scatter around these.

    Parameters
    ----------
    model : BetaGeo, ModifiedBetaGeo or ParetoNBD
        Fitted.
    summary : DataFrame
        ``frequency``, ``recency`` and ``T`` (or the ``_cal`` columns) per customer,
        usually the data the model was fitted on.
    max_frequency : int, default 7
        Rows 0 .. max_frequency - 1, and a last row "max_frequency+" for the rest.

    Returns
    -------
    DataFrame
        Index ``frequency`` ("0", "1", ..., "7+"), columns ``actual`` and ``model``.

    Examples
    --------
    >>> import crmmine
    >>> log = crmmine.datasets.load_online_retail_sample()
    >>> summary = crmmine.clv.summary(log, "CustomerID", "InvoiceDate", "Amount",
    ...                               invoice="InvoiceNo")
    >>> bg = crmmine.clv.BetaGeo().fit(summary)
    >>> table = crmmine.clv.period_transactions(bg, summary)
    >>> table.index.tolist()
    ['0', '1', '2', '3', '4', '5', '6', '7+']
    >>> int(table["actual"].sum()), round(float(table["model"].sum()), 6)
    (99, 99.0)
    """
    _check_model(model)
    if (
        isinstance(max_frequency, bool)
        or not isinstance(max_frequency, numbers.Integral)
        or max_frequency < 1
    ):
        raise ValueError(
            f"max_frequency must be an integer >= 1, got {max_frequency!r}"
        )
    columns = columns_from_frame(summary, ("frequency", "recency", "T"), "summary")
    customers = customer_arrays(columns)
    x = customers["frequency"]
    ages, count = np.unique(customers["T"], return_counts=True)
    ages = np.ascontiguousarray(ages)
    params = model._params()
    expected = np.array(
        [
            np.dot(
                count,
                _core.clv_probability_n_purchases(
                    model._MODEL,
                    params,
                    ages,
                    np.array([k], dtype=np.int64),
                    model._n_jobs(),
                ),
            )
            for k in range(max_frequency)
        ]
    )
    actual = np.array([np.count_nonzero(x == k) for k in range(max_frequency)])
    labels = [str(k) for k in range(max_frequency)] + [f"{max_frequency}+"]
    return pd.DataFrame(
        {
            "actual": np.append(actual, len(x) - actual.sum()),
            "model": np.append(expected, len(x) - expected.sum()),
        },
        index=pd.Index(labels, name="frequency"),
    )


def calibration_vs_holdout(
    model: _TransactionModel,
    calibration_holdout: pd.DataFrame,
    kind: str = "frequency_cal",
    n: int = 7,
) -> pd.DataFrame:
    """Mean holdout purchases, actual and predicted, by a calibration statistic.

    The data of lifetimes' ``plot_calibration_purchases_vs_holdout_purchases``: each
    customer's expected purchases over ``duration_holdout`` given the calibration
    history, then the mean of actual and predicted per value of ``kind``, first ``n``
    groups.

    Parameters
    ----------
    model : BetaGeo, ModifiedBetaGeo or ParetoNBD
        Fitted, usually on the calibration columns.
    calibration_holdout : DataFrame
        From :func:`crmmine.clv.calibration_and_holdout`.
    kind : {"frequency_cal", "recency_cal", "T_cal", "time_since_last_purchase"}
        What to group by.
    n : int, default 7
        Number of groups (smallest values first).

    Returns
    -------
    DataFrame
        Indexed by the values of ``kind``, with ``frequency_holdout`` and
        ``model_predictions``.
    """
    _check_model(model)
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {', '.join(_KINDS)}, got {kind!r}")
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    needed = ["frequency_cal", "recency_cal", "T_cal", "frequency_holdout"]
    missing = [c for c in [*needed, "duration_holdout"] if c not in calibration_holdout]
    if missing:
        raise ValueError(
            f"calibration_holdout lacks {', '.join(missing)}; make it with "
            "crmmine.clv.calibration_and_holdout"
        )
    frame = calibration_holdout
    duration = float(frame["duration_holdout"].iloc[0])
    predictions = model.conditional_expected_number_of_purchases_up_to_time(
        duration, frame["frequency_cal"], frame["recency_cal"], frame["T_cal"]
    )
    table = pd.DataFrame(
        {
            "frequency_holdout": frame["frequency_holdout"].to_numpy(np.float64),
            "model_predictions": np.asarray(predictions),
        },
        index=frame.index,
    )
    if kind == "time_since_last_purchase":
        key = frame["T_cal"] - frame["recency_cal"]
    else:
        key = frame[kind]
    return table.groupby(key.rename(kind).to_numpy()).mean().iloc[:n].rename_axis(kind)


def cumulative_transactions(
    model: _TransactionModel,
    data: pd.DataFrame | TransactionLog,
    customer: str | None = None,
    date: str | None = None,
    *,
    t: int,
    freq: str = "D",
    freq_multiplier: int = 1,
    set_index_date: bool = False,
    invoice: str | None = None,
    amount: str | None = None,
    cancel_prefix: str | None = "C",
) -> pd.DataFrame:
    """Cumulative repeat purchases of the whole cohort, actual and expected, period by
    period since the first purchase in the log.

    lifetimes' ``expected_cumulative_transactions``: customers join on their first
    purchase; the expected count at period i adds, for every earlier first-purchase
    period p, its new customers times the model's unconditional expected purchases in
    (i - p) / freq_multiplier; the actual count adds up repeat purchase periods.
    Returns and cancelled invoices are not purchases.

    Parameters
    ----------
    model : BetaGeo, ModifiedBetaGeo or ParetoNBD
        Fitted, in units of ``freq`` / ``freq_multiplier``.
    data, customer, date, invoice, amount, cancel_prefix
        The purchase log, as for :func:`crmmine.clv.summary`.
    t : int
        Periods of ``freq`` to follow from the first purchase.
    freq, freq_multiplier
        As for :func:`crmmine.clv.summary`; one row per ``freq_multiplier`` periods.
    set_index_date : bool, default False
        Index by period instead of 0, 1, ...

    Returns
    -------
    DataFrame
        ``actual`` and ``predicted`` cumulative repeat purchases, ``t //
        freq_multiplier`` rows.
    """
    _check_model(model)
    if isinstance(t, bool) or not isinstance(t, numbers.Integral) or t < 1:
        raise ValueError(f"t must be a whole number of periods >= 1, got {t!r}")
    if (
        isinstance(freq_multiplier, bool)
        or not isinstance(freq_multiplier, numbers.Integral)
        or freq_multiplier < 1
    ):
        raise ValueError(
            f"freq_multiplier must be a whole number >= 1 here, got {freq_multiplier!r}"
        )
    log = as_transaction_log(
        "cumulative_transactions",
        data,
        customer,
        date,
        amount,
        invoice,
        None,
        None,
        cancel_prefix,
        "drop",
        money_optional=True,
    )
    purchase = (log.customer >= 0) & (log.amount >= 0)
    purchase &= log.invoice_cancelled[log.invoice] == 0
    dates = pd.DatetimeIndex(log.time[purchase].view(log.time_dtype))
    try:
        periods = dates.to_period(freq)
    except (ValueError, TypeError) as error:
        raise ValueError(f"freq={freq!r} is not a pandas period: {error}") from error
    start = periods.min()
    offset = periods.asi8 - start.ordinal
    customers = log.customer[purchase].astype(np.int64)
    kept = offset <= t
    pairs = np.unique(customers[kept] * (t + 1) + offset[kept])
    owner, period = np.divmod(pairs, t + 1)
    first = np.ones(len(pairs), dtype=bool)
    first[1:] = owner[1:] != owner[:-1]
    new_customers = np.bincount(period[first], minlength=t + 1)
    repeats = np.bincount(period[~first], minlength=t + 1)

    step = int(freq_multiplier)
    # expected purchases of one customer d periods after joining, d = 1 .. t
    per_customer = np.asarray(
        model.expected_number_of_purchases_up_to_time(np.arange(1, t + 1) / step)
    )
    checkpoints = range(step, t + 1, step)
    predicted = [
        float(np.dot(new_customers[:i], per_customer[i - 1 :: -1][:i]))
        for i in checkpoints
    ]
    actual = [int(repeats[: j * step].sum()) for j in range(1, t // step + 1)]
    if set_index_date:
        index = pd.period_range(start=start, periods=t + 1, freq=start.freq)
        index = index[step - 1 : -1 : step]
    else:
        index = pd.RangeIndex(t // step)
    return pd.DataFrame({"actual": actual, "predicted": predicted}, index=index)


def _check_model(model: object) -> None:
    if not isinstance(model, _TransactionModel):
        raise TypeError(
            "model must be a fitted BetaGeo, ModifiedBetaGeo or ParetoNBD, got "
            f"{type(model).__name__}"
        )
