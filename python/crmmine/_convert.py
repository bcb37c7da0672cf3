"""Conversions at the Python edge: labels to dense int32 codes and back, dates to an
integer clock. C++ only ever sees codes and numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd

_INT32_MAX = np.iinfo(np.int32).max
_TICKS_PER_SECOND = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}


def factorize(values: object, argument: str) -> tuple[np.ndarray, pd.Index]:
    """Dense int32 codes (missing labels -> -1) and the labels, sorted where they sort.

    ``pandas.factorize`` is a hash pass, O(n) plus sorting the distinct labels.
    """
    try:
        codes, labels = pd.factorize(values, sort=True, use_na_sentinel=True)
    except TypeError:  # labels of mixed types do not sort; keep first-seen order
        codes, labels = pd.factorize(values, sort=False, use_na_sentinel=True)
    if len(labels) > _INT32_MAX:
        raise ValueError(f"{argument} has more than 2^31 distinct labels")
    return codes.astype(np.int32, copy=False), pd.Index(labels)


def as_datetime(values: pd.Series, argument: str) -> pd.Series:
    """The column as naive datetime64, parsing text; clear errors for what does not parse."""
    series = pd.Series(values, copy=False)
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_localize(
            None
        )  # recency counts days on the local calendar
    elif not pd.api.types.is_datetime64_dtype(series.dtype):
        if pd.api.types.is_numeric_dtype(series.dtype):
            raise TypeError(
                f"{argument} holds numbers (dtype {series.dtype}), not dates; convert "
                "them with pd.to_datetime(..., unit=...) first"
            )
        try:
            series = pd.to_datetime(series, errors="raise")
        except (ValueError, TypeError, OverflowError) as error:
            parsed = pd.to_datetime(series, errors="coerce", format="mixed")
            bad = series[parsed.isna() & series.notna()]
            example = repr(bad.iloc[0]) if len(bad) else "?"
            raise ValueError(
                f"{argument} has values that do not parse as dates (for example "
                f"{example}); fix them or convert with pd.to_datetime(..., format=...)"
            ) from error
    missing = series.isna()
    if missing.any():
        raise ValueError(
            f"{argument} has {int(missing.sum())} missing date(s) (first at row "
            f"{int(np.flatnonzero(missing.to_numpy())[0])}); drop those rows first"
        )
    return series


def clock(series: pd.Series) -> tuple[np.ndarray, int, np.dtype]:
    """A datetime64 column as int64 ticks (a view, no copy), the ticks in one day and the
    datetime64 dtype that maps ticks back to dates."""
    array = series.to_numpy()
    unit, count = np.datetime_data(array.dtype)
    if count != 1 or (unit != "D" and unit not in _TICKS_PER_SECOND):
        array, unit = array.astype("datetime64[ns]"), "ns"
    ticks_per_day = 1 if unit == "D" else 86_400 * _TICKS_PER_SECOND[unit]
    return array.view(np.int64), ticks_per_day, array.dtype


def time_on_clock(value: object, like: np.dtype, argument: str) -> int:
    """A single date (string, datetime, Timestamp) as an integer on the log's clock."""
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"{argument}={value!r} does not parse as a date; pass e.g. '2011-12-10'"
        ) from error
    if stamp is pd.NaT:
        raise ValueError(f"{argument} must be a date, got a missing value")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    return int(np.array([stamp.to_datetime64()]).astype(like).view(np.int64)[0])


def date_from_clock(ticks: int, like: np.dtype) -> pd.Timestamp:
    return pd.Timestamp(np.array([ticks], dtype=np.int64).view(like)[0])
