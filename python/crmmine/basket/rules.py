"""Association rules from frequent itemsets, with mlxtend's columns and metrics.

Every split of a frequent itemset ``X`` into an antecedent ``A`` and a consequent
``C = X - A`` is a rule ``A -> C`` with support ``s(X)``, confidence ``s(X) / s(A)``
and the other metrics of ``mlxtend.frequent_patterns.association_rules`` (Agrawal &
Srikant 1994 for the rule set; Tan, Kumar & Srivastava 2004 and Zhang 2000 for the
measures).
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from crmmine import _core, _validation
from crmmine.basket._codes import concatenate_rows
from crmmine.basket._frames import (
    FrequentItemsets,
    attached_transactions,
    itemset_codes,
)
from crmmine.basket.itemset_array import ItemsetArray
from crmmine.errors import ResourceLimitError

#: mlxtend's metric columns, in its order. ``representativity`` is 1 for complete
#: data (mlxtend's value without ``null_values``).
METRICS = (
    "antecedent support",
    "consequent support",
    "support",
    "confidence",
    "lift",
    "representativity",
    "leverage",
    "conviction",
    "zhangs_metric",
    "jaccard",
    "certainty",
    "kulczynski",
)

#: Default cap on the number of rules one call may produce.
MAX_RULES = 50_000_000


def association_rules(
    df: pd.DataFrame | FrequentItemsets,
    num_itemsets: int | None = None,
    df_orig: pd.DataFrame | None = None,
    null_values: bool = False,
    metric: str = "confidence",
    min_threshold: float = 0.8,
    support_only: bool = False,
    return_metrics: list[str] | tuple[str, ...] = METRICS,
    *,
    consequents: str = "all",
    max_antecedent_len: int | None = None,
    max_consequent_len: int | None = None,
    must_contain: list[object] | None = None,
    consequent_in: list[object] | None = None,
    max_rules: int | None = MAX_RULES,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """Association rules, as ``mlxtend.frequent_patterns.association_rules``.

    Parameters
    ----------
    df : DataFrame or FrequentItemsets
        Frequent itemsets with columns ``support`` and ``itemsets`` (frozensets) —
        from :func:`crmmine.fpgrowth` and friends (their integer codes are reused),
        or from mlxtend (then pass ``num_itemsets``) — or the result of
        :func:`crmmine.frequent_itemsets`. Every subset of an itemset must be in it
        (``kind="all"``), as the supports of antecedents and consequents come from it.
    num_itemsets : int, optional
        The number of transactions the itemsets were mined from. Known already for
        crmmine's itemsets; needed for others (supports become counts).
    df_orig, null_values
        Accepted for mlxtend compatibility; only complete data (``null_values=False``)
        is supported.
    metric : str, default "confidence"
        The column that ``min_threshold`` applies to: any of mlxtend's metrics.
    min_threshold : float, default 0.8
        Keep rules whose ``metric`` is at least this.
    support_only : bool, default False
        Compute only ``support`` (threshold on support); the other columns are NaN.
        Then the itemsets need not hold every subset.
    return_metrics : list of str
        The metric columns to return, in this order (default: all of mlxtend's).
    consequents : {"all", "single"}
        Every split of each itemset (mlxtend) or only single-item consequents
        (arules / pyfim).
    max_antecedent_len, max_consequent_len : int, optional
        Longest antecedent / consequent.
    must_contain : list of labels, optional
        Keep only rules whose itemset (antecedent and consequent together) holds all
        of these items. A label that is not an item is an error.
    consequent_in : list of labels, optional
        Keep only rules whose consequent items all come from this list.
    max_rules : int, optional
        Stop with :class:`crmmine.ResourceLimitError` past this many rules (default
        50 million); None lifts the cap.
    n_jobs : int, optional
        Threads; None uses :func:`crmmine.get_num_threads`. Results do not depend on it.

    Returns
    -------
    DataFrame
        ``antecedents`` and ``consequents`` (elements read as frozensets; the columns
        are :class:`crmmine.basket.ItemsetArray` sharing one table of codes) and the
        metric columns.

    Examples
    --------
    >>> import crmmine
    >>> baskets = [["milk", "bread"], ["milk", "eggs"], ["milk", "bread", "eggs"],
    ...            ["bread"]]
    >>> items = crmmine.fpgrowth(baskets, min_support=0.5)
    >>> rules = crmmine.association_rules(items, metric="confidence", min_threshold=0.6)
    >>> sorted((sorted(a), sorted(c), round(p, 3))
    ...        for a, c, p in zip(rules.antecedents, rules.consequents, rules.confidence))
    [(['bread'], ['milk'], 0.667), (['eggs'], ['milk'], 1.0), (['milk'], ['bread'], 0.667), (['milk'], ['eggs'], 0.667)]
    """
    if null_values or df_orig is not None:
        raise ValueError(
            "null_values / df_orig: only complete data is supported; fill the missing "
            "cells of the one-hot table with False before mining"
        )
    metric = _validation.check_choice(metric, "metric", METRICS)
    threshold = _check_threshold(min_threshold)
    returned = _check_return_metrics(return_metrics)
    consequents = _validation.check_choice(
        consequents, "consequents", ("all", "single")
    )
    max_antecedent = _optional_length(max_antecedent_len, "max_antecedent_len")
    max_consequent = _optional_length(max_consequent_len, "max_consequent_len")
    rule_cap = (
        np.iinfo(np.int64).max
        if max_rules is None
        else _validation.check_positive_int(max_rules, "max_rules")
    )
    threads = _validation.check_n_jobs(n_jobs)
    table = _itemsets_of(df, num_itemsets)
    must = _codes_of(must_contain, table.item_labels, "must_contain")
    allowed = (
        None
        if consequent_in is None
        else _codes_of(consequent_in, table.item_labels, "consequent_in")
    )
    if support_only:
        metric = "support"
    if metric == "representativity":
        # 1 for every rule of complete data: all rules (support > 0) or none
        metric, threshold = "support", (0.0 if threshold <= 1.0 else 2.0)
    arguments = (
        consequents,
        threshold,
        max_antecedent,
        max_consequent,
        must,
        allowed,
        rule_cap,
    )
    try:
        found = _core.association_rules(
            table.offsets,
            table.items,
            table.counts,
            table.n_transactions,
            consequents,
            metric,
            threshold,
            max_antecedent,
            max_consequent,
            must,
            allowed,
            rule_cap,
            threads,
        )
    except ValueError:
        if not support_only:
            raise
        # support alone needs no subset supports: itemsets that lack some subsets
        # (mlxtend's use case for support_only) are split here instead
        found = _support_only_rules(table, *arguments)
    except ResourceLimitError as error:
        raise ResourceLimitError(
            f"more than max_rules={rule_cap:,} rules: raise min_threshold, set "
            "max_antecedent_len / max_consequent_len, use consequents='single' or mine "
            f"with a higher min_support ({error})"
        ) from error
    return _rule_frame(found, table, returned, support_only)


# -- internals ---------------------------------------------------------------------------


def _rule_frame(
    found: dict, table: FrequentItemsets, returned: list[str], support_only: bool
) -> pd.DataFrame:
    n_rules = len(found["support"])
    if "antecedent_index" in found:
        # every side of a rule is itself one of the itemsets: point into their table
        rows = np.concatenate([found["antecedent_index"], found["consequent_index"]])
        sides = ItemsetArray.from_distinct_codes(
            table.offsets, table.items, table.item_labels, rows
        )
    else:
        sides = ItemsetArray.from_codes(
            *concatenate_rows(
                (found["antecedent_offsets"], found["antecedent_items"]),
                (found["consequent_offsets"], found["consequent_items"]),
            ),
            table.item_labels,
        )
    columns = {"antecedents": sides[:n_rules], "consequents": sides[n_rules:]}
    for name in returned:
        if support_only and name != "support":
            columns[name] = np.full(n_rules, np.nan)
        elif name == "representativity":
            columns[name] = np.ones(n_rules)
        else:
            columns[name] = np.asarray(found[name], dtype=np.float64)
    # copy=False: the columns keep the arrays the C++ side made, one block each
    # (the default would copy them all into one 2-d block)
    return pd.DataFrame(columns, copy=False)


def _itemsets_of(df: object, num_itemsets: object) -> FrequentItemsets:
    """The itemsets as codes: attached to a crmmine frame, or converted from one."""
    if isinstance(df, FrequentItemsets):
        _check_num_itemsets(num_itemsets, df.n_transactions)
        return df
    if not isinstance(df, pd.DataFrame):
        raise TypeError(
            f"df must be a DataFrame of frequent itemsets (columns 'support' and "
            f"'itemsets'), got {type(df).__name__}"
        )
    missing = {"support", "itemsets"} - set(df.columns)
    if missing:
        raise ValueError(
            f"df needs the columns 'support' and 'itemsets' (missing: "
            f"{', '.join(sorted(missing))}); pass the output of crmmine.fpgrowth"
        )
    if len(df) == 0:
        raise ValueError(
            "df holds no itemsets; lower min_support when mining the itemsets"
        )
    n = attached_transactions(df)
    if n is not None:
        _check_num_itemsets(num_itemsets, n)
    elif num_itemsets is None or num_itemsets == 1:
        raise ValueError(
            "num_itemsets: these itemsets do not carry their number of transactions "
            "(they were not mined by crmmine, or were rebuilt); pass "
            "num_itemsets=<number of transactions>"
        )
    else:
        n = _validation.check_positive_int(num_itemsets, "num_itemsets")
    support = _validation.numeric_column(df["support"], "support (column 'support')")
    counts = np.rint(support * n)
    if (support <= 0).any() or (support > 1).any():
        raise ValueError("support (column 'support') must lie in (0, 1]")
    if not np.allclose(counts, support * n, rtol=1e-9, atol=1e-6):
        raise ValueError(
            f"support (column 'support') is not a whole number of the {n} "
            "transactions; check num_itemsets, or mine the itemsets again"
        )
    offsets, items, labels = itemset_codes(df["itemsets"], "itemsets")
    if (np.diff(offsets) == 0).any():
        raise ValueError("itemsets holds an empty itemset; drop it")
    return FrequentItemsets(offsets, items, counts.astype(np.int64), n, labels)


def _support_only_rules(
    table: FrequentItemsets,
    consequents: str,
    threshold: float,
    max_antecedent: int,
    max_consequent: int,
    must: np.ndarray,
    allowed: np.ndarray | None,
    rule_cap: int,
) -> dict[str, np.ndarray]:
    """Every split of every itemset with support >= threshold, in mlxtend's order
    (larger antecedents first); only the support column is filled."""
    must_set = set(must.tolist())
    allowed_set = None if allowed is None else set(allowed.tolist())
    support = table.support
    bounds = table.offsets.tolist()
    codes = table.items.tolist()
    antecedents: list[list[int]] = []
    consequent_sets: list[list[int]] = []
    supports: list[float] = []
    for row, value in enumerate(support.tolist()):
        itemset = codes[bounds[row] : bounds[row + 1]]
        if len(itemset) < 2 or value < threshold or not must_set <= set(itemset):
            continue
        smallest = len(itemset) - 1 if consequents == "single" else 1
        for size in range(len(itemset) - 1, smallest - 1, -1):
            if (max_antecedent and size > max_antecedent) or (
                max_consequent and len(itemset) - size > max_consequent
            ):
                continue
            for chosen in combinations(itemset, size):
                rest = [code for code in itemset if code not in chosen]
                if allowed_set is not None and not allowed_set.issuperset(rest):
                    continue
                antecedents.append(list(chosen))
                consequent_sets.append(rest)
                supports.append(value)
                if len(supports) > rule_cap:
                    raise ResourceLimitError(
                        f"more than max_rules={rule_cap:,} rules: raise min_threshold "
                        "or set max_antecedent_len / max_consequent_len"
                    )
    found: dict[str, np.ndarray] = {"support": np.asarray(supports, dtype=np.float64)}
    for name, sets in (("antecedent", antecedents), ("consequent", consequent_sets)):
        offsets = np.zeros(len(sets) + 1, dtype=np.int64)
        np.cumsum([len(s) for s in sets], out=offsets[1:])
        found[f"{name}_offsets"] = offsets
        found[f"{name}_items"] = np.fromiter(
            (code for s in sets for code in s), dtype=np.int32, count=int(offsets[-1])
        )
    return found


def _check_num_itemsets(num_itemsets: object, known: int) -> None:
    if num_itemsets is None or num_itemsets == 1:  # 1: mlxtend's placeholder default
        return
    given = _validation.check_positive_int(num_itemsets, "num_itemsets")
    if given != known:
        raise ValueError(
            f"num_itemsets={given} but the itemsets were mined from {known} "
            "transactions; leave num_itemsets out"
        )


def _codes_of(labels: object, item_labels: pd.Index, argument: str) -> np.ndarray:
    if labels is None:
        return np.empty(0, dtype=np.int32)
    if isinstance(labels, (str, bytes)) or not hasattr(labels, "__iter__"):
        labels = [labels]  # one label
    wanted = list(labels)
    codes = item_labels.get_indexer(pd.Index(wanted, dtype=object)) if wanted else []
    codes = np.asarray(codes, dtype=np.int64)
    if (codes < 0).any():
        unknown = wanted[int(np.flatnonzero(codes < 0)[0])]
        raise ValueError(
            f"{argument} holds {unknown!r}, which is not an item of the itemsets"
        )
    return np.unique(codes).astype(np.int32)


def _check_threshold(min_threshold: object) -> float:
    if isinstance(min_threshold, bool):
        raise TypeError(f"min_threshold must be a number, got {min_threshold!r}")
    try:
        value = float(min_threshold)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"min_threshold must be a number, got {min_threshold!r}"
        ) from error
    if np.isnan(value):
        raise ValueError("min_threshold must be a number, got NaN")
    return value


def _check_return_metrics(return_metrics: object) -> list[str]:
    if isinstance(return_metrics, str):
        return_metrics = [return_metrics]
    chosen = list(return_metrics)
    for name in chosen:
        if name not in METRICS:
            options = ", ".join(map(repr, METRICS))
            raise ValueError(f"return_metrics holds {name!r}; choose among {options}")
    return chosen


def _optional_length(value: object, argument: str) -> int:
    return 0 if value is None else _validation.check_positive_int(value, argument)
