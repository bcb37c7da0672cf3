"""Cross-sell recommendations from association rules: for a basket, the consequent
items of the rules whose antecedent the basket holds, ranked by a rule metric."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmmine import _convert, _core, _validation
from crmmine.basket._codes import take_rows
from crmmine.basket._frames import itemset_codes
from crmmine.basket.rules import METRICS
from crmmine.core.baskets import Baskets, listed_baskets

_BASKET_TYPES = (list, tuple, set, frozenset, np.ndarray, pd.Series, pd.Index)


@dataclass(frozen=True, repr=False)
class RuleCodes:
    """Rules as integer codes: antecedent ``i`` holds
    ``item_labels[antecedent_items[antecedent_offsets[i]:antecedent_offsets[i + 1]]]``
    and likewise for the consequent."""

    antecedent_offsets: np.ndarray
    antecedent_items: np.ndarray
    consequent_offsets: np.ndarray
    consequent_items: np.ndarray
    item_labels: pd.Index

    def __len__(self) -> int:
        return len(self.antecedent_offsets) - 1


def recommend(
    rules: pd.DataFrame,
    basket: object,
    top_n: int = 5,
    metric: str = "lift",
    *,
    aggregate: str = "max",
    exclude_basket: bool = True,
    tie_break: str | None = None,
    transaction: str | None = None,
    item: str | None = None,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """Recommend items for one basket or many, from association rules.

    A rule ``A -> C`` fires for a basket that holds every item of ``A``; each item of
    ``C`` then gets the rule's ``metric`` as a score. An item's score is the best
    (``aggregate="max"``) or the total (``"sum"``) over the rules that fire, and the
    ``top_n`` items with the highest scores are returned.

    Parameters
    ----------
    rules : DataFrame
        Association rules with ``antecedents`` and ``consequents`` (frozensets) and the
        metric column, e.g. from :func:`crmmine.association_rules` (whose integer codes
        are reused) or from mlxtend.
    basket : list of labels, list of baskets, dict, DataFrame or Baskets
        One basket as a list (or set, tuple, array) of item labels; or many: a list
        of such lists, a dict ``{basket id: labels}``, a long DataFrame (name its
        columns with ``transaction`` and ``item``, e.g. a customer's purchase
        history with ``transaction="CustomerID"``) or :class:`crmmine.Baskets`.
        Labels that are not items of the rules are ignored (no rule can fire on them);
        a missing label (None, NaN) is an error. A tuple inside a list is read as a
        basket, not as one label.
    top_n : int, default 5
        Items to return per basket (fewer when fewer rules fire).
    metric : str, default "lift"
        The rule column that scores an item: any of mlxtend's metrics.
    aggregate : {"max", "sum"}
        How the scores of several rules recommending the same item combine.
    exclude_basket : bool, default True
        Never recommend an item the basket already holds.
    tie_break : str, optional
        The rule column that orders items of equal score (its value combined like the
        score); default ``"confidence"`` (``"lift"`` when ``metric="confidence"``).
        Items still tied come in label order.
    transaction, item : str, optional
        Column names when ``basket`` is a long DataFrame.
    n_jobs : int, optional
        Threads; None uses :func:`crmmine.get_num_threads`.

    Returns
    -------
    DataFrame
        For one basket: columns ``item`` and ``score``, best first. For many: a long
        table with columns ``basket`` (the basket's id: its position, dict key or
        ``transaction`` label), ``rank`` (1 = best), ``item`` and ``score``.

    Examples
    --------
    >>> import crmmine
    >>> baskets = [["milk", "bread"], ["milk", "eggs"], ["milk", "bread", "eggs"],
    ...            ["bread", "butter"], ["bread", "butter", "milk"]]
    >>> rules = crmmine.association_rules(
    ...     crmmine.fpgrowth(baskets, min_support=0.4), min_threshold=0.5)
    >>> crmmine.recommend(rules, ["bread"], metric="confidence")
         item  score
    0    milk   0.75
    1  butter   0.50
    >>> crmmine.recommend(rules, [["eggs"], ["butter", "milk"]], metric="confidence")
       basket  rank   item  score
    0       0     1   milk    1.0
    1       1     1  bread    1.0
    2       1     2   eggs    0.5
    """
    top_n = _validation.check_positive_int(top_n, "top_n")
    metric = _validation.check_choice(metric, "metric", METRICS)
    if tie_break is None:
        tie_break = "lift" if metric == "confidence" else "confidence"
    tie_break = _validation.check_choice(tie_break, "tie_break", METRICS)
    aggregate = _validation.check_choice(aggregate, "aggregate", ("max", "sum"))
    if not isinstance(exclude_basket, (bool, np.bool_)):
        raise TypeError(f"exclude_basket must be True or False, got {exclude_basket!r}")
    threads = _validation.check_n_jobs(n_jobs)
    codes = _rule_codes(rules)
    score = _metric_column(rules, metric, "metric")
    ties = _metric_column(rules, tie_break, "tie_break")
    single, ids, indptr, items = _baskets_as_codes(
        basket, codes.item_labels, transaction, item
    )
    out_indptr, out_items, out_scores = _core.recommend(
        codes.antecedent_offsets,
        codes.antecedent_items,
        codes.consequent_offsets,
        codes.consequent_items,
        score,
        ties,
        indptr,
        items,
        len(codes.item_labels),
        top_n,
        aggregate,
        bool(exclude_basket),
        threads,
    )
    labels = codes.item_labels.take(out_items) if len(out_items) else []
    recommended = pd.Index(labels, dtype=codes.item_labels.dtype)
    if single:
        return pd.DataFrame({"item": recommended, "score": out_scores})
    counts = np.diff(out_indptr)
    starts = np.repeat(out_indptr[:-1], counts)
    return pd.DataFrame(
        {
            "basket": ids.take(np.repeat(np.arange(len(counts)), counts)),
            "rank": np.arange(len(out_items), dtype=np.int64) - starts + 1,
            "item": recommended,
            "score": out_scores,
        }
    )


# -- internals ---------------------------------------------------------------------------


def _rule_codes(rules: object) -> RuleCodes:
    if not isinstance(rules, pd.DataFrame):
        raise TypeError(
            f"rules must be the DataFrame of crmmine.association_rules, got "
            f"{type(rules).__name__}"
        )
    missing = {"antecedents", "consequents"} - set(rules.columns)
    if missing:
        raise ValueError(
            f"rules needs the columns 'antecedents' and 'consequents' (missing: "
            f"{', '.join(sorted(missing))}); pass the output of association_rules"
        )
    both = pd.concat([rules["antecedents"], rules["consequents"]], ignore_index=True)
    offsets, items, labels = itemset_codes(both, "rules")
    n = len(rules)
    lengths = np.diff(offsets)
    if (lengths == 0).any():
        raise ValueError("rules has an empty antecedent or consequent; drop that rule")
    antecedent = take_rows(offsets, items, np.arange(n))
    consequent = take_rows(offsets, items, np.arange(n, 2 * n))
    return RuleCodes(*antecedent, *consequent, labels)


def _metric_column(rules: pd.DataFrame, name: str, argument: str) -> np.ndarray:
    if name not in rules.columns:
        raise ValueError(
            f"{argument}={name!r} is not a column of rules; pick one it has, e.g. "
            "'confidence' or 'lift'"
        )
    values = np.asarray(rules[name], dtype=np.float64)
    if np.isnan(values).any():
        raise ValueError(
            f"{argument}={name!r}: the column holds NaN (rules made with "
            "support_only=True?); pick a column with values"
        )
    return np.ascontiguousarray(values)


def _baskets_as_codes(
    basket: object, labels: pd.Index, transaction: str | None, item: str | None
) -> tuple[bool, pd.Index, np.ndarray, np.ndarray]:
    """(one basket?, basket ids, CSR indptr, item codes) with codes of ``labels``;
    labels that are not items are dropped."""
    if isinstance(basket, pd.DataFrame):
        _validation.check_columns(basket, {"transaction": transaction, "item": item})
        if transaction is None or item is None:
            raise ValueError(
                "basket as a DataFrame is a long table: name its columns with "
                "transaction= and item="
            )
        _validation.check_not_empty(basket, "basket")
        owners, ids = _convert.factorize(
            basket[transaction], f"transaction (column {transaction!r})"
        )
        if (owners < 0).any():
            raise ValueError(
                f"transaction (column {transaction!r}) has missing values; drop them"
            )
        values = basket[item].to_numpy(dtype=object)
        return (False, ids, *_group(owners, values, len(ids), labels, "basket"))
    if transaction is not None or item is not None:
        raise ValueError("transaction and item name the columns of a long DataFrame")
    if isinstance(basket, Baskets):
        ids = basket.basket_labels
        if ids is None:
            ids = pd.RangeIndex(basket.n_baskets)
        translate = labels.get_indexer(basket.item_labels)
        codes = translate[basket.items]
        owners = np.repeat(np.arange(basket.n_baskets), np.diff(basket.indptr))
        keep = codes >= 0
        indptr, items = _csr(owners[keep], codes[keep], basket.n_baskets)
        return False, ids, indptr, items
    if isinstance(basket, Mapping):
        ids = pd.Index(list(basket.keys()))
        return (False, ids, *_from_lists(list(basket.values()), labels))
    if isinstance(basket, (str, bytes)) or not isinstance(basket, Iterable):
        raise TypeError(
            f"basket must be a list of item labels, a list of baskets, a dict, a long "
            f"DataFrame or crmmine.Baskets; got {type(basket).__name__}"
        )
    entries = list(basket)
    many = bool(entries) and all(
        isinstance(entry, _BASKET_TYPES) and not isinstance(entry, (str, bytes))
        for entry in entries
    )
    if many:
        return (False, pd.RangeIndex(len(entries)), *_from_lists(entries, labels))
    return (True, pd.RangeIndex(1), *_from_lists([entries], labels))


def _from_lists(
    baskets: list[object], labels: pd.Index
) -> tuple[np.ndarray, np.ndarray]:
    lists, lengths = listed_baskets(baskets, "basket")
    values = np.empty(int(lengths.sum()), dtype=object)
    values[:] = [value for entry in lists for value in entry]
    owners = np.repeat(np.arange(len(lists)), lengths)
    return _group(owners, values, len(lists), labels, "basket")


def _group(
    owners: np.ndarray,
    values: np.ndarray,
    n_baskets: int,
    labels: pd.Index,
    argument: str,
) -> tuple[np.ndarray, np.ndarray]:
    missing = pd.isna(values)
    if missing.any():
        raise ValueError(
            f"{argument} holds {int(missing.sum())} missing label(s) (None or NaN); "
            "drop them first"
        )
    codes = labels.get_indexer(pd.Index(values, dtype=object)) if len(values) else []
    codes = np.asarray(codes, dtype=np.int64)
    keep = codes >= 0  # labels the rules never mention cannot change a recommendation
    return _csr(owners[keep], codes[keep], n_baskets)


def _csr(
    owners: np.ndarray, codes: np.ndarray, n_baskets: int
) -> tuple[np.ndarray, np.ndarray]:
    """CSR of (basket, code) pairs: codes ascending and distinct within each basket."""
    pairs = np.unique(
        owners.astype(np.int64) * (np.int64(1) << 32) + codes.astype(np.int64)
    )
    rows = pairs >> 32
    indptr = np.zeros(n_baskets + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_baskets), out=indptr[1:])
    return indptr, (pairs & 0xFFFFFFFF).astype(np.int32)
