"""CART decision trees with scikit-learn's contract on crmmine's C++ tree: exact or
histogram split search, missing values and pandas categoricals handled natively,
cost-complexity pruning, and the tree written out as IF-THEN rules or Graphviz dot."""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np
import pandas as pd

from crmmine import _convert, _core
from crmmine._compat import (
    HAVE_SKLEARN,
    BaseEstimator,
    ClassifierMixin,
    check_is_fitted,
    validate_data,
)
from crmmine._validation import (
    check_choice,
    check_n_jobs,
    check_non_negative,
    check_positive_int,
    is_checked_matrix,
)

if HAVE_SKLEARN:
    from sklearn.exceptions import DataConversionWarning
    from sklearn.utils import Bunch
    from sklearn.utils.multiclass import type_of_target
else:  # pragma: no cover - exercised in a subprocess by the tests
    Bunch = dict
    DataConversionWarning = UserWarning
    type_of_target = None

_CRITERIA = ("gini", "entropy", "log_loss")
_SPLITTERS = ("auto", "exact", "histogram")


class Tree:
    """The fitted tree as arrays, in scikit-learn's ``tree_`` layout.

    Node 0 is the root; nodes are numbered depth-first, left child first. Leaves have
    ``children_left == children_right == -1`` and ``feature == -2``. Numeric splits send
    ``x <= threshold`` left; categorical splits (``threshold`` NaN) send the categories
    in ``left_categories(node)`` left. ``value`` holds the weighted class fractions.
    """

    def __init__(self, arrays: dict):
        self._arrays = arrays

    def __getattr__(self, name):
        arrays = self.__dict__.get("_arrays", {})
        if name in arrays:
            return arrays[name]
        raise AttributeError(name)

    @property
    def node_count(self) -> int:
        return len(self._arrays["children_left"])

    @property
    def n_leaves(self) -> int:
        return int((self._arrays["children_left"] < 0).sum())

    @property
    def max_depth(self) -> int:
        left, right = self._arrays["children_left"], self._arrays["children_right"]
        depth = np.zeros(len(left), dtype=np.int64)
        for node in range(len(left)):
            if left[node] >= 0:
                depth[left[node]] = depth[right[node]] = depth[node] + 1
        return int(depth.max())

    def left_categories(self, node: int) -> np.ndarray:
        """Category codes a categorical split at ``node`` sends left."""
        offset = int(self._arrays["category_offset"][node])
        if offset < 0:
            raise ValueError(f"node {node} is not a categorical split")
        feature = int(self._arrays["feature"][node])
        n = int(self._arrays["n_categories"][feature])
        words = self._arrays["category_bits"][offset : offset + (n + 63) // 64]
        bits = np.unpackbits(words.view(np.uint8), bitorder="little")[:n]
        return np.flatnonzero(bits)


class DecisionTreeClassifier(ClassifierMixin, BaseEstimator):
    """CART classification tree, the model of ``sklearn.tree.DecisionTreeClassifier``.

    Grows depth-first choosing at each node the split with the largest weighted
    impurity decrease, with scikit-learn's stopping rules and pruning, so with
    ``splitter="exact"`` the tree is scikit-learn's. ``splitter="histogram"`` searches
    only the edges of at most ``max_bins`` quantile bins per feature, built once before
    growth, and derives each node's larger child histogram from its parent's: far
    faster on large data at (nearly) the same accuracy. Missing values (NaN) need no
    imputation: each split learns which side they take. Categorical features (pandas
    ``category``/object/string columns, or those listed in ``categorical_features``)
    are split natively into two sets of categories, found by ordering the categories
    by target rate (optimal for two classes). The search over features runs in
    parallel; the tree does not depend on the thread count.

    Parameters
    ----------
    criterion : {"gini", "entropy", "log_loss"}, default "gini"
    splitter : {"auto", "exact", "histogram"}, default "auto"
        "auto" is "histogram" from 50,000 rows on, and below when every feature has at
        most ``max_bins`` distinct values (each value then has its own bin, so the
        training rows are cut as by "exact", only faster); "exact" otherwise.
    max_depth : int or None, default None
    min_samples_split : int or float, default 2
        A fraction means ``ceil(fraction * n_samples)``.
    min_samples_leaf : int or float, default 1
    min_weight_fraction_leaf : float in [0, 0.5], default 0.0
    max_features : int, float, "sqrt", "log2" or None, default None
        Features searched per node, drawn at random (seeded by ``random_state``).
    random_state : int, RandomState or None
        Seeds the features drawn per node and, as in scikit-learn, the order in which
        each node visits the features even when it searches them all: where several
        features give an equally good split (Telco's add-on columns all separate the
        customers without internet service), the first in that order wins. Fix it for
        a reproducible tree; ``None`` draws a fresh seed per fit.
    min_impurity_decrease : float, default 0.0
    class_weight : dict, "balanced" or None
        "balanced" is ``n_samples / (n_classes * np.bincount(y))``, as scikit-learn.
    ccp_alpha : float, default 0.0
        Minimal cost-complexity pruning strength.
    max_bins : int in [2, 255], default 255
        Bins per numeric feature for the histogram splitter; categorical features may
        have at most this many categories there.
    categorical_features : "auto", None, or list of column names, indices or a boolean
        mask, default "auto"
        "auto": the DataFrame columns of dtype category, object, string or bool-free
        non-numeric kinds. A listed numeric column is treated as categories too.
    n_jobs : int, optional
        Threads; default ``crmmine.get_num_threads()``.

    Attributes
    ----------
    classes_, n_classes_, n_features_in_, feature_names_in_, n_outputs_, max_features_
        As in scikit-learn.
    tree_ : Tree
        The fitted arrays (``children_left``, ``threshold``, ``value``...).
    feature_importances_ : ndarray of shape (n_features,)
        Normalised total impurity decrease per feature.
    categories_ : list
        Per feature, the categories (in code order) or None for numeric features.
    splitter_ : str
        "exact" or "histogram", the search used.

    Examples
    --------
    >>> import pandas as pd, crmmine
    >>> X = pd.DataFrame({
    ...     "tenure": [1, 2, 3, 30, 40, 50, 2, 45],
    ...     "contract": pd.Categorical(["month", "month", "month", "year",
    ...                                 "year", "year", "year", "month"]),
    ... })
    >>> y = [1, 1, 1, 0, 0, 0, 0, 0]
    >>> tree = crmmine.DecisionTreeClassifier(max_depth=2).fit(X, y)
    >>> tree.predict(X).tolist()
    [1, 1, 1, 0, 0, 0, 0, 0]
    >>> print(tree.to_rules(class_names=["stay", "churn"])["rule"].iloc[0])
    tenure <= 16.5 and contract = month → churn 100%, 3 customers
    """

    def __init__(
        self,
        *,
        criterion="gini",
        splitter="auto",
        max_depth=None,
        min_samples_split=2,
        min_samples_leaf=1,
        min_weight_fraction_leaf=0.0,
        max_features=None,
        random_state=None,
        min_impurity_decrease=0.0,
        class_weight=None,
        ccp_alpha=0.0,
        max_bins=255,
        categorical_features="auto",
        n_jobs=None,
    ):
        self.criterion = criterion
        self.splitter = splitter
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.min_weight_fraction_leaf = min_weight_fraction_leaf
        self.max_features = max_features
        self.random_state = random_state
        self.min_impurity_decrease = min_impurity_decrease
        self.class_weight = class_weight
        self.ccp_alpha = ccp_alpha
        self.max_bins = max_bins
        self.categorical_features = categorical_features
        self.n_jobs = n_jobs

    def fit(self, X, y, sample_weight=None):
        """Grow (and prune) the tree on X and the class labels y. Returns self."""
        return self._fit(X, y, sample_weight, self.ccp_alpha)

    def _fit(self, X, y, sample_weight, ccp_alpha):
        criterion = check_choice(self.criterion, "criterion", _CRITERIA)
        splitter = check_choice(self.splitter, "splitter", _SPLITTERS)
        max_bins = check_positive_int(self.max_bins, "max_bins", 2, 255)
        ccp_alpha = check_non_negative(ccp_alpha, "ccp_alpha")
        min_impurity_decrease = check_non_negative(
            self.min_impurity_decrease, "min_impurity_decrease"
        )
        min_weight_fraction = check_non_negative(
            self.min_weight_fraction_leaf, "min_weight_fraction_leaf"
        )
        if min_weight_fraction > 0.5:
            raise ValueError(
                f"min_weight_fraction_leaf must be in [0, 0.5], got {min_weight_fraction}"
            )
        y = self._check_y(y)
        columns, categorical = self._features(X, reset=True)
        n_samples, n_features = len(columns[0]), len(columns)
        if y.shape[0] != n_samples:
            raise ValueError(
                f"y has {y.shape[0]} labels but X has {n_samples} rows; pass one label "
                "per row"
            )
        classes, codes = _convert.class_codes(y, np.int32)
        weights = _convert.sample_weights(sample_weight, n_samples)
        class_weight, balanced = self._class_weights(classes)
        max_features = self._max_features(n_features)
        model = _core.decision_tree_fit(
            columns,
            n_samples,
            codes,
            len(classes),
            weights,
            categorical.astype(np.uint8).tolist(),
            criterion,
            splitter,
            -1
            if self.max_depth is None
            else check_positive_int(self.max_depth, "max_depth", 1),
            _min_samples(self.min_samples_split, "min_samples_split", n_samples, 2),
            _min_samples(self.min_samples_leaf, "min_samples_leaf", n_samples, 1),
            min_weight_fraction,
            min_impurity_decrease,
            max_features,
            self._seed(),
            class_weight,
            balanced,
            ccp_alpha,
            max_bins,
            check_n_jobs(self.n_jobs),
        )
        self.classes_ = classes
        self.n_classes_ = len(classes)
        self.n_outputs_ = 1
        self.max_features_ = max_features or n_features
        self.splitter_ = "histogram" if model["histogram"] else "exact"
        self.tree_ = Tree(model)
        self.feature_importances_ = model["feature_importances"]
        return self

    def predict_proba(self, X):
        """Class probabilities (weighted class shares of the leaf), shape (n, n_classes)."""
        columns = self._predict_features(X)
        return _core.decision_tree_predict_proba(
            self.tree_._arrays, columns, len(columns[0]), check_n_jobs(self.n_jobs)
        )

    def predict_log_proba(self, X):
        """Logarithm of ``predict_proba`` (``-inf`` for classes absent from the leaf)."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """The most frequent (weighted) class of each row's leaf."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def apply(self, X):
        """Index of the leaf each row falls into, shape (n,)."""
        columns = self._predict_features(X)
        return _core.decision_tree_apply(
            self.tree_._arrays, columns, len(columns[0]), check_n_jobs(self.n_jobs)
        ).astype(np.intp)

    def get_depth(self) -> int:
        """Depth of the tree (0 for a single leaf)."""
        check_is_fitted(self)
        return self.tree_.max_depth

    def get_n_leaves(self) -> int:
        """Number of leaves."""
        check_is_fitted(self)
        return self.tree_.n_leaves

    def cost_complexity_pruning_path(self, X, y, sample_weight=None):
        """The effective alphas of minimal cost-complexity pruning and the total leaf
        impurity after each, as scikit-learn's (a Bunch with ``ccp_alphas`` and
        ``impurities``); fits an unpruned copy and leaves this estimator unchanged."""
        unpruned = type(self)(**self.get_params())._fit(X, y, sample_weight, 0.0)
        path = _core.decision_tree_pruning_path(unpruned.tree_._arrays)
        return Bunch(ccp_alphas=path["ccp_alphas"], impurities=path["impurities"])

    def to_rules(
        self, *, target_class=None, feature_names=None, class_names=None, decimals=2
    ) -> pd.DataFrame:
        """One IF-THEN rule per leaf, highest rate of ``target_class`` first.

        Parameters
        ----------
        target_class : label, optional
            The class whose share each rule reports; default ``classes_[-1]`` (the
            positive class of a 0/1 or False/True target).
        feature_names, class_names : list of str, optional
            Default ``feature_names_in_`` (or ``x0, x1, ...``) and the class labels.
        decimals : int, default 2
            Decimals of the thresholds.

        Returns
        -------
        DataFrame indexed by leaf with columns ``rule`` ("tenure <= 5.5 and contract
        = Month-to-month → churn 61.2%, 412 customers"), ``conditions``,
        ``target_rate``, ``samples`` and ``prediction``.
        """
        check_is_fitted(self)
        target = self._class_index(target_class)
        rules = _core.decision_tree_rules(
            self.tree_._arrays,
            self._names(feature_names),
            self._category_names(),
            self._class_names(class_names),
            target,
            check_positive_int(decimals, "decimals", 0, 15),
        )
        frame = pd.DataFrame(
            {
                "rule": rules["rule"],
                "conditions": rules["conditions"],
                "target_rate": rules["target_rate"],
                "samples": rules["samples"],
                "prediction": self.classes_[rules["predicted_class"]],
            },
            index=pd.Index(rules["leaf"], name="leaf"),
        )
        return frame.sort_values("target_rate", ascending=False, kind="stable")

    def to_dot(self, *, feature_names=None, class_names=None, decimals=2) -> str:
        """The tree in Graphviz dot (render with ``graphviz.Source(tree.to_dot())``)."""
        check_is_fitted(self)
        return _core.decision_tree_dot(
            self.tree_._arrays,
            self._names(feature_names),
            self._category_names(),
            self._class_names(class_names),
            check_positive_int(decimals, "decimals", 0, 15),
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        return tags

    # -- input conversion -------------------------------------------------------------

    def _check_y(self, y):
        if y is None:
            raise ValueError(
                "DecisionTreeClassifier requires y to be passed, but the target y is "
                "None; pass one label per row of X"
            )
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            warnings.warn(
                "A column-vector y was passed when a 1d array was expected; it is "
                "flattened (pass y.ravel() to silence this)",
                DataConversionWarning,
                stacklevel=3,
            )
            y = y.ravel()
        if y.ndim != 1:
            raise ValueError(
                f"y must be one label per row (1-D), got shape {y.shape}; multi-output "
                "trees are not supported, fit one tree per output"
            )
        if y.dtype.kind in "fc" and not np.isfinite(y).all():
            raise ValueError(
                "Input y contains NaN or infinity; drop those rows or give them a label"
            )
        # Integer and boolean labels are class labels by type; scikit-learn's check
        # would hash all of y once more only to say so.
        if HAVE_SKLEARN and y.dtype.kind not in "biu":
            target = type_of_target(y, input_name="y")
            if target not in ("binary", "multiclass"):
                raise ValueError(
                    f"Unknown label type: {target}; y must hold class labels, not "
                    "continuous or multi-output values"
                )
        return y

    def _features(self, X, reset: bool):
        """X as a list of float64 columns (views where possible) with categories as
        codes, and the flags of the categorical features."""
        frame = isinstance(X, pd.DataFrame)
        if reset:
            self._categorical_spec(X)
        if frame and self._frame_needs_columns(X, reset):
            return self._frame_features(X, reset)
        if not reset and is_checked_matrix(self, X):
            matrix = X
        else:
            matrix = validate_data(
                self,
                X,
                reset=reset,
                dtype=np.float64,
                order=None,
                # Infinity would break the bin edges at fit, where the C++ check of
                # every value refuses it (naming the feature); at predict it is a
                # value like any other. Either way a separate pass over X here would
                # be wasted.
                ensure_all_finite=False,
            )
        categorical = self._categorical_mask(matrix.shape[1], None, reset)
        if reset:
            self._reset_categories(matrix.shape[1])
        columns = [
            self._codes(j, matrix[:, j], reset) if categorical[j] else matrix[:, j]
            for j in range(matrix.shape[1])
        ]
        return columns, categorical

    def _predict_features(self, X):
        check_is_fitted(self)
        return self._features(X, reset=False)[0]

    def _categorical_spec(self, X) -> None:
        spec = self.categorical_features
        if spec is None or (isinstance(spec, str) and spec == "auto"):
            self._categorical_given = None
            return
        if isinstance(spec, str):
            raise ValueError(
                f"categorical_features must be 'auto', None, or a list of column names, "
                f"indices or a boolean mask, got {spec!r}"
            )
        self._categorical_given = list(spec)

    def _frame_needs_columns(self, X: pd.DataFrame, reset: bool) -> bool:
        if self.categorical_features is None:
            return False
        if reset:
            return bool(
                self._categorical_given is not None
                or any(_is_categorical_dtype(X[c].dtype) for c in X.columns)
            )
        return any(c is not None for c in self.categories_)

    def _categorical_mask(self, n_features: int, columns, reset: bool) -> np.ndarray:
        if not reset:
            return np.array([c is not None for c in self.categories_], dtype=bool)
        given = self._categorical_given
        mask = np.zeros(n_features, dtype=bool)
        if given is None:
            if columns is not None and self.categorical_features is not None:
                mask[:] = [_is_categorical_dtype(dtype) for dtype in columns.dtypes]
            return mask
        if len(given) == n_features and all(
            isinstance(g, (bool, np.bool_)) for g in given
        ):
            return np.asarray(given, dtype=bool)
        names = list(columns.columns) if columns is not None else None
        for item in given:
            if isinstance(item, numbers.Integral) and not isinstance(item, bool):
                if not -n_features <= item < n_features:
                    raise ValueError(
                        f"categorical_features index {item} is out of range for "
                        f"{n_features} features"
                    )
                mask[item] = True
            elif names is not None and item in names:
                mask[names.index(item)] = True
            else:
                raise ValueError(
                    f"categorical_features names {item!r}, which is not a column of X; "
                    f"the columns are {names if names is not None else 'unnamed'}"
                )
        return mask

    def _frame_features(self, X: pd.DataFrame, reset: bool):
        if HAVE_SKLEARN and (reset or not self._same_columns(X)):
            validate_data(self, X, reset=reset, skip_check_array=True)
        elif reset:  # pragma: no cover - exercised in a subprocess by the tests
            self.n_features_in_ = X.shape[1]
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        if X.shape[0] == 0 or X.shape[1] == 0:
            raise ValueError(
                f"Found array with shape {X.shape}; X needs at least one row and one "
                "column"
            )
        categorical = self._categorical_mask(X.shape[1], X, reset)
        if reset:
            self._reset_categories(X.shape[1])
        # Infinity would break the bin edges at fit; at predict it is just a value.
        columns = [
            self._codes(j, column, reset)
            if categorical[j]
            else _numeric(column, name, check_inf=reset)
            for j, (name, column) in enumerate(X.items())
        ]
        return columns, categorical

    def _same_columns(self, X: pd.DataFrame) -> bool:
        """Whether X has the fitted column names in order, when all that
        validate_data would do is find so (it costs more than a fast predict)."""
        names = getattr(self, "feature_names_in_", None)
        return names is not None and list(X.columns) == list(names)

    def _reset_categories(self, n_features: int) -> None:
        self.categories_ = [None] * n_features
        self._category_indexes = {}
        self._matching_dtypes = {}

    def _codes(self, j: int, values, reset: bool) -> np.ndarray:
        """Category codes as the narrowest signed integers that hold them (pandas' own
        codes where possible, no copy), -1 for missing and (at predict) unseen ones."""
        if reset:
            if isinstance(getattr(values, "dtype", None), pd.CategoricalDtype):
                categories = values.cat.categories
            else:
                categories = pd.Index(pd.unique(pd.Series(values).dropna()))
                try:
                    categories = categories.sort_values()
                except TypeError:
                    pass
            self.categories_[j] = np.asarray(categories, dtype=object)
            self._category_indexes[j] = pd.Index(self.categories_[j])
        known = self._category_index(j)
        dtype = getattr(values, "dtype", None)
        if isinstance(dtype, pd.CategoricalDtype):
            # A dtype is immutable: one seen to match needs no second comparison of
            # its categories (predict on the same frame again, or on its slices).
            matching = self.__dict__.setdefault("_matching_dtypes", {})
            if matching.get(j) is not dtype:
                if values.cat.categories.equals(known):
                    matching[j] = dtype
                else:
                    values = values.cat.set_categories(known)
            # The Categorical's own codes: Series.cat.codes would copy them.
            codes = values.array.codes
        else:
            codes = known.get_indexer(values)
        width = np.min_scalar_type(-len(known))
        return np.ascontiguousarray(codes, dtype=np.promote_types(width, np.int8))

    def _category_index(self, j: int) -> pd.Index:
        """categories_[j] as an Index (kept from fit: predict changes nothing)."""
        index = getattr(self, "_category_indexes", {}).get(j)
        return pd.Index(self.categories_[j]) if index is None else index

    # -- parameters -------------------------------------------------------------------

    def _class_weights(self, classes) -> tuple[list[float], bool]:
        class_weight = self.class_weight
        if class_weight is None:
            return [], False
        if isinstance(class_weight, str) and class_weight == "balanced":
            return [], True
        if not isinstance(class_weight, dict):
            raise ValueError(
                f"class_weight must be None, 'balanced' or a dict label -> weight, got "
                f"{class_weight!r}"
            )
        known = classes.tolist()
        unknown = [key for key in class_weight if key not in known]
        if unknown:
            raise ValueError(
                f"The classes, {unknown}, are not in class; class_weight has labels "
                f"that are not in y (the classes are {known})"
            )
        return [
            check_non_negative(class_weight.get(label, 1.0), f"class_weight[{label!r}]")
            for label in known
        ], False

    def _max_features(self, n_features: int) -> int:
        value = self.max_features
        if value is None:
            return 0
        if isinstance(value, str):
            check_choice(value, "max_features", ("sqrt", "log2"))
            root = np.sqrt if value == "sqrt" else np.log2
            return max(1, int(root(n_features)))
        if isinstance(value, numbers.Integral) and not isinstance(value, bool):
            return check_positive_int(value, "max_features", 1, n_features)
        if isinstance(value, numbers.Real) and 0.0 < value <= 1.0:
            return max(1, int(value * n_features))
        raise ValueError(
            f"max_features must be an int in [1, {n_features}], a float in (0, 1], "
            f"'sqrt', 'log2' or None, got {value!r}"
        )

    def _seed(self) -> int:
        state = self.random_state
        if state is None or isinstance(state, np.random.RandomState):
            generator = np.random.mtrand._rand if state is None else state
            return int(generator.randint(np.iinfo(np.int32).max))
        if isinstance(state, numbers.Integral) and not isinstance(state, bool):
            if state < 0:
                raise ValueError(f"random_state must be >= 0, got {state}")
            return int(state)
        raise ValueError(
            f"random_state must be None, an int or a numpy RandomState, got {state!r}"
        )

    def _class_index(self, target_class) -> int:
        if target_class is None:
            return self.n_classes_ - 1
        matches = np.flatnonzero(self.classes_ == target_class)
        if len(matches) == 0:
            raise ValueError(
                f"target_class {target_class!r} is not a fitted class; the classes are "
                f"{self.classes_.tolist()}"
            )
        return int(matches[0])

    def _names(self, feature_names) -> list[str]:
        default = getattr(self, "feature_names_in_", None)
        return _labels(feature_names, default, self.n_features_in_, "features")

    def _class_names(self, class_names) -> list[str]:
        return _labels(class_names, self.classes_, self.n_classes_, "classes")

    def _category_names(self) -> list[list[str]]:
        return [[] if c is None else [str(v) for v in c] for c in self.categories_]


def _is_categorical_dtype(dtype) -> bool:
    if isinstance(dtype, pd.CategoricalDtype):
        return True
    return not (
        pd.api.types.is_numeric_dtype(dtype)
        or pd.api.types.is_datetime64_any_dtype(dtype)
    )


def _numeric(column: pd.Series, name, check_inf: bool = True) -> np.ndarray:
    """A float64 column, a view of the frame's data when it already is one."""
    try:
        if column.dtype == np.float64:
            values = column.to_numpy()
        else:
            values = column.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"X column {name!r} is not numeric ({column.dtype}): {error}; list it in "
            "categorical_features or convert it"
        ) from error
    if check_inf and not np.isfinite(values.sum()) and np.isinf(values).any():
        raise ValueError(
            f"X column {name!r} contains infinity; replace it by a large finite value or "
            "NaN (missing)"
        )
    return values


def _labels(given, default, expected: int, what: str) -> list[str]:
    """given (one name per feature or class) or the fitted default, as strings."""
    if given is None:
        return [] if default is None else [str(n) for n in default]
    names = [str(n) for n in given]
    if len(names) != expected:
        name = "feature_names" if what == "features" else "class_names"
        raise ValueError(
            f"{name} has {len(names)} names but the tree has {expected} {what}"
        )
    return names


def _min_samples(value, name: str, n_samples: int, minimum: int) -> int:
    """scikit-learn's int-or-fraction sample counts."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return check_positive_int(value, name, minimum)
    if isinstance(value, numbers.Real) and 0.0 < value < 1.0:
        return max(minimum, math.ceil(value * n_samples))
    raise ValueError(
        f"{name} must be an int >= {minimum} or a float in (0, 1), got {value!r}"
    )
