"""Conversions at the Python edge: labels to dense int32 codes and back, dates to an
integer clock. C++ only ever sees codes and numbers."""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from crmmine import _core
from crmmine._validation import check_columns

_INT32_MAX = np.iinfo(np.int32).max
_INT64_MAX = np.iinfo(np.int64).max
_TICKS_PER_SECOND = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}


def factorize(
    values: object, argument: str, *, sort: bool = True
) -> tuple[np.ndarray, pd.Index]:
    """Dense int32 codes (missing labels -> -1) and the labels they stand for.

    Purchase logs list an order's lines together, so a column of invoice or customer ids
    comes in runs; where runs are long only the first row of each is hashed and its code
    repeated over the run. With ``sort`` the labels are sorted (where they sort) and the
    codes follow that order. O(n) plus sorting the distinct labels.
    """
    series = values if isinstance(values, pd.Series) else pd.Series(values, copy=False)
    starts = _run_starts(series)
    if starts is None:
        codes, labels = _pandas_factorize(series, sort)
    else:
        head_codes, labels = _pandas_factorize(series.iloc[starts], sort)
        lengths = np.diff(np.append(starts, len(series)))
        codes = np.repeat(head_codes.astype(np.int32, copy=False), lengths)
    if len(labels) > _INT32_MAX:
        raise ValueError(f"{argument} has more than 2^31 distinct labels")
    return codes.astype(np.int32, copy=False), pd.Index(labels, dtype=series.dtype)


def _pandas_factorize(series: pd.Series, sort: bool) -> tuple[np.ndarray, object]:
    if sort:
        dense = _dense_integer_codes(series)
        if dense is not None:
            return dense
    if pd.api.types.is_object_dtype(series.dtype) or pd.api.types.is_string_dtype(
        series.dtype
    ):
        # a plain object array hashes faster than the string extension array
        series = series.to_numpy(dtype=object)
    try:
        return pd.factorize(series, sort=sort, use_na_sentinel=True)
    except TypeError:  # labels of mixed types do not sort; keep first-seen order
        return pd.factorize(series, sort=False, use_na_sentinel=True)


def _dense_integer_codes(series: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """Sorted codes of integers that span a narrow range, through a lookup table over
    the range (C++): no hashing, and no hash table sized by the row count (pandas'
    takes about 35 bytes a row). None for other columns."""
    if not isinstance(series.dtype, np.dtype) or series.dtype.kind not in "iu":
        return None
    values = series.to_numpy()
    if values.dtype == np.uint64 and len(values) and values.max() > _INT64_MAX:
        return None
    dense = _core.dense_integer_codes(values.astype(np.int64, copy=False))
    if dense is None:
        return None
    codes, labels = dense
    return codes, labels.astype(values.dtype, copy=False)


def _run_starts(series: pd.Series) -> np.ndarray | None:
    """Positions where a row differs from the one before (row 0 always), or None when
    runs are short (over a quarter of the rows start one) or the comparison is not
    cheap or not well defined for this column. A spurious start only costs time (its
    run is coded like any other); a missed one would be wrong."""
    if len(series) < 2:
        return None
    changed = np.empty(len(series), dtype=bool)
    changed[0] = True
    array = series.array
    values, mask = getattr(array, "_data", None), getattr(array, "_mask", None)
    if isinstance(values, np.ndarray) and isinstance(mask, np.ndarray):
        # nullable numbers (Int64, Float64, boolean): compare the values and the mask
        np.not_equal(values[1:], values[:-1], out=changed[1:])
        changed[1:] |= mask[1:] != mask[:-1]
        return _positions_if_few(changed)
    dtype = series.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "biufmM":
        values = series.to_numpy()
    elif pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
        values = series.to_numpy(dtype=object)
    else:
        return None
    try:
        np.not_equal(values[1:], values[:-1], out=changed[1:])
    except (TypeError, ValueError):  # pd.NA and other labels without a plain answer
        return None
    if values.dtype.kind in "fmM":  # a run of missing values is one run, as NaN != NaN
        missing = np.isnan(values)
        changed[1:] &= ~(missing[1:] & missing[:-1])
    return _positions_if_few(changed)


def _positions_if_few(changed: np.ndarray) -> np.ndarray | None:
    # counted first: the positions of short runs would take 8 bytes a row
    if np.count_nonzero(changed) > len(changed) // 4:
        return None
    return np.flatnonzero(changed)


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


def read_csv_columns(
    path: object, columns: dict[str, object], text: tuple, options: dict
) -> pd.DataFrame:
    """Only the named columns of a CSV file (``columns`` maps argument -> column), checked
    to exist first so a wrong name gets crmmine's message; ``text`` columns stay strings."""
    check_columns(pd.read_csv(path, nrows=0, **options), columns)
    wanted = list(dict.fromkeys(c for c in columns.values() if c is not None))
    dtypes = {column: "string" for column in text if column is not None}
    return pd.read_csv(path, usecols=wanted, dtype=dtypes, **options)


def sample_weights(
    sample_weight, n_samples: int, dtype=np.float64
) -> np.ndarray | None:
    """``sample_weight`` as a contiguous array of ``n_samples`` weights (None stays None).

    A scalar weighs every sample alike; weights must be finite, non-negative and not all
    zero.
    """
    if sample_weight is None:
        return None
    if isinstance(sample_weight, numbers.Number):
        return np.full(n_samples, sample_weight, dtype=dtype)
    weights = np.ascontiguousarray(np.asarray(sample_weight, dtype=dtype))
    if weights.shape != (n_samples,):
        raise ValueError(
            f"sample_weight.shape == {weights.shape}, expected {(n_samples,)}; pass one "
            "weight per sample"
        )
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise ValueError("sample_weight must be finite and non-negative")
    if not weights.any():
        raise ValueError(
            "sample_weight is zero everywhere; at least one weight must be positive"
        )
    return weights


def class_codes(y, dtype) -> tuple[np.ndarray, np.ndarray]:
    """The sorted classes of y and each label's index into them, as
    ``np.unique(y, return_inverse=True)`` gives. Two classes, the churn case, are found
    by hashing and coded by one comparison: no sorted copy of y and no int64 index of
    its length, which cost more memory than a binary model's whole fit."""
    y = np.asarray(y).reshape(-1)
    uniques = pd.unique(y)
    if len(uniques) != 2:
        classes, codes = np.unique(y, return_inverse=True)
        return classes, codes.reshape(-1).astype(dtype, copy=False)
    classes = np.unique(uniques)
    return classes, (y == classes[1]).astype(dtype)
