"""Binary logistic regression with scikit-learn's contract, on crmmine's C++ solvers
(Newton steps or L-BFGS for the L2 and unpenalised objectives, proximal Newton with
coordinate descent for L1 and elastic-net)."""

from __future__ import annotations

import warnings

import numpy as np

from crmmine import _convert, _core
from crmmine._compat import (
    HAVE_SKLEARN,
    BaseEstimator,
    ClassifierMixin,
    ConvergenceWarning,
    check_is_fitted,
    validate_data,
)
from crmmine._validation import (
    check_n_jobs,
    check_non_negative,
    check_positive_int,
    check_positive_number,
    is_checked_matrix,
)

if HAVE_SKLEARN:
    from sklearn.utils.multiclass import type_of_target
else:  # pragma: no cover - exercised in a subprocess by the tests
    type_of_target = None

_PENALTIES = ("l2", "l1", "elasticnet")
# scikit-learn's name for the Newton solver is accepted too.
_SOLVERS = {
    "auto": "auto",
    "lbfgs": "lbfgs",
    "newton": "newton",
    "newton-cholesky": "newton",
}


class LogisticRegression(ClassifierMixin, BaseEstimator):
    """Binary logistic regression, the model of ``sklearn.linear_model.LogisticRegression``.

    Minimises ``C * sum_i s_i * log_loss_i + penalty(coef_)`` with
    ``s_i = sample_weight_i * class_weight[y_i]`` and the intercept not penalised,
    scikit-learn's objective: the same ``C`` gives the same coefficients. L2 and no
    penalty are solved by Newton steps (up to 256 features) or L-BFGS, L1 and
    elastic-net by proximal Newton steps whose quadratic models are minimised by
    coordinate descent. Loss, gradient and Hessian come from one parallel pass over X
    whose result does not depend on the thread count.

    Parameters
    ----------
    penalty : {"l2", "l1", "elasticnet"} or None, default "l2"
        ``0.5 * ||w||^2``, ``||w||_1``, or
        ``l1_ratio * ||w||_1 + 0.5 * (1 - l1_ratio) * ||w||^2``.
    C : float, default 1.0
        Inverse regularisation strength.
    l1_ratio : float in [0, 1], optional
        Required for ``penalty="elasticnet"``, ignored otherwise.
    fit_intercept : bool, default True
    class_weight : dict, "balanced" or None
        Weights by class label; "balanced" is ``total weight / (2 * weight of the
        class)``, scikit-learn's definition (sample weights included).
    solver : {"auto", "newton", "lbfgs"}, default "auto"
        "newton" (scikit-learn's "newton-cholesky" is accepted for it) takes exact
        Newton steps, with the Hessian computed in the same pass over X as the
        gradient: a handful of passes, O(n_features^2) memory; for L1 and elastic-net
        the steps are proximal. "lbfgs" takes L-BFGS steps, one cheap pass each, many
        more of them; L2 and None only. "auto" is "newton" up to 256 features or with
        an L1 part, "lbfgs" above.
    max_iter : int, default 100
        L-BFGS iterations, or Newton steps.
    tol : float, default 1e-4
        Stop when the largest entry of the (minimum-norm sub)gradient of the objective,
        divided by ``C * sum_i s_i``, is at most ``tol`` (scikit-learn's ``gtol``).
    n_jobs : int, optional
        Threads; default ``crmmine.get_num_threads()``.
    random_state : ignored
        Accepted for compatibility; both solvers are deterministic.

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
    coef_ : ndarray of shape (1, n_features)
    intercept_ : ndarray of shape (1,)
    n_iter_ : ndarray of shape (1,)
    n_features_in_, feature_names_in_
        As in scikit-learn.

    Examples
    --------
    >>> import numpy as np, crmmine
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]])
    >>> y = np.array(["stay", "stay", "churn", "stay", "churn", "churn"])
    >>> model = crmmine.LogisticRegression(C=10.0).fit(X, y)
    >>> model.classes_.tolist()
    ['churn', 'stay']
    >>> model.predict([[0.0], [5.0]]).tolist()
    ['stay', 'churn']
    >>> model.predict_proba([[2.5]]).round(3).tolist()
    [[0.5, 0.5]]
    """

    def __init__(
        self,
        penalty="l2",
        *,
        C=1.0,
        l1_ratio=None,
        fit_intercept=True,
        class_weight=None,
        solver="auto",
        max_iter=100,
        tol=1e-4,
        n_jobs=None,
        random_state=None,
    ):
        self.penalty = penalty
        self.C = C
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.class_weight = class_weight
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.n_jobs = n_jobs
        self.random_state = random_state

    def fit(self, X, y, sample_weight=None):
        """Fit the model; y holds two distinct labels (numbers or strings). Returns self."""
        penalty = self._penalty()
        solver = self._solver(penalty)
        C = check_positive_number(self.C, "C")
        tol = check_non_negative(self.tol, "tol")
        max_iter = check_positive_int(self.max_iter, "max_iter")
        l1_ratio = self._l1_ratio(penalty)
        X, y = self._validate_xy(X, y)
        weights = _convert.sample_weights(sample_weight, X.shape[0])
        classes, codes = _convert.class_codes(y, np.uint8)
        if len(classes) > 2:
            raise ValueError(
                "Only binary classification is supported. The type of the target is "
                f"multiclass: y holds {len(classes)} classes {classes.tolist()[:10]}; "
                "pass exactly 2 classes (e.g. one class against the rest)"
            )
        if len(classes) < 2:
            raise ValueError(
                "y holds a single class: a classifier can't train when only one class "
                "is present; pass samples of exactly 2 classes"
            )
        cw0, cw1, balanced = self._class_weights(classes)
        result = _core.logistic_regression_fit(
            X,
            codes,
            weights,
            "none" if penalty is None else penalty,
            C,
            l1_ratio,
            bool(self.fit_intercept),
            cw0,
            cw1,
            balanced,
            solver,
            max_iter,
            tol,
            check_n_jobs(self.n_jobs),
        )
        if not result["converged"]:
            warnings.warn(
                f"LogisticRegression did not converge in {result['n_iter']} iterations "
                f"(tol={tol}); raise max_iter, scale the features or loosen tol",
                ConvergenceWarning,
                stacklevel=2,
            )
        self.classes_ = classes
        self.coef_ = result["coef"].reshape(1, -1)
        self.intercept_ = np.array([result["intercept"]])
        self.n_iter_ = np.array([result["n_iter"]], dtype=np.int32)
        self.objective_ = float(result["objective"])
        return self

    def decision_function(self, X):
        """``X @ coef_.T + intercept_``: the log-odds of ``classes_[1]``, shape (n,)."""
        return self._scores(X, proba=False)

    def predict_proba(self, X):
        """Probabilities of ``classes_[0]`` and ``classes_[1]``, shape (n, 2)."""
        return self._scores(X, proba=True)

    def predict_log_proba(self, X):
        """Logarithm of ``predict_proba``, computed from the log-odds without underflow."""
        z = self.decision_function(X)
        return np.column_stack([-np.logaddexp(0.0, z), -np.logaddexp(0.0, -z)])

    def predict(self, X):
        """The label of ``classes_[1]`` where the log-odds are positive, else ``classes_[0]``."""
        positive = self.decision_function(X) > 0
        return self.classes_[positive.astype(np.intp)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    def _scores(self, X, proba: bool) -> np.ndarray:
        """Log-odds, shape (n,), or both class probabilities, shape (n, 2). NaN and
        infinity in X are caught by the C++ pass (they make the score non-finite), not
        by a separate pass over X."""
        check_is_fitted(self)
        if not is_checked_matrix(self, X):
            X = validate_data(
                self,
                X,
                dtype=np.float64,
                order="C",
                reset=False,
                ensure_all_finite=False,
            )
        return _core.logistic_decision_function(
            X,
            np.ascontiguousarray(self.coef_[0]),
            float(self.intercept_[0]),
            proba,
            check_n_jobs(self.n_jobs),
        )

    def _validate_xy(self, X, y):
        if y is None:
            raise ValueError(
                "LogisticRegression requires y to be passed, but the target y is None; "
                "pass one label per row of X"
            )
        if HAVE_SKLEARN:
            # NaN and infinity in X are refused by the C++ pass that checks every
            # value anyway; integer labels are class labels by type.
            X, y = validate_data(
                self,
                X,
                y,
                dtype=np.float64,
                order="C",
                reset=True,
                ensure_all_finite=False,
            )
            target = "binary" if y.dtype.kind in "biu" else type_of_target(y, "y")
            if target not in ("binary", "multiclass"):
                raise ValueError(
                    f"Unknown label type: {target}; y must hold class labels, not "
                    "continuous or multi-output values"
                )
        else:  # pragma: no cover - exercised in a subprocess by the tests
            X = validate_data(self, X, dtype=np.float64, order="C", reset=True)
            y = np.asarray(y).reshape(-1)
            if y.shape[0] != X.shape[0]:
                raise ValueError(
                    f"y has {y.shape[0]} labels but X has {X.shape[0]} rows; pass one "
                    "label per row"
                )
        return np.ascontiguousarray(X, dtype=np.float64), y

    def _penalty(self):
        penalty = self.penalty
        if penalty is None or (isinstance(penalty, str) and penalty in _PENALTIES):
            return penalty
        raise ValueError(
            f"penalty must be 'l2', 'l1', 'elasticnet' or None, got {penalty!r}"
        )

    def _solver(self, penalty) -> str:
        solver = self.solver
        if not (isinstance(solver, str) and solver in _SOLVERS):
            raise ValueError(
                f"solver must be 'auto', 'newton' or 'lbfgs', got {solver!r}"
            )
        if _SOLVERS[solver] == "lbfgs" and penalty in ("l1", "elasticnet"):
            raise ValueError(
                f"solver='lbfgs' supports penalty 'l2' or None only, got "
                f"penalty={penalty!r}; use solver='auto' or 'newton'"
            )
        return _SOLVERS[solver]

    def _l1_ratio(self, penalty) -> float:
        if penalty != "elasticnet":
            return 0.0
        if self.l1_ratio is None:
            raise ValueError(
                "l1_ratio must be set in [0, 1] when penalty='elasticnet', got None"
            )
        ratio = check_non_negative(self.l1_ratio, "l1_ratio")
        if ratio > 1:
            raise ValueError(f"l1_ratio must be in [0, 1], got {self.l1_ratio}")
        return ratio

    def _class_weights(self, classes) -> tuple[float, float, bool]:
        class_weight = self.class_weight
        if class_weight is None:
            return 1.0, 1.0, False
        if isinstance(class_weight, str) and class_weight == "balanced":
            return 1.0, 1.0, True
        if not isinstance(class_weight, dict):
            raise ValueError(
                f"class_weight must be None, 'balanced' or a dict label -> weight, got "
                f"{class_weight!r}"
            )
        unknown = [key for key in class_weight if key not in classes.tolist()]
        if unknown:
            raise ValueError(
                f"class_weight has labels {unknown} that are not in y; the classes are "
                f"{classes.tolist()}"
            )
        weights = []
        for label in classes.tolist():
            weight = class_weight.get(label, 1.0)
            weights.append(check_non_negative(weight, f"class_weight[{label!r}]"))
        return weights[0], weights[1], False
