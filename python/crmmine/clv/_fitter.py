"""What the CLV models share: input checks, the maximum-likelihood fit through the C++
kernels, lifetimes' fitted attributes (params_, summary_ ...), and the conversion of
results back to the caller's kind of input (scalar, numpy array or pandas Series)."""

from __future__ import annotations

import functools
import numbers
import warnings
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from crmmine import _core
from crmmine._compat import BaseEstimator, ConvergenceWarning, check_is_fitted
from crmmine._validation import check_n_jobs

#: lifetimes' confidence bounds: coef -/+ 1.96 standard errors
_Z95 = 1.96


class _Customers:
    """Per-customer arrays, all float64 1-D of one length, and how to return results:
    as a float (scalar input), a Series on ``index`` or a numpy array."""

    def __init__(
        self, arrays: dict[str, np.ndarray], index: pd.Index | None, scalar: bool
    ):
        self.arrays = arrays
        self.index = index
        self.scalar = scalar

    def __getitem__(self, name: str) -> np.ndarray:
        return self.arrays[name]

    def __len__(self) -> int:
        return len(next(iter(self.arrays.values())))

    def wrap(self, values: np.ndarray, name: str) -> float | np.ndarray | pd.Series:
        if self.scalar:
            return float(values[0])
        if self.index is not None:
            return pd.Series(values, index=self.index, name=name)
        return values


def columns_from_frame(
    frame: pd.DataFrame, names: Sequence[str], argument: str
) -> dict[str, pd.Series]:
    """The columns ``names`` of a summary table, or their ``_cal`` versions."""
    for suffix in ("", "_cal"):
        if all(name + suffix in frame.columns for name in names):
            return {name: frame[name + suffix] for name in names}
    raise ValueError(
        f"{argument}: the DataFrame needs columns {', '.join(names)} (as "
        f"crmmine.clv.summary makes them, or with the suffix _cal), found "
        f"{', '.join(map(str, list(frame.columns)[:12]))}"
    )


def customer_arrays(
    values: dict[str, object], *, check_history: bool = True, check_finite: bool = True
) -> _Customers:
    """Checks and converts per-customer inputs (any mix of scalars, lists, arrays and
    Series of equal length, or length 1 which broadcasts)."""
    index = None
    arrays = {}
    for name, value in values.items():
        if value is None:
            raise TypeError(f"{name} is required")
        if isinstance(value, pd.DataFrame):
            raise TypeError(
                f"{name} must be one column (a Series or array), got a DataFrame"
            )
        if isinstance(value, pd.Series) and index is None:
            index = value.index
        arrays[name] = _float_array(value, name, check_finite=check_finite)
    scalar = all(np.ndim(v) == 0 for v in values.values())
    lengths = {name: len(a) for name, a in arrays.items()}
    n = max(lengths.values())
    for name, length in lengths.items():
        if length not in (1, n):
            raise ValueError(
                f"{name} has {length} values but other inputs have {n}; pass one value "
                "per customer"
            )
        if length == 1 and n > 1:
            arrays[name] = np.full(n, arrays[name][0])
    if index is not None and len(index) != n:
        index = None
    if check_history and {"frequency", "recency", "T"} <= set(arrays):
        _check_history(arrays["frequency"], arrays["recency"], arrays["T"])
    return _Customers(arrays, index, scalar)


def _float_array(value: object, name: str, *, check_finite: bool = True) -> np.ndarray:
    raw = np.asarray(value)
    if raw.dtype == bool or not (
        np.issubdtype(raw.dtype, np.number) or raw.dtype == object
    ):
        raise TypeError(f"{name} must be numeric, got dtype {raw.dtype}")
    try:
        array = np.ascontiguousarray(np.atleast_1d(raw).astype(np.float64, copy=False))
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be numeric: {error}") from error
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if len(array) == 0:
        raise ValueError(f"{name} is empty; pass at least one customer")
    if check_finite:
        require_finite(array, name)
    return array


def require_finite(array: np.ndarray, name: str) -> None:
    bad = ~np.isfinite(array)
    if bad.any():
        raise ValueError(
            f"{name} has {int(bad.sum())} missing or infinite value(s) (first at "
            f"position {int(np.flatnonzero(bad)[0])}); drop or fill them first"
        )


def _first(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def _check_history(x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> None:
    for name, values in (("frequency", x), ("recency", t_x), ("T", T)):
        negative = values < 0
        if negative.any():
            raise ValueError(
                f"{name} must not be negative (found {values[_first(negative)]} at "
                f"position {_first(negative)})"
            )
    late = t_x > T
    if late.any():
        i = _first(late)
        raise ValueError(
            f"recency must not exceed T (recency={t_x[i]} > T={T[i]} at position {i}); "
            "recency runs from the first to the last purchase, T to the end of "
            "observation"
        )


def check_fit_history(x: np.ndarray, t_x: np.ndarray) -> None:
    """lifetimes' extra checks before a fit: whole purchase counts, and no recency
    without a repeat purchase."""
    fractional = x != np.floor(x)
    if fractional.any():
        raise ValueError(
            f"frequency must hold whole numbers of repeat purchases (found "
            f"{x[_first(fractional)]} at position {_first(fractional)})"
        )
    stray = (x == 0) & (t_x != 0)
    if stray.any():
        raise ValueError(
            f"recency must be 0 where frequency is 0 (found {t_x[_first(stray)]} at "
            f"position {_first(stray)}); was the summary made with "
            "include_first_transaction=True?"
        )


def weights_array(weights: object, n: int) -> np.ndarray | None:
    if weights is None:
        return None
    array = _float_array(weights, "weights")
    if len(array) != n:
        raise ValueError(
            f"weights has {len(array)} values; pass one per customer ({n})"
        )
    if (array <= 0).any():
        raise ValueError("weights must be positive (customers per purchase pattern)")
    return array


@functools.cache
def _parameter_index(names: tuple[str, ...]) -> pd.Index:
    """One shared (immutable) Index per model: building it took most of the time a
    small fit spends in Python."""
    return pd.Index(list(names))


class _ClvModel(BaseEstimator):
    """Maximum-likelihood fit of one of the C++ models and lifetimes' fitted
    attributes. Subclasses set ``_MODEL`` (the kernel's name) and ``_PARAMS``."""

    _MODEL: str = ""
    _PARAMS: tuple[str, ...] = ()
    #: Whether fit computes the covariance. A model without an analytic Hessian (the
    #: Pareto/NBD) takes it from eight more passes over the customers, more than its
    #: fit on a large history, so it waits until the standard errors are read.
    _COVARIANCE_AT_FIT: bool = True

    def __init__(
        self,
        penalizer_coef: float = 0.0,
        *,
        initial_params: Sequence[float] | None = None,
        max_iter: int = 1000,
        tol: float = 1e-7,
        n_jobs: int | None = None,
    ):
        self.penalizer_coef = penalizer_coef
        self.initial_params = initial_params
        self.max_iter = max_iter
        self.tol = tol
        self.n_jobs = n_jobs

    def _fit_arrays(
        self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray | None, weights: object
    ) -> None:
        penalizer = self.penalizer_coef
        if isinstance(penalizer, bool) or not isinstance(penalizer, numbers.Real):
            raise TypeError(f"penalizer_coef must be a number, got {penalizer!r}")
        if not np.isfinite(penalizer) or penalizer < 0:
            raise ValueError(f"penalizer_coef must be >= 0, got {penalizer}")
        if isinstance(self.max_iter, bool) or not isinstance(
            self.max_iter, numbers.Integral
        ):
            raise TypeError(f"max_iter must be an integer, got {self.max_iter!r}")
        if self.max_iter < 1:
            raise ValueError(f"max_iter must be at least 1, got {self.max_iter}")
        if not isinstance(self.tol, numbers.Real) or not self.tol > 0:
            raise ValueError(f"tol must be a positive number, got {self.tol!r}")
        initial = None
        if self.initial_params is not None:
            initial = _float_array(self.initial_params, "initial_params")
            if len(initial) != len(self._PARAMS) or (initial <= 0).any():
                raise ValueError(
                    f"initial_params needs {len(self._PARAMS)} positive values "
                    f"({', '.join(self._PARAMS)})"
                )
        weights = weights_array(weights, len(x))
        result = _core.clv_fit(
            self._MODEL,
            x,
            t_x,
            T,
            weights,
            float(penalizer),
            initial,
            int(self.max_iter),
            float(self.tol),
            check_n_jobs(self.n_jobs),
            self._COVARIANCE_AT_FIT,
        )
        self.params_ = pd.Series(
            np.asarray(result["params"], dtype=np.float64),
            index=_parameter_index(self._PARAMS),
        )
        if self._COVARIANCE_AT_FIT:
            self._covariance_matrix = np.asarray(result["covariance"], dtype=np.float64)
            self._covariance_inputs = None
        else:
            # copies: the caller may change its arrays before asking
            self._covariance_matrix = None
            columns = (x, t_x, T, weights)
            self._covariance_inputs = (
                *(
                    None if a is None else np.array(a, dtype=np.float64)
                    for a in columns
                ),
                float(penalizer),
            )
        self.log_likelihood_ = float(result["log_likelihood"])
        self.mean_log_likelihood_ = float(result["mean_log_likelihood"])
        self.n_iter_ = int(result["n_iter"])
        self.converged_ = bool(result["converged"])
        self.n_customers_ = len(x)
        self.n_unique_ = int(result["n_unique"])
        if not self.converged_:
            warnings.warn(
                f"{type(self).__name__} did not converge in {self.n_iter_} iterations "
                f"({result['message']}); try a larger max_iter, a small "
                "penalizer_coef or other initial_params",
                ConvergenceWarning,
                stacklevel=3,
            )

    @property
    def _covariance(self) -> np.ndarray:
        """The covariance matrix, computed on first use where fit left it out."""
        if self._covariance_matrix is None:
            x, t_x, T, weights, penalizer = self._covariance_inputs
            self._covariance_matrix = np.asarray(
                _core.clv_covariance(
                    self._MODEL,
                    self._params(),
                    x,
                    t_x,
                    T,
                    weights,
                    penalizer,
                    self._n_jobs(),
                ),
                dtype=np.float64,
            )
            self._covariance_inputs = None
        return self._covariance_matrix

    def __getstate__(self) -> dict:
        # A pickle carries the covariance rather than the customers it comes from.
        if getattr(self, "_covariance_inputs", None) is not None:
            self._covariance  # noqa: B018 - computed for its side effect
        parent = getattr(super(), "__getstate__", None)  # not on object before 3.11
        return parent() if parent is not None else dict(self.__dict__)

    # The tables of the covariance are built when asked for: a fit of a few thousand
    # customers takes less time than building them.
    @property
    def variance_matrix_(self) -> pd.DataFrame:
        """Covariance of the parameter estimates (inverse Hessian of the total
        log-likelihood)."""
        check_is_fitted(self, "params_")
        names = list(self._PARAMS)
        return pd.DataFrame(self._covariance, index=names, columns=names)

    @property
    def standard_errors_(self) -> pd.Series:
        """Standard error of each parameter."""
        check_is_fitted(self, "params_")
        with np.errstate(invalid="ignore"):
            errors = np.sqrt(np.diag(self._covariance))
        return pd.Series(errors, index=list(self._PARAMS))

    @property
    def confidence_intervals_(self) -> pd.DataFrame:
        """95% bounds of each parameter: coef -/+ 1.96 standard errors."""
        errors = self.standard_errors_
        return pd.DataFrame(
            {
                "lower 95% bound": self.params_ - _Z95 * errors,
                "upper 95% bound": self.params_ + _Z95 * errors,
            }
        )

    @property
    def summary_(self) -> pd.DataFrame:
        """coef, se(coef) and the 95% bounds of each parameter, as lifetimes' summary."""
        check_is_fitted(self, "params_")
        bounds = self.confidence_intervals_
        return pd.DataFrame(
            {
                "coef": self.params_,
                "se(coef)": self.standard_errors_,
                "lower 95% bound": bounds["lower 95% bound"],
                "upper 95% bound": bounds["upper 95% bound"],
            }
        )

    def _params(self) -> np.ndarray:
        check_is_fitted(self, "params_")
        return np.ascontiguousarray(self.params_.to_numpy(dtype=np.float64))

    def _n_jobs(self) -> int:
        return check_n_jobs(self.n_jobs)

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "params_")


class _TransactionModel(_ClvModel):
    """A model of repeat purchases (BG/NBD, MBG/NBD, Pareto/NBD): fit on frequency,
    recency and T; predict purchases and the probability of being alive."""

    def fit(
        self,
        frequency: object,
        recency: object = None,
        T: object = None,
        weights: object = None,
    ):
        """Maximum-likelihood fit on one row per customer (or per purchase pattern).

        Parameters
        ----------
        frequency : DataFrame, Series or array
            Either a summary table with columns ``frequency``, ``recency`` and ``T``
            (from :func:`crmmine.clv.summary`, or the ``_cal`` columns of
            :func:`crmmine.clv.calibration_and_holdout`), or the repeat purchase
            counts x.
        recency, T : Series or array
            t_x and T, when ``frequency`` is not a table.
        weights : array, optional
            Customers per row, when rows are distinct (x, t_x, T) patterns.

        Returns
        -------
        self
        """
        customers = self._customers(
            frequency, recency, T, check_history=False, check_finite=False
        )
        x, t_x, T = customers["frequency"], customers["recency"], customers["T"]
        try:
            self._fit_arrays(x, t_x, T, weights)
        except ValueError:
            # The fit checks every row; these name the fault in lifetimes' terms.
            for name, values in (("frequency", x), ("recency", t_x), ("T", T)):
                require_finite(values, name)
            _check_history(x, t_x, T)
            check_fit_history(x, t_x)
            raise
        return self

    def _customers(
        self,
        frequency: object,
        recency: object,
        T: object,
        *,
        check_history: bool = True,
        check_finite: bool = True,
        **extra: object,
    ) -> _Customers:
        if isinstance(frequency, pd.DataFrame):
            if recency is not None or T is not None:
                raise ValueError(
                    "frequency is a summary table, which already holds recency and T; "
                    "drop those arguments"
                )
            columns = columns_from_frame(
                frequency, ("frequency", "recency", "T"), "frequency"
            )
        else:
            columns = {"frequency": frequency, "recency": recency, "T": T}
        return customer_arrays(
            {**columns, **extra},
            check_history=check_history,
            check_finite=check_finite,
        )

    def conditional_expected_number_of_purchases_up_to_time(
        self,
        t: object,
        frequency: object,
        recency: object = None,
        T: object = None,
    ) -> float | np.ndarray | pd.Series:
        """Expected repeat purchases in the next ``t`` periods of customers with
        history (frequency, recency, T); ``frequency`` may be a summary table.

        Returns a float for scalar input, a Series indexed like pandas input,
        otherwise an array.
        """
        self._params()
        customers = self._customers(frequency, recency, T, t=t)
        horizon = customers["t"]
        if (horizon < 0).any():
            raise ValueError("t must not be negative")
        if np.ndim(t) == 0:  # one horizon for all: no need to repeat it n times
            horizon = horizon[:1]
        values = self._expected_purchases(
            horizon, customers["frequency"], customers["recency"], customers["T"]
        )
        return customers.wrap(values, "expected_purchases")

    def _expected_purchases(
        self, t: object, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
    ) -> np.ndarray:
        """The kernel call behind predict, on checked arrays."""
        horizon = np.ascontiguousarray(np.atleast_1d(np.asarray(t, dtype=np.float64)))
        return _core.clv_conditional_expected_purchases(
            self._MODEL, self._params(), horizon, x, t_x, T, self._n_jobs()
        )

    def predict(
        self,
        t: object,
        frequency: object,
        recency: object = None,
        T: object = None,
    ) -> float | np.ndarray | pd.Series:
        """Same as :meth:`conditional_expected_number_of_purchases_up_to_time`."""
        return self.conditional_expected_number_of_purchases_up_to_time(
            t, frequency, recency, T
        )

    def expected_number_of_purchases_up_to_time(
        self, t: object
    ) -> float | np.ndarray | pd.Series:
        """Expected repeat purchases in ``t`` periods of a new customer."""
        params = self._params()
        horizons = customer_arrays({"t": t}, check_history=False)
        if (horizons["t"] < 0).any():
            raise ValueError("t must not be negative")
        values = _core.clv_expected_purchases(self._MODEL, params, horizons["t"])
        return horizons.wrap(values, "expected_purchases")

    def conditional_probability_alive(
        self, frequency: object, recency: object = None, T: object = None
    ) -> float | np.ndarray | pd.Series:
        """Probability that a customer with history (frequency, recency, T) is still
        active; ``frequency`` may be a summary table."""
        return self._per_customer(
            _core.clv_probability_alive, frequency, recency, T, "probability_alive"
        )

    def probability_of_n_purchases_up_to_time(
        self, t: object, n: int
    ) -> float | np.ndarray | pd.Series:
        """Probability that a new customer makes exactly ``n`` repeat purchases in
        ``t`` periods."""
        params = self._params()
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
            raise ValueError(f"n must be a whole number >= 0, got {n!r}")
        horizons = customer_arrays({"t": t}, check_history=False)
        if (horizons["t"] < 0).any():
            raise ValueError("t must not be negative")
        values = _core.clv_probability_n_purchases(
            self._MODEL,
            params,
            horizons["t"],
            np.array([n], dtype=np.int64),
            self._n_jobs(),
        )
        return horizons.wrap(values, "probability")

    def log_likelihood(
        self, frequency: object, recency: object = None, T: object = None
    ) -> float | np.ndarray | pd.Series:
        """Log-likelihood of each customer's history under the fitted parameters."""
        return self._per_customer(
            _core.clv_individual_log_likelihood,
            frequency,
            recency,
            T,
            "log_likelihood",
        )

    def _per_customer(
        self,
        kernel: Callable[..., np.ndarray],
        frequency: object,
        recency: object,
        T: object,
        name: str,
    ) -> float | np.ndarray | pd.Series:
        """``kernel`` (a per-customer function of the C++ core) at the fitted
        parameters, for each history, shaped as the input."""
        params = self._params()
        customers = self._customers(frequency, recency, T)
        values = kernel(
            self._MODEL,
            params,
            customers["frequency"],
            customers["recency"],
            customers["T"],
            self._n_jobs(),
        )
        return customers.wrap(values, name)
