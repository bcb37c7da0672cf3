"""Metrics for churn scores: scikit-learn's ranking and probability metrics with the
same signatures and results, and the campaign views (lift, gains, profit).

Binary targets only. Scores are ranked by a stable radix sort in C++ (O(n), parallel,
the same bits for any thread count); ties in the scores get half credit in ROC AUC and
share one step in average precision, as in scikit-learn. Every function also takes
``n_jobs`` (default ``crmmine.get_num_threads()``), which scikit-learn's do not.

Where a metric is undefined crmmine raises ``ValueError`` instead of returning a
placeholder: ROC AUC with a single class in ``y_true`` (scikit-learn warns and returns
NaN) and average precision without any positive (scikit-learn warns and returns 0).
Average precision with positives only is 1, the Brier score is defined for one class,
and log loss with one class needs ``labels``, all three as in scikit-learn.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
import pandas as pd

from crmmine import _core, _validation

__all__ = [
    "average_precision_score",
    "brier_score_loss",
    "confusion_matrix",
    "gains_table",
    "lift_table",
    "log_loss",
    "profit_curve",
    "roc_auc_score",
    "top_decile_lift",
]


def roc_auc_score(
    y_true, y_score, *, sample_weight=None, max_fpr=None, n_jobs=None
) -> float:
    """Area under the ROC curve, as ``sklearn.metrics.roc_auc_score`` for binary targets.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels, two classes; the greater one is the positive class (1 in {0, 1}).
    y_score : array-like of shape (n_samples,)
        Scores, higher for the positive class (``predict_proba(X)[:, 1]``).
    sample_weight : array-like of shape (n_samples,), optional
        Non-negative weights.
    max_fpr : float in (0, 1], optional
        Standardised partial AUC up to this false positive rate (McClish correction).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        When ``y_true`` holds one class only (scikit-learn warns and returns NaN).

    Examples
    --------
    >>> import crmmine
    >>> crmmine.metrics.roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    """
    y = _labels(y_true)
    classes = _classes(y)
    if len(classes) == 1:
        raise ValueError(
            f"y_true holds only one class ({classes[0]!r}); ROC AUC is undefined "
            "without both churners and non-churners"
        )
    _check_binary(classes, "roc_auc_score")
    if max_fpr is None:
        max_fpr = 1.0
    elif not isinstance(max_fpr, numbers.Real) or not 0 < max_fpr <= 1:
        raise ValueError(f"max_fpr must lie in (0, 1], got {max_fpr!r}")
    positive = _as_flags(y == classes[1])
    return _core.roc_auc_score(
        positive,
        _scores(y_score, "y_score", len(y)),
        _weights(sample_weight, len(y)),
        float(max_fpr),
        _validation.check_n_jobs(n_jobs),
    )


def average_precision_score(
    y_true, y_score, *, pos_label=1, sample_weight=None, n_jobs=None
) -> float:
    """Average precision, as ``sklearn.metrics.average_precision_score`` for binary
    targets: the sum over distinct thresholds of (recall step) x precision.

    Raises ``ValueError`` when ``y_true`` holds no ``pos_label`` (scikit-learn warns
    and returns 0).

    Examples
    --------
    >>> import crmmine
    >>> round(crmmine.metrics.average_precision_score([0, 0, 1, 1],
    ...                                               [0.1, 0.4, 0.35, 0.8]), 6)
    0.833333
    """
    y = _labels(y_true)
    classes = _classes(y)
    _check_binary(classes, "average_precision_score")
    if len(classes) == 2 and not (classes == pos_label).any():
        raise ValueError(
            f"pos_label={pos_label!r} is not a label of y_true, which holds "
            f"{_show(classes)}; pass pos_label=<the churn label>"
        )
    return _core.average_precision_score(
        _as_flags(y == pos_label),
        _scores(y_score, "y_score", len(y)),
        _weights(sample_weight, len(y)),
        _validation.check_n_jobs(n_jobs),
    )


def log_loss(
    y_true, y_proba, *, normalize=True, sample_weight=None, labels=None, n_jobs=None
) -> float:
    """Cross-entropy loss, as ``sklearn.metrics.log_loss`` for binary targets.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels, two classes (or one, with ``labels``).
    y_proba : array-like of shape (n_samples,) or (n_samples, 2)
        Probability of the positive (greater) class, or ``predict_proba`` output whose
        rows sum to one. Clipped to [eps, 1 - eps] with eps the machine epsilon of its
        dtype, as scikit-learn does.
    normalize : bool, default True
        Mean (True) or sum (False) of the per-sample losses.
    sample_weight : array-like of shape (n_samples,), optional
    labels : array-like, optional
        The two classes, needed when ``y_true`` holds only one.

    Examples
    --------
    >>> import crmmine
    >>> round(crmmine.metrics.log_loss(["spam", "ham", "ham", "spam"],
    ...                                [0.9, 0.1, 0.2, 0.65]), 6)
    0.216162
    """
    y = _labels(y_true)
    if labels is not None:
        classes = _classes(_labels(labels, "labels"))
        if len(classes) != 2:
            raise ValueError(
                f"labels must hold the two classes of a binary target, got "
                f"{_show(classes)}"
            )
        if not np.isin(_classes(y), classes).all():
            raise ValueError(
                f"y_true has labels outside labels={_show(classes)}; add them to labels"
            )
    else:
        classes = _classes(y)
        if len(classes) == 1:
            raise ValueError(
                f"y_true contains only one label ({classes[0]!r}); pass the two classes "
                "with labels=[...]"
            )
        _check_binary(classes, "log_loss")
    proba = np.asarray(y_proba)
    eps = float(np.finfo(proba.dtype).eps) if proba.dtype.kind == "f" else None
    proba = _positive_column(proba, len(y))
    return _core.log_loss(
        _as_flags(y == classes[1]),
        proba,
        _weights(sample_weight, len(y)),
        eps or float(np.finfo(np.float64).eps),
        bool(normalize),
        _validation.check_n_jobs(n_jobs),
    )


def brier_score_loss(
    y_true, y_proba, *, sample_weight=None, pos_label=None, n_jobs=None
) -> float:
    """Mean squared difference between outcome and probability, as
    ``sklearn.metrics.brier_score_loss`` for binary targets.

    ``pos_label`` defaults as in scikit-learn: 1 when ``y_true`` takes values in
    {0, 1} or {-1, 1}, otherwise the greater numeric label; text labels need it.

    Examples
    --------
    >>> import crmmine
    >>> round(crmmine.metrics.brier_score_loss([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.3]), 6)
    0.0375
    """
    y = _labels(y_true)
    positive = _positive_flags(y, pos_label)
    return _core.brier_score_loss(
        positive,
        _scores(y_proba, "y_proba", len(y)),
        _weights(sample_weight, len(y)),
        _validation.check_n_jobs(n_jobs),
    )


def confusion_matrix(
    y_true,
    y_pred,
    *,
    labels=None,
    sample_weight=None,
    normalize=None,
    threshold=None,
    n_jobs=None,
) -> np.ndarray:
    """Confusion matrix, as ``sklearn.metrics.confusion_matrix``, or of scores cut at
    a threshold.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels; entry (i, j) counts the rows whose true label is
        ``labels[i]`` and predicted label ``labels[j]``.
    labels : array-like, optional
        The labels, in the matrix's order; rows with other labels are left out.
        Default: every label of ``y_true`` and ``y_pred``, sorted.
    sample_weight : array-like of shape (n_samples,), optional
        With weights the counts are sums of weights (float, as scikit-learn).
    normalize : {"true", "pred", "all"}, optional
        Divide by the row sums, the column sums or the total.
    threshold : float, optional
        Read ``y_pred`` as scores and predict the positive class where
        ``score >= threshold``: the result equals scikit-learn's
        ``confusion_matrix(y_true, np.where(y_pred >= threshold, pos, neg),
        labels=[neg, pos])``. (neg, pos) is (0, 1) for labels in {0, 1}, otherwise pass
        ``labels=[neg, pos]``.

    Examples
    --------
    >>> import crmmine
    >>> crmmine.metrics.confusion_matrix([0, 1, 1, 0], [0.2, 0.7, 0.4, 0.6], threshold=0.5)
    array([[1, 1],
           [1, 1]])
    """
    y = _labels(y_true)
    if normalize not in (None, "true", "pred", "all"):
        raise ValueError(
            f"normalize must be one of None, 'true', 'pred', 'all', got {normalize!r}"
        )
    weights = _weights(sample_weight, len(y))
    if threshold is not None:
        matrix = _thresholded(y, y_pred, labels, weights, threshold, n_jobs)
    else:
        matrix = _label_matrix(y, y_pred, labels, weights, n_jobs)
    if sample_weight is None or np.asarray(sample_weight).dtype.kind in "iub":
        matrix = matrix.astype(np.int64)
    with np.errstate(all="ignore"):
        if normalize == "true":
            matrix = matrix / matrix.sum(axis=1, keepdims=True)
        elif normalize == "pred":
            matrix = matrix / matrix.sum(axis=0, keepdims=True)
        elif normalize == "all":
            matrix = matrix / matrix.sum()
        if normalize is not None:
            matrix = np.nan_to_num(matrix)
    if matrix.shape == (1, 1):
        warnings.warn(
            "A single label was found in 'y_true' and 'y_pred'. For the confusion "
            "matrix to have the correct shape, use the 'labels' parameter to pass "
            "all known labels.",
            UserWarning,
            stacklevel=2,
        )
    return matrix


def lift_table(
    y_true, y_score, *, n_bins=10, pos_label=None, n_jobs=None
) -> pd.DataFrame:
    """Churners and lift per score decile (or other quantile bin).

    Customers are ranked by score, highest first; among equal scores the earlier row
    ranks higher. The ranks are cut into ``n_bins`` bins of equal size with
    ``pandas.qcut(rank, n_bins)``, the convention of ``crmmine.rfm``'s scores, so bin 1
    holds the top 10% (for deciles). Reproduce with
    ``pd.qcut(pd.Series(y_score).rank(method="first", ascending=False), n_bins)``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Outcomes; the positive class (a churner, a responder) is ``pos_label``, by
        default 1 for labels in {0, 1} or {-1, 1}, else the greater numeric label.
    y_score : array-like of shape (n_samples,)
        Scores, higher for likelier churners.
    n_bins : int, default 10

    Returns
    -------
    DataFrame
        Indexed by ``decile`` (1 = highest scores) with columns ``customers``,
        ``responders``, ``response_rate`` (responders / customers), ``lift``
        (response rate / overall rate), ``cumulative_customers_pct``,
        ``cumulative_responders_pct`` (the gains: % of all responders in bins 1..k),
        ``cumulative_lift`` and the ``min_score`` and ``max_score`` of the bin.

    Examples
    --------
    >>> import numpy as np, crmmine
    >>> y = np.r_[np.ones(10), np.zeros(90)]
    >>> table = crmmine.metrics.lift_table(y, np.linspace(1, 0, 100))
    >>> table.loc[1, ["responders", "lift"]].tolist()
    [10.0, 10.0]
    """
    customers, responders, bins = _bins(y_true, y_score, n_bins, pos_label, n_jobs)
    total_customers, total_responders = customers.sum(), responders.sum()
    base_rate = total_responders / total_customers
    cum_customers, cum_responders = np.cumsum(customers), np.cumsum(responders)
    table = pd.DataFrame(
        {
            "customers": customers,
            "responders": responders,
            "response_rate": responders / customers,
            "lift": responders / customers / base_rate,
            "cumulative_customers_pct": 100.0 * cum_customers / total_customers,
            "cumulative_responders_pct": 100.0 * cum_responders / total_responders,
            "cumulative_lift": cum_responders / cum_customers / base_rate,
            "min_score": bins["min_score"],
            "max_score": bins["max_score"],
        },
        index=pd.RangeIndex(1, len(customers) + 1, name="decile"),
    )
    table.attrs.update(response_rate=float(base_rate))
    return table


def gains_table(
    y_true, y_score, *, n_bins=10, pos_label=None, n_jobs=None
) -> pd.DataFrame:
    """The cumulative gains curve by decile, from contacting nobody to everybody.

    Bins as in :func:`lift_table`. Row 0 is the origin of the curve.

    Returns
    -------
    DataFrame
        Indexed by ``decile`` 0..n_bins with columns ``customers_pct`` (% of customers
        in bins 1..k), ``gain_pct`` (% of all responders among them), ``perfect_pct``
        (the gain of a ranking with every responder first) and ``cumulative_lift``
        (gain / customers share; NaN at 0).

    Examples
    --------
    >>> import numpy as np, crmmine
    >>> y = np.r_[np.ones(10), np.zeros(90)]
    >>> gains = crmmine.metrics.gains_table(y, np.linspace(1, 0, 100))
    >>> gains.loc[[0, 1, 10], "gain_pct"].tolist()
    [0.0, 100.0, 100.0]
    """
    customers, responders, _ = _bins(y_true, y_score, n_bins, pos_label, n_jobs)
    cum_customers = np.r_[0, np.cumsum(customers)]
    cum_responders = np.r_[0, np.cumsum(responders)]
    customers_pct = 100.0 * cum_customers / cum_customers[-1]
    gain_pct = 100.0 * cum_responders / cum_responders[-1]
    perfect = np.minimum(cum_customers, cum_responders[-1])
    with np.errstate(invalid="ignore", divide="ignore"):
        lift = np.where(cum_customers > 0, gain_pct / customers_pct, np.nan)
    return pd.DataFrame(
        {
            "customers_pct": customers_pct,
            "gain_pct": gain_pct,
            "perfect_pct": 100.0 * perfect / cum_responders[-1],
            "cumulative_lift": lift,
        },
        index=pd.RangeIndex(0, len(cum_customers), name="decile"),
    )


def top_decile_lift(y_true, y_score, *, pos_label=None, n_jobs=None) -> float:
    """Churn rate among the 10% highest scores over the overall churn rate.

    The top decile is bin 1 of :func:`lift_table` (ties at its edge broken by row
    order).

    Examples
    --------
    >>> import numpy as np, crmmine
    >>> crmmine.metrics.top_decile_lift(np.r_[np.ones(5), np.zeros(45)],
    ...                                 np.linspace(1, 0, 50))
    10.0
    """
    customers, responders, _ = _bins(y_true, y_score, 10, pos_label, n_jobs)
    base_rate = responders.sum() / customers.sum()
    return float(responders[0] / customers[0] / base_rate)


def profit_curve(
    y_true,
    y_score,
    *,
    cost_per_contact: float,
    value_saved: float,
    acceptance_rate: float = 1.0,
    expected: bool = False,
    n_points: int | None = None,
    pos_label=None,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """Profit of a retention campaign that contacts the n highest-scored customers.

    Customers are ranked as in :func:`lift_table` (highest score first, ties in row
    order). Contacting the first n costs ``n * cost_per_contact``; each churner among
    them accepts the offer with probability ``acceptance_rate`` and is then worth
    ``value_saved``::

        profit(n) = acceptance_rate * value_saved * churners(n) - cost_per_contact * n

    ``churners(n)`` counts the positives of ``y_true`` among the n; with
    ``expected=True`` it is the sum of their scores read as churn probabilities (pass
    ``y_true=None``), the profit a calibrated model expects before outcomes are known.

    Parameters
    ----------
    n_points : int, optional
        Rows of the curve: n = floor(k * n_customers / n_points) for k = 0..n_points,
        plus the best n. Default: every n from 0 to n_customers.

    Returns
    -------
    DataFrame
        Indexed by ``contacted`` (n) with columns ``fraction`` (n / customers),
        ``threshold`` (score of the last customer contacted), ``churners``, ``saved``
        (acceptance_rate * churners), ``revenue`` (saved * value_saved), ``cost`` and
        ``profit``. ``attrs`` holds ``best_contacted``, ``best_fraction``,
        ``best_threshold`` and ``best_profit``: the n with the highest profit over
        every n (the smallest such n; 0 when no campaign pays).

    Examples
    --------
    >>> import crmmine
    >>> curve = crmmine.metrics.profit_curve([1, 1, 0, 1, 0], [0.9, 0.8, 0.7, 0.6, 0.1],
    ...     cost_per_contact=1.0, value_saved=10.0, acceptance_rate=0.5)
    >>> curve["profit"].tolist()
    [0.0, 4.0, 8.0, 7.0, 11.0, 10.0]
    >>> curve.attrs["best_contacted"]
    4
    """
    if not isinstance(expected, bool | np.bool_):
        raise TypeError(f"expected must be True or False, got {expected!r}")
    for name, value in (
        ("cost_per_contact", cost_per_contact),
        ("value_saved", value_saved),
        ("acceptance_rate", acceptance_rate),
    ):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"{name} must be a number, got {value!r}")
    if expected:
        if y_true is not None:
            raise ValueError(
                "y_true must be None with expected=True: the scores count the churners"
            )
        scores = _scores(y_score, "y_score")
        flags = None
    else:
        if y_true is None:
            raise ValueError(
                "y_true is None; pass the outcomes, or expected=True to count churners "
                "from the scores"
            )
        y = _labels(y_true)
        flags = _positive_flags(y, pos_label)
        scores = _scores(y_score, "y_score", len(y))
    points = (
        0 if n_points is None else _validation.check_positive_int(n_points, "n_points")
    )
    curve = _core.profit_curve(
        flags,
        scores,
        float(cost_per_contact),
        float(value_saved),
        float(acceptance_rate),
        bool(expected),
        points,
        _validation.check_n_jobs(n_jobs),
    )
    contacted = curve["contacted"]
    saved = float(acceptance_rate) * curve["churners"]
    table = pd.DataFrame(
        {
            "fraction": contacted / len(scores),
            "threshold": curve["threshold"],
            "churners": curve["churners"],
            "saved": saved,
            "revenue": saved * float(value_saved),
            "cost": contacted * float(cost_per_contact),
            "profit": curve["profit"],
        },
        index=pd.Index(contacted, name="contacted"),
    )
    best = int(curve["best_contacted"])
    table.attrs.update(
        best_contacted=best,
        best_fraction=best / len(scores),
        best_threshold=float(curve["best_threshold"]),
        best_profit=float(curve["best_profit"]),
        cost_per_contact=float(cost_per_contact),
        value_saved=float(value_saved),
        acceptance_rate=float(acceptance_rate),
        expected=bool(expected),
    )
    return table


# --- helpers ---------------------------------------------------------------------


def _labels(values, argument: str = "y_true") -> np.ndarray:
    """A 1-d array of labels, or a clear error."""
    if values is None:
        raise ValueError(f"{argument} is None; pass the labels")
    array = np.asarray(values)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise ValueError(
            f"{argument} must be one-dimensional (one label per row), got shape "
            f"{array.shape}"
        )
    if len(array) == 0:
        raise ValueError(f"{argument} is empty; pass at least one row")
    if array.dtype.kind == "f" and np.isnan(array).any():
        raise ValueError(f"{argument} contains NaN; drop those rows first")
    if array.dtype.kind == "O" and pd.isna(array).any():
        raise ValueError(f"{argument} contains missing values; drop those rows first")
    if array.dtype.kind in "US":  # object arrays compare with numbers without fuss
        array = array.astype(object)
    return array


def _classes(y: np.ndarray) -> np.ndarray:
    """The sorted distinct labels; two passes for numbers, one hash pass otherwise."""
    if y.dtype.kind in "biuf":
        low, high = y.min(), y.max()
        if low == high:
            return np.array([low])
        if ((y == low) | (y == high)).all():
            return np.array([low, high])
        return np.unique(y)
    distinct = pd.unique(y.astype(object) if y.dtype.kind not in "OUS" else y)
    try:
        return np.array(sorted(distinct), dtype=object)
    except TypeError as error:
        raise ValueError(
            f"y_true mixes label types ({_show(distinct)}); use one type"
        ) from error


def _check_binary(classes: np.ndarray, metric: str) -> None:
    if len(classes) > 2:
        raise ValueError(
            f"y_true has {len(classes)} classes ({_show(classes)}); crmmine's "
            f"{metric} is for binary targets (churn or not)"
        )


def _positive_flags(y: np.ndarray, pos_label) -> np.ndarray:
    """1 where y is the positive class, by scikit-learn's rule for pos_label=None."""
    classes = _classes(y)
    _check_binary(classes, "metric")
    if pos_label is None:
        numeric = classes.dtype.kind in "biuf"
        standard = numeric and (
            set(classes.tolist()) <= {0, 1} or set(classes.tolist()) <= {-1, 1}
        )
        if standard:
            pos_label = 1
        elif numeric:
            pos_label = classes[-1]
        else:
            raise ValueError(
                f"y_true takes values in {_show(classes)}; pass pos_label=<the churn "
                "label> (it defaults to 1 only for labels in {0, 1} or {-1, 1})"
            )
    return _as_flags(y == pos_label)


def _as_flags(mask) -> np.ndarray:
    return np.ascontiguousarray(mask, dtype=np.uint8)


def _scores(values, argument: str, n: int | None = None) -> np.ndarray:
    """Finite-checked in C++; here only shape, type and length."""
    if values is None:
        raise ValueError(f"{argument} is None; pass one score per row")
    array = np.asarray(values)
    if array.ndim == 2 and array.shape[1] == 2:
        raise ValueError(
            f"{argument} has two columns; pass the positive class's column, e.g. "
            "model.predict_proba(X)[:, 1]"
        )
    if array.ndim != 1:
        raise ValueError(
            f"{argument} must be one-dimensional (one score per row), got shape "
            f"{array.shape}"
        )
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"{argument} must be numeric, got dtype {array.dtype}; convert it first"
        )
    if n is not None and len(array) != n:
        raise ValueError(f"{argument} has {len(array)} rows but y_true has {n}")
    if len(array) == 0:
        raise ValueError(f"{argument} is empty; pass at least one row")
    return np.ascontiguousarray(array, dtype=np.float64)


def _weights(sample_weight, n: int) -> np.ndarray | None:
    if sample_weight is None:
        return None
    weights = np.asarray(sample_weight)
    if weights.ndim != 1 or len(weights) != n:
        raise ValueError(
            f"sample_weight needs one weight per row of y_true ({n}), got shape "
            f"{weights.shape}"
        )
    if weights.dtype.kind not in "biuf":
        raise TypeError(f"sample_weight must be numeric, got dtype {weights.dtype}")
    weights = np.ascontiguousarray(weights, dtype=np.float64)
    if not (np.isfinite(weights).all() and (weights >= 0).all()):
        raise ValueError("sample_weight must be non-negative and finite")
    return weights


def _positive_column(proba: np.ndarray, n: int) -> np.ndarray:
    if proba.ndim == 2 and proba.shape[1] == 2:
        if proba.dtype.kind not in "biuf":
            raise TypeError(f"y_proba must be numeric, got dtype {proba.dtype}")
        eps = np.finfo(proba.dtype if proba.dtype.kind == "f" else np.float64).eps
        if not np.isclose(proba.sum(axis=1), 1.0, rtol=np.sqrt(eps)).all():
            raise ValueError(
                "y_proba rows must sum to one (the two columns of predict_proba); "
                "pass the positive class's column alone otherwise"
            )
        proba = proba[:, 1]
    elif proba.ndim == 2 and proba.shape[1] == 1:
        proba = proba[:, 0]
    return _scores(proba, "y_proba", n)


def _bins(y_true, y_score, n_bins, pos_label, n_jobs):
    y = _labels(y_true)
    flags = _positive_flags(y, pos_label)
    scores = _scores(y_score, "y_score", len(y))
    n_bins = _validation.check_positive_int(n_bins, "n_bins")
    if not flags.any():
        raise ValueError(
            "y_true holds no churner (positive label); lift and gains are undefined"
        )
    bins = _core.lift_bins(flags, scores, n_bins, _validation.check_n_jobs(n_jobs))
    return bins["customers"], bins["responders"], bins


def _thresholded(y, y_pred, labels, weights, threshold, n_jobs) -> np.ndarray:
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real):
        raise TypeError(f"threshold must be a number, got {threshold!r}")
    if labels is None:
        classes = _classes(y)
        if not set(classes.tolist()) <= {0, 1}:
            raise ValueError(
                f"y_true takes values in {_show(classes)}; with threshold, pass "
                "labels=[negative, positive]"
            )
        negative, positive = 0, 1
    else:
        pair = list(labels)
        if len(pair) != 2:
            raise ValueError(
                f"labels must be [negative, positive] with threshold, got {pair!r}"
            )
        negative, positive = pair
    scores = _scores(y_pred, "y_pred", len(y))
    is_positive = y == positive
    known = is_positive | (y == negative)
    if not known.all():
        raise ValueError(
            f"y_true has labels other than {negative!r} and {positive!r}; pass "
            "labels=[negative, positive]"
        )
    tn, fp, fn, tp = _core.confusion_at_threshold(
        _as_flags(is_positive),
        scores,
        weights,
        float(threshold),
        _validation.check_n_jobs(n_jobs),
    )
    return np.array([[tn, fp], [fn, tp]])


def _label_matrix(y, y_pred, labels, weights, n_jobs) -> np.ndarray:
    predicted = _labels(y_pred, "y_pred")
    if len(predicted) != len(y):
        raise ValueError(f"y_pred has {len(predicted)} rows but y_true has {len(y)}")
    if predicted.dtype.kind == "f" and (predicted != np.round(predicted)).any():
        raise ValueError(
            "y_pred holds continuous scores; pass predicted labels, or threshold= to "
            "cut the scores"
        )
    if (y.dtype.kind in "biuf") != (predicted.dtype.kind in "biuf"):
        raise ValueError(
            "y_true and y_pred mix label types (text and numbers); use one type"
        )
    if labels is None:
        classes = _classes(np.concatenate([y, predicted]))
    else:
        classes = np.asarray(labels)
        if classes.ndim != 1 or len(classes) == 0:
            raise ValueError("labels should contain at least one label")
        if not np.isin(classes, y).any():
            raise ValueError("At least one label specified must be in y_true")
    index = pd.Index(classes)
    if not index.is_unique:
        raise ValueError(f"labels must be distinct, got {_show(classes)}")
    true_codes = np.ascontiguousarray(index.get_indexer(y), dtype=np.int32)
    predicted_codes = np.ascontiguousarray(index.get_indexer(predicted), dtype=np.int32)
    return _core.confusion_matrix(
        true_codes,
        predicted_codes,
        weights,
        len(index),
        _validation.check_n_jobs(n_jobs),
    )


def _show(values) -> str:
    shown = ", ".join(repr(v) for v in list(values)[:6])
    return "{" + shown + (", ..." if len(values) > 6 else "") + "}"
