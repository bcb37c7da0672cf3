"""scikit-learn integration, optional: with scikit-learn installed crmmine's estimators
are genuine scikit-learn estimators (clone, pipelines, grid search, estimator tags);
without it the same classes work through the small stand-ins below."""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd

try:
    from sklearn.base import (
        BaseEstimator,
        ClassifierMixin,
        ClusterMixin,
        TransformerMixin,
    )
    from sklearn.exceptions import ConvergenceWarning, NotFittedError
    from sklearn.utils.validation import check_is_fitted, validate_data

    HAVE_SKLEARN = True
except ImportError:  # pragma: no cover - exercised in a subprocess by the tests
    HAVE_SKLEARN = False

    class NotFittedError(ValueError, AttributeError):
        """Raised by predict-like methods called before fit."""

    class ConvergenceWarning(UserWarning):
        """A fit stopped short of what was asked of it."""

    class BaseEstimator:
        """get_params / set_params / repr from the keyword arguments of __init__."""

        @classmethod
        def _get_param_names(cls) -> list[str]:
            signature = inspect.signature(cls.__init__)
            return sorted(p for p in signature.parameters if p != "self")

        def get_params(self, deep: bool = True) -> dict:
            return {name: getattr(self, name) for name in self._get_param_names()}

        def set_params(self, **params: object) -> BaseEstimator:
            valid = self._get_param_names()
            for name, value in params.items():
                if name not in valid:
                    raise ValueError(
                        f"Invalid parameter {name!r} for estimator {type(self).__name__}; "
                        f"valid parameters are {valid}"
                    )
                setattr(self, name, value)
            return self

        def __repr__(self) -> str:
            defaults = inspect.signature(type(self).__init__).parameters
            changed = [
                f"{name}={value!r}"
                for name, value in self.get_params().items()
                if defaults[name].default is not value
                and defaults[name].default != value
            ]
            return f"{type(self).__name__}({', '.join(changed)})"

    class ClassifierMixin:
        _estimator_type = "classifier"

        def score(self, X, y, sample_weight=None) -> float:
            correct = np.asarray(self.predict(X) == np.asarray(y), dtype=float)
            return float(np.average(correct, weights=sample_weight))

    class ClusterMixin:
        def fit_predict(self, X, y=None, **fit_params):
            return self.fit(X, **fit_params).labels_

    class TransformerMixin:
        def fit_transform(self, X, y=None, **fit_params):
            return self.fit(X, **fit_params).transform(X)

    def check_is_fitted(estimator, attributes=None) -> None:
        fitted = [
            k for k in vars(estimator) if k.endswith("_") and not k.startswith("__")
        ]
        if not fitted:
            raise NotFittedError(
                f"This {type(estimator).__name__} instance is not fitted yet; call fit first"
            )

    def validate_data(
        estimator,
        X,
        *,
        reset: bool = True,
        dtype=None,
        order="C",
        ensure_all_finite=True,
        **_ignored,
    ) -> np.ndarray:
        names = None
        if isinstance(X, pd.DataFrame):
            names = np.asarray(X.columns, dtype=object)
        array = np.asarray(X)
        if array.ndim != 2:
            raise ValueError(
                f"Expected a 2D array, got {array.ndim}D; reshape with "
                "X.reshape(-1, 1) for a single feature"
            )
        if array.dtype not in (np.float32, np.float64):
            try:
                array = array.astype(np.float64)
            except (TypeError, ValueError) as error:
                raise ValueError(f"X must be numeric: {error}") from error
        array = np.ascontiguousarray(array)
        if array.shape[0] == 0 or array.shape[1] == 0:
            raise ValueError(
                f"Found array with shape {array.shape}; X must not be empty"
            )
        if ensure_all_finite == "allow-nan":
            if np.isinf(array).any():
                raise ValueError(
                    "Input X contains infinity; replace it by a large finite value or "
                    "NaN (missing)"
                )
        elif ensure_all_finite and not np.isfinite(array).all():
            raise ValueError(
                "Input X contains NaN or infinity; drop or impute them first"
            )
        if reset:
            estimator.n_features_in_ = array.shape[1]
            if names is not None:
                estimator.feature_names_in_ = names
        elif array.shape[1] != estimator.n_features_in_:
            raise ValueError(
                f"X has {array.shape[1]} features, but {type(estimator).__name__} is "
                f"expecting {estimator.n_features_in_} features as input."
            )
        return array


__all__ = [
    "HAVE_SKLEARN",
    "BaseEstimator",
    "ClassifierMixin",
    "ClusterMixin",
    "ConvergenceWarning",
    "NotFittedError",
    "TransformerMixin",
    "check_is_fitted",
    "validate_data",
]
