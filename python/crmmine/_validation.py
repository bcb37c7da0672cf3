"""Input checks shared by every public entry point.

Each check raises ``ValueError`` or ``TypeError`` with a message that names the argument
and says how to fix it; nothing here converts data.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable

import numpy as np
import pandas as pd


def check_columns(frame: pd.DataFrame, columns: dict[str, object]) -> None:
    """Check that every named column exists; ``columns`` maps argument -> column name."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(
            f"data must be a pandas DataFrame, got {type(frame).__name__}; "
            "wrap arrays with pd.DataFrame({...}) or use the from_arrays builder"
        )
    for argument, column in columns.items():
        if column is None:
            continue
        if column not in frame.columns:
            available = ", ".join(map(repr, list(frame.columns)[:20]))
            raise ValueError(
                f"{argument}={column!r} is not a column of the data; "
                f"available columns: {available}"
            )


def check_not_empty(frame: pd.DataFrame, argument: str = "data") -> None:
    if len(frame) == 0:
        raise ValueError(f"{argument} is empty; pass at least one row")


def check_positive_int(
    value: object, name: str, minimum: int = 1, maximum: int | None = None
) -> int:
    """An integer of at least ``minimum`` (1 unless told) and, when given, at most
    ``maximum``, as a plain int."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if maximum is not None and not minimum <= value <= maximum:
        raise ValueError(f"{name} must be in [{minimum}, {maximum}], got {value}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def check_non_negative(value: object, name: str) -> float:
    """A finite real number >= 0, as a float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r}")
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value}")
    return float(value)


def check_positive_number(value: object, name: str) -> float:
    """A finite real number > 0, as a float."""
    value = check_non_negative(value, name)
    if value == 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return value


def check_choice(value: object, argument: str, choices: Iterable[str]) -> str:
    choices = tuple(choices)
    if value not in choices:
        options = ", ".join(map(repr, choices))
        raise ValueError(f"{argument} must be one of {options}, got {value!r}")
    return str(value)


def check_n_jobs(n_jobs: object) -> int:
    """``None`` means the library default (crmmine.set_num_threads / OMP_NUM_THREADS)."""
    if n_jobs is None:
        return 0
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral):
        raise TypeError(f"n_jobs must be an integer or None, got {n_jobs!r}")
    if n_jobs == 0:
        raise ValueError(
            "n_jobs must not be 0; use None for the default, -1 for all cores"
        )
    return int(n_jobs)


def numeric_column(values: pd.Series | np.ndarray, argument: str) -> np.ndarray:
    """The values as finite float64, or a clear error."""
    array = np.asarray(values)
    if array.dtype == bool or not (
        np.issubdtype(array.dtype, np.number) or pd.api.types.is_numeric_dtype(values)
    ):
        raise TypeError(
            f"{argument} must be numeric, got dtype {getattr(values, 'dtype', array.dtype)}; "
            "convert it with pd.to_numeric first"
        )
    array = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(array)
    if not finite.all():
        bad = int((~finite).sum())
        first = int(np.flatnonzero(~finite)[0])
        raise ValueError(
            f"{argument} has {bad} missing or infinite value(s) (first at row {first}); "
            "drop or fill them first"
        )
    return array


def is_checked_matrix(estimator, X: object) -> bool:
    """Whether X is already what ``validate_data(estimator, X, reset=False,
    dtype=np.float64, order="C")`` returns and that call would only confirm it: a
    C-ordered float64 numpy matrix with rows and the fitted number of columns, for an
    estimator fitted without feature names. Predictions of a fast model on such a
    matrix skip the call, which costs more than the prediction on small inputs."""
    return (
        type(X) is np.ndarray
        and X.dtype == np.float64
        and X.ndim == 2
        and X.flags.c_contiguous
        and X.shape[0] > 0
        and X.shape[1] == getattr(estimator, "n_features_in_", -1)
        and not hasattr(estimator, "feature_names_in_")
    )
