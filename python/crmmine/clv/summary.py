"""The per-customer statistics of the buy-till-you-die models: frequency, recency, T
and monetary value, as lifetimes' ``summary_data_from_transaction_data`` and
``calibration_and_holdout_data`` define them."""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmmine import _convert, _core, _validation
from crmmine.core.transaction_log import TransactionLog, as_transaction_log

__all__ = ["calibration_and_holdout", "summary"]

_WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
_SECONDS = {"D": 86_400, "h": 3_600, "H": 3_600, "min": 60, "s": 1}
#: calendar periods: numpy's datetime unit and the length of the unit lifetimes divides
#: by (numpy's average month and year), in days
_CALENDAR = {"M": ("M", 365.2425 / 12), "Y": ("Y", 365.2425)}


@dataclass(frozen=True)
class _Periods:
    """How the log's clock is cut into periods of ``freq``."""

    freq: str
    ticks: int  # length of a fixed period on the (scaled) clock
    origin: int  # a time at which a fixed period starts
    scale: int  # the log's ticks are multiplied by this first
    calendar: str | None  # numpy datetime unit of calendar periods
    unit_ticks: float  # calendar periods: the unit of recency and T, in ticks


def summary(
    data: pd.DataFrame | TransactionLog,
    customer: str | None = None,
    date: str | None = None,
    amount: str | None = None,
    invoice: str | None = None,
    *,
    quantity: str | None = None,
    price: str | None = None,
    observation_end: object = None,
    freq: str = "D",
    freq_multiplier: float = 1,
    include_first_transaction: bool = False,
    cancel_prefix: str | None = "C",
    missing_customer: str = "drop",
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """Frequency, recency, T and monetary value per customer (lifetimes' summary).

    Purchases in the same period of ``freq`` merge into one (their amounts summed).
    ``frequency`` counts the periods with a purchase after the first, ``recency`` is
    the time from the first to the last of them and ``T`` from the first to the end of
    observation, both in periods divided by ``freq_multiplier``; ``monetary_value`` is
    the mean spend per repeat period (0 without one). These are the definitions of
    lifetimes' ``summary_data_from_transaction_data``, value for value.

    Parameters
    ----------
    data : DataFrame or TransactionLog
        The purchase log, one row per order line; name its columns as in
        :meth:`crmmine.TransactionLog.from_frame`. Rows without a customer, returns
        (negative amounts) and cancelled invoices (label starting with
        ``cancel_prefix``) are left out.
    amount : str, optional
        Money per row (or give ``quantity`` and ``price``). Without it the result has
        no ``monetary_value`` column.
    observation_end : date-like, optional
        The last day observed; purchases in later periods are ignored. Default: the
        last purchase in the log.
    freq : {"D", "W", "W-SUN" ... "W-SAT", "h", "min", "s", "M", "Y"}
        The period. Weeks end on Sunday unless named otherwise (pandas' "W"). For
        "M" and "Y" recency and T are measured in numpy's average month and year, as
        lifetimes does.
    freq_multiplier : float, default 1
        Recency and T are divided by it: ``freq="D", freq_multiplier=7`` gives weeks
        with the precision of days (Fader and Hardie's CDNOW units).
    include_first_transaction : bool, default False
        Count the first period in ``frequency`` and ``monetary_value``. The models
        expect False.
    n_jobs : int, optional
        Threads; default ``crmmine.get_num_threads()``.

    Returns
    -------
    DataFrame
        Indexed by customer (sorted), float columns ``frequency``, ``recency``, ``T``
        and, with an amount, ``monetary_value``. ``attrs`` hold ``observation_end``
        (start of the last observed period), ``freq`` and ``freq_multiplier``.

    Examples
    --------
    >>> import pandas as pd, crmmine
    >>> log = pd.DataFrame({
    ...     "customer": ["a", "a", "a", "b"],
    ...     "date": ["2024-01-01", "2024-01-01", "2024-01-15", "2024-01-08"],
    ...     "spend": [10.0, 5.0, 20.0, 7.0]})
    >>> crmmine.clv.summary(log, "customer", "date", "spend", freq="D",
    ...     freq_multiplier=7, observation_end="2024-01-29")  # doctest: +NORMALIZE_WHITESPACE
              frequency  recency    T  monetary_value
    customer
    a               1.0      2.0  4.0            20.0
    b               0.0      0.0  3.0             0.0
    """
    log, has_amount, periods, options = _prepare(
        "summary",
        data,
        customer,
        date,
        amount,
        invoice,
        quantity,
        price,
        cancel_prefix,
        missing_customer,
        freq,
        freq_multiplier,
        include_first_transaction,
        n_jobs,
    )
    end = None
    if observation_end is not None:
        end = _time(observation_end, log, periods, "observation_end")
    table = _core.clv_summary(
        *_log_arrays(log, periods),
        periods.ticks,
        periods.origin,
        options["freq_multiplier"],
        end,
        options["include_first_transaction"],
        options["period_start"],
        _period_start(end, periods, log),
        periods.unit_ticks,
        options["n_jobs"],
    )
    columns = ["frequency", "recency", "T"] + (["monetary_value"] if has_amount else [])
    result = _frame(table, columns, log)
    result.attrs.update(
        observation_end=_date(table["observation_end"], log, periods),
        freq=freq,
        freq_multiplier=options["freq_multiplier"],
    )
    return result


def calibration_and_holdout(
    data: pd.DataFrame | TransactionLog,
    customer: str | None = None,
    date: str | None = None,
    amount: str | None = None,
    invoice: str | None = None,
    *,
    calibration_end: object,
    observation_end: object = None,
    quantity: str | None = None,
    price: str | None = None,
    freq: str = "D",
    freq_multiplier: float = 1,
    include_first_transaction: bool = False,
    cancel_prefix: str | None = "C",
    missing_customer: str = "drop",
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """The summary up to ``calibration_end`` and what each customer did after it.

    The calibration part is :func:`summary` of the purchases made at or before
    ``calibration_end`` (a time: a purchase later that day is in the holdout), with
    columns suffixed ``_cal``. The holdout part counts, up to ``observation_end``,
    each customer's purchase periods (``frequency_holdout``, first one included) and
    mean spend per purchase row (``monetary_value_holdout``);
    ``duration_holdout`` is the number of periods between the two ends divided by
    ``freq_multiplier``. Customers first seen after ``calibration_end`` are left out.
    Exactly lifetimes' ``calibration_and_holdout_data``.

    Parameters
    ----------
    calibration_end : date-like
        The end of the calibration period, inclusive.
    observation_end : date-like, optional
        The end of the holdout period, inclusive; default the last purchase.
    Others
        As :func:`summary`.

    Returns
    -------
    DataFrame
        Indexed by customer, with ``frequency_cal``, ``recency_cal``, ``T_cal``,
        [``monetary_value_cal``], ``frequency_holdout``, [``monetary_value_holdout``],
        ``duration_holdout``.

    Examples
    --------
    >>> import pandas as pd, crmmine
    >>> log = pd.DataFrame({
    ...     "customer": ["a", "a", "a", "b"],
    ...     "date": ["2024-01-01", "2024-01-03", "2024-01-09", "2024-01-02"],
    ...     "spend": [10.0, 5.0, 20.0, 7.0]})
    >>> split = crmmine.clv.calibration_and_holdout(
    ...     log, "customer", "date", "spend", calibration_end="2024-01-05")
    >>> split[["frequency_cal", "T_cal", "frequency_holdout", "duration_holdout"]]  # doctest: +NORMALIZE_WHITESPACE
              frequency_cal  T_cal  frequency_holdout  duration_holdout
    customer
    a                   1.0    4.0                1.0               4.0
    b                   0.0    3.0                0.0               4.0
    """
    log, has_amount, periods, options = _prepare(
        "calibration_and_holdout",
        data,
        customer,
        date,
        amount,
        invoice,
        quantity,
        price,
        cancel_prefix,
        missing_customer,
        freq,
        freq_multiplier,
        include_first_transaction,
        n_jobs,
    )
    if calibration_end is None:
        raise ValueError("calibration_end must be a date, e.g. '2011-06-30'")
    cal_end = _time(calibration_end, log, periods, "calibration_end")
    end = None
    if observation_end is not None:
        end = _time(observation_end, log, periods, "observation_end")
    table = _core.clv_calibration_and_holdout(
        *_log_arrays(log, periods),
        cal_end,
        periods.ticks,
        periods.origin,
        options["freq_multiplier"],
        end,
        options["include_first_transaction"],
        options["period_start"],
        _period_start(end, periods, log),
        _period_start(cal_end, periods, log),
        periods.unit_ticks,
        options["n_jobs"],
    )
    columns = ["frequency", "recency", "T"] + (["monetary_value"] if has_amount else [])
    result = _frame(table, columns, log)
    result.columns = [f"{name}_cal" for name in columns]
    result["frequency_holdout"] = table["frequency_holdout"].astype(np.float64)
    if has_amount:
        result["monetary_value_holdout"] = table["monetary_value_holdout"]
    duration = table["duration_holdout"]
    if periods.calendar is not None:
        # lifetimes counts calendar periods here (Period subtraction), not time units
        last = end if end is not None else _last_purchase(log, periods)
        duration = (
            _ordinal(last, periods, log) - _ordinal(cal_end, periods, log)
        ) / options["freq_multiplier"]
    result["duration_holdout"] = float(duration)
    result.attrs.update(
        calibration_end=_date(table["observation_end"], log, periods),
        freq=freq,
        freq_multiplier=options["freq_multiplier"],
    )
    return result


# --- helpers ------------------------------------------------------------------------


def _prepare(
    caller: str,
    data: pd.DataFrame | TransactionLog,
    customer: str | None,
    date: str | None,
    amount: str | None,
    invoice: str | None,
    quantity: str | None,
    price: str | None,
    cancel_prefix: str | None,
    missing_customer: str,
    freq: object,
    freq_multiplier: object,
    include_first_transaction: object,
    n_jobs: object,
) -> tuple[TransactionLog, bool, _Periods, dict]:
    """The checked inputs of :func:`summary` and :func:`calibration_and_holdout`: the
    log, whether it carries money (without, amounts are zeros), its periods and the
    options; ``caller`` names the public function in the error that asks for the
    column names."""
    log = as_transaction_log(
        caller,
        data,
        customer,
        date,
        amount,
        invoice,
        quantity,
        price,
        cancel_prefix,
        missing_customer,
        money_optional=True,
    )
    # without money columns the amounts are zeros, and there is no monetary value
    has_amount = isinstance(data, TransactionLog) or not (
        amount is None and quantity is None and price is None
    )
    periods = _periods(freq, log)
    options = _summary_options(
        log, periods, freq_multiplier, include_first_transaction, n_jobs
    )
    return log, has_amount, periods, options


def _periods(freq: object, log: TransactionLog) -> _Periods:
    if not isinstance(freq, str):
        raise TypeError(f"freq must be a string such as 'D' or 'W', got {freq!r}")
    ticks_per_day = log.ticks_per_day
    if freq in _CALENDAR:
        unit, days = _CALENDAR[freq]
        return _Periods(freq, 1, 0, 1, unit, days * ticks_per_day)
    if freq == "W" or freq.startswith("W-"):
        end_day = "SUN" if freq == "W" else freq[2:].upper()
        if end_day not in _WEEKDAYS:
            raise ValueError(
                f"freq={freq!r}: weeks are 'W' or 'W-<day>' with day one of "
                f"{', '.join(_WEEKDAYS)}"
            )
        first_day = (_WEEKDAYS.index(end_day) + 1) % 7
        # 1970-01-01, the clock's zero, was a Thursday (weekday 3)
        origin_days = (first_day - 3) % 7
        return _Periods(
            freq, 7 * ticks_per_day, origin_days * ticks_per_day, 1, None, 0.0
        )
    if freq not in _SECONDS:
        raise ValueError(
            f"freq={freq!r} is not supported; use 'D', 'W' (or 'W-<day>'), 'h', "
            "'min', 's', 'M' or 'Y'"
        )
    seconds = _SECONDS[freq]
    scale = 1
    if (ticks_per_day * seconds) % 86_400 != 0:  # a clock in days, periods in hours
        scale = 86_400
    return _Periods(
        freq, ticks_per_day * scale * seconds // 86_400, 0, scale, None, 0.0
    )


def _summary_options(
    log: TransactionLog,
    periods: _Periods,
    freq_multiplier: object,
    include_first_transaction: object,
    n_jobs: object,
) -> dict:
    if isinstance(freq_multiplier, bool) or not isinstance(
        freq_multiplier, numbers.Real
    ):
        raise TypeError(
            f"freq_multiplier must be a number, got {freq_multiplier!r}; e.g. 7 for "
            "weeks of days"
        )
    if not np.isfinite(freq_multiplier) or freq_multiplier <= 0:
        raise ValueError(f"freq_multiplier must be positive, got {freq_multiplier}")
    if not isinstance(include_first_transaction, bool | np.bool_):
        raise TypeError(
            "include_first_transaction must be True or False, got "
            f"{include_first_transaction!r}"
        )
    period_start = None
    if periods.calendar is not None:
        period_start = _calendar_start(log.time, periods, log)
    return {
        "freq_multiplier": float(freq_multiplier),
        "include_first_transaction": bool(include_first_transaction),
        "period_start": period_start,
        "n_jobs": _validation.check_n_jobs(n_jobs),
    }


def _log_arrays(log: TransactionLog, periods: _Periods) -> tuple:
    time = log.time if periods.scale == 1 else log.time * periods.scale
    return (
        log.customer,
        time,
        log.amount,
        log.invoice,
        log.invoice_cancelled,
        log.n_customers,
        log.n_invoices,
    )


def _time(value: object, log: TransactionLog, periods: _Periods, argument: str) -> int:
    return _convert.time_on_clock(value, log.time_dtype, argument) * periods.scale


def _calendar_start(
    ticks: np.ndarray, periods: _Periods, log: TransactionLog
) -> np.ndarray:
    """The start of each time's calendar period, on the log's clock."""
    dates = np.asarray(ticks, dtype=np.int64).view(log.time_dtype)
    starts = dates.astype(f"datetime64[{periods.calendar}]").astype(log.time_dtype)
    return np.ascontiguousarray(starts.view(np.int64))


def _period_start(time: int | None, periods: _Periods, log: TransactionLog) -> int:
    if time is None or periods.calendar is None:
        return 0
    return int(_calendar_start(np.array([time]), periods, log)[0])


def _ordinal(time: int, periods: _Periods, log: TransactionLog) -> int:
    date = np.array([time], dtype=np.int64).view(log.time_dtype)
    return int(date.astype(f"datetime64[{periods.calendar}]").view(np.int64)[0])


def _last_purchase(log: TransactionLog, periods: _Periods) -> int:
    purchase = (log.customer >= 0) & (log.amount >= 0)
    purchase &= log.invoice_cancelled[log.invoice] == 0
    return int(log.time[purchase].max()) * periods.scale


def _date(ticks: int, log: TransactionLog, periods: _Periods) -> pd.Timestamp:
    if periods.scale != 1:
        return pd.Timestamp(0, unit="s") + pd.Timedelta(seconds=ticks)
    return _convert.date_from_clock(ticks, log.time_dtype)


def _frame(table: dict, columns: list[str], log: TransactionLog) -> pd.DataFrame:
    index = log.customer_labels[table["customer"]]
    index.name = log.customer_name or "customer"
    return pd.DataFrame(
        {name: table[name].astype(np.float64, copy=False) for name in columns},
        index=index,
    )
