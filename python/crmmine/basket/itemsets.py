"""Frequent itemsets: Apriori, FP-growth and Eclat on one C++ core, with mlxtend's
DataFrame output (``support``, ``itemsets`` as frozensets) and an integer-coded fast
path. Support follows the arules / pyfim convention: an itemset is frequent when it
occurs in at least ``ceil(min_support * n_transactions)`` baskets."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from os import PathLike

import numpy as np
import pandas as pd

from crmmine import _core, _validation
from crmmine.basket._frames import FrequentItemsets
from crmmine.core.baskets import BasketArrays, Baskets, lists_for_mining
from crmmine.errors import ResourceLimitError

#: Default cap on the number of itemsets one call may produce; past it the miners
#: stop with ResourceLimitError instead of exhausting memory.
MAX_ITEMSETS = 20_000_000

_KINDS = ("all", "closed", "maximal")
_ALGORITHMS = ("auto", "fpgrowth", "apriori", "eclat")


def frequent_itemsets(
    data: object,
    min_support: float = 0.5,
    *,
    transaction: str | None = None,
    item: str | None = None,
    min_len: int = 1,
    max_len: int | None = None,
    kind: str = "all",
    algorithm: str = "auto",
    max_itemsets: int | None = MAX_ITEMSETS,
    n_jobs: int | None = None,
) -> FrequentItemsets:
    """Frequent itemsets as integer codes, without building a Python set per itemset.

    The fast path behind :func:`fpgrowth`, :func:`apriori` and :func:`eclat`.

    Parameters
    ----------
    data : DataFrame, list of baskets, scipy sparse matrix, path or Baskets
        The baskets, in any of these forms:

        - a long DataFrame, one row per (transaction, item), with ``transaction`` and
          ``item`` naming its columns (e.g. invoice lines);
        - a one-hot DataFrame, one row per basket and one bool or 0/1 column per item
          (dense, or pandas sparse columns, which are never densified);
        - a list of baskets, each a list or set of hashable item labels;
        - a scipy sparse matrix or array (baskets x items); every stored non-zero entry
          (1, or a positive quantity) is an item in the basket, and the column
          positions are the labels;
        - the path of a FIMI ``.dat`` file (gzipped or not): one basket per line,
          integer items separated by spaces;
        - a :class:`crmmine.Baskets`.
    min_support : float in (0, 1] or int >= 1
        A fraction of the transactions (an itemset must occur in at least
        ``ceil(min_support * n_transactions)`` of them, as in arules and pyfim), or an
        integer: an absolute number of transactions.
    transaction, item : str, optional
        Column names of a long DataFrame.
    min_len : int, default 1
        Report only itemsets of at least this many items.
    max_len : int, optional
        Report and explore only itemsets of at most this many items.
    kind : {"all", "closed", "maximal"}
        Every frequent itemset, only the closed ones (no superset has the same
        support) or only the maximal ones (no superset is frequent).
    algorithm : {"auto", "fpgrowth", "apriori", "eclat"}
        The search; all give the same itemsets.
    max_itemsets : int, optional
        Stop with :class:`crmmine.ResourceLimitError` past this many itemsets
        (default 20 million); None lifts the cap.
    n_jobs : int, optional
        Threads; None uses :func:`crmmine.get_num_threads`. Results do not depend on it.

    Returns
    -------
    FrequentItemsets
        ``offsets``, ``items`` (int32 codes), ``counts``, ``n_transactions`` and
        ``item_labels``; ``to_frame()`` gives mlxtend's DataFrame.

    Examples
    --------
    >>> import crmmine
    >>> baskets = [["milk", "bread"], ["milk", "eggs"], ["milk", "bread", "eggs"]]
    >>> found = crmmine.frequent_itemsets(baskets, min_support=2)
    >>> found
    FrequentItemsets(5 itemsets over 3 items, 3 transactions)
    >>> sorted(zip(map(tuple, found.to_lists()), found.counts.tolist()))
    [(('bread',), 2), (('bread', 'milk'), 2), (('eggs',), 2), (('eggs', 'milk'), 2), (('milk',), 3)]
    """
    baskets, _ = as_baskets(data, transaction, item, n_jobs=n_jobs)
    return _mine(
        baskets,
        min_support,
        min_len=min_len,
        max_len=max_len,
        kind=kind,
        algorithm=algorithm,
        max_itemsets=max_itemsets,
        n_jobs=n_jobs,
    )


def fpgrowth(
    df: object,
    min_support: float = 0.5,
    null_values: bool = False,
    use_colnames: bool = False,
    max_len: int | None = None,
    verbose: int = 0,
    *,
    transaction: str | None = None,
    item: str | None = None,
    min_len: int = 1,
    kind: str = "all",
    max_itemsets: int | None = MAX_ITEMSETS,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """Frequent itemsets by FP-growth, as ``mlxtend.frequent_patterns.fpgrowth``.

    Parameters
    ----------
    df : DataFrame, list of baskets, scipy sparse matrix, path or Baskets
        mlxtend's one-hot DataFrame, or any input :func:`frequent_itemsets` takes.
    min_support : float in (0, 1] or int >= 1
        Minimum support: a fraction (count >= ``ceil(min_support * n)``) or an
        absolute count.
    null_values : bool, default False
        Accepted for mlxtend compatibility; only False is supported.
    use_colnames : bool, default False
        For a one-hot DataFrame, put the column names in the itemsets instead of the
        column positions (as mlxtend). Other inputs always give their item labels.
    max_len : int, optional
        Longest itemset to report.
    verbose : int
        Accepted for mlxtend compatibility; ignored.
    transaction, item : str, optional
        Column names when ``df`` is a long DataFrame (one row per transaction line).
    min_len, kind, max_itemsets, n_jobs
        As in :func:`frequent_itemsets`.

    Returns
    -------
    DataFrame
        Columns ``support`` (float) and ``itemsets``, one row per itemset. Each
        element of ``itemsets`` reads as a frozenset of labels; the column
        (:class:`crmmine.basket.ItemsetArray`) keeps integer codes and makes the
        frozensets when they are read. ``attrs["crmmine"]`` keeps the number of
        transactions for :func:`crmmine.association_rules`.

    Examples
    --------
    >>> import pandas as pd, crmmine
    >>> onehot = pd.DataFrame({"milk": [1, 1, 1], "bread": [1, 0, 1], "eggs": [0, 1, 1]},
    ...                       dtype=bool)
    >>> found = crmmine.fpgrowth(onehot, min_support=0.6, use_colnames=True)
    >>> found.sort_values("support", ascending=False).iloc[0]["itemsets"]
    frozenset({'milk'})
    >>> len(found)
    5
    """
    return _frame_miner(
        df,
        min_support,
        null_values,
        use_colnames,
        "fpgrowth",
        transaction=transaction,
        item=item,
        min_len=min_len,
        max_len=max_len,
        kind=kind,
        max_itemsets=max_itemsets,
        n_jobs=n_jobs,
    )


def apriori(
    df: object,
    min_support: float = 0.5,
    use_colnames: bool = False,
    max_len: int | None = None,
    verbose: int = 0,
    low_memory: bool = False,
    n_jobs: int | None = None,
    *,
    transaction: str | None = None,
    item: str | None = None,
    min_len: int = 1,
    kind: str = "all",
    max_itemsets: int | None = MAX_ITEMSETS,
) -> pd.DataFrame:
    """Frequent itemsets by Apriori, as ``mlxtend.frequent_patterns.apriori``.

    Same output as :func:`fpgrowth`; ``low_memory`` and ``verbose`` are accepted for
    mlxtend compatibility and ignored (the search is level-wise over a vertical
    layout either way).

    Examples
    --------
    >>> import crmmine
    >>> found = crmmine.apriori([["a", "b"], ["a"], ["a", "b", "c"]], min_support=0.5)
    >>> sorted(sorted(s) for s in found["itemsets"])
    [['a'], ['a', 'b'], ['b']]
    """
    return _frame_miner(
        df,
        min_support,
        False,
        use_colnames,
        "apriori",
        transaction=transaction,
        item=item,
        min_len=min_len,
        max_len=max_len,
        kind=kind,
        max_itemsets=max_itemsets,
        n_jobs=n_jobs,
    )


def eclat(
    df: object,
    min_support: float = 0.5,
    null_values: bool = False,
    use_colnames: bool = False,
    max_len: int | None = None,
    verbose: int = 0,
    *,
    transaction: str | None = None,
    item: str | None = None,
    min_len: int = 1,
    kind: str = "all",
    max_itemsets: int | None = MAX_ITEMSETS,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """Frequent itemsets by Eclat (depth-first over transaction-id lists).

    Same arguments and output as :func:`fpgrowth`.

    Examples
    --------
    >>> import crmmine
    >>> found = crmmine.eclat([["a", "b"], ["a"], ["a", "b", "c"]], min_support=2)
    >>> sorted((sorted(s), round(p, 3)) for s, p in zip(found["itemsets"], found["support"]))
    [(['a'], 1.0), (['a', 'b'], 0.667), (['b'], 0.667)]
    """
    return _frame_miner(
        df,
        min_support,
        null_values,
        use_colnames,
        "eclat",
        transaction=transaction,
        item=item,
        min_len=min_len,
        max_len=max_len,
        kind=kind,
        max_itemsets=max_itemsets,
        n_jobs=n_jobs,
    )


# -- internals ---------------------------------------------------------------------------


def _frame_miner(
    df: object,
    min_support: object,
    null_values: object,
    use_colnames: object,
    algorithm: str,
    *,
    transaction: str | None,
    item: str | None,
    **options: object,
) -> pd.DataFrame:
    if null_values:
        raise ValueError(
            "null_values=True is not supported; fill the missing cells of the one-hot "
            "table with False (df.fillna(False)) first"
        )
    baskets, onehot = as_baskets(df, transaction, item, n_jobs=options["n_jobs"])
    found = _mine(baskets, min_support, algorithm=algorithm, **options)
    if onehot and not use_colnames:
        found = FrequentItemsets(
            found.offsets,
            found.items,
            found.counts,
            found.n_transactions,
            pd.RangeIndex(len(found.item_labels)),
        )
    return found.to_frame()


def _mine(
    baskets: Baskets | BasketArrays,
    min_support: object,
    *,
    min_len: object,
    max_len: object,
    kind: object,
    algorithm: object,
    max_itemsets: object,
    n_jobs: object,
) -> FrequentItemsets:
    n = baskets.n_baskets
    if n == 0:
        raise ValueError("data is empty; pass at least one basket")
    min_count = min_count_of(min_support, n)
    min_len = _validation.check_positive_int(min_len, "min_len")
    if max_len is None:
        max_len = 0
    else:
        max_len = _validation.check_positive_int(max_len, "max_len")
        if max_len < min_len:
            raise ValueError(
                f"max_len={max_len} is below min_len={min_len}; no itemset fits"
            )
    kind = _validation.check_choice(kind, "kind", _KINDS)
    algorithm = _validation.check_choice(algorithm, "algorithm", _ALGORITHMS)
    if max_itemsets is None:
        max_itemsets = np.iinfo(np.int64).max
    else:
        max_itemsets = _validation.check_positive_int(max_itemsets, "max_itemsets")
    threads = _validation.check_n_jobs(n_jobs)
    try:
        offsets, items, counts = _core.mine_itemsets(
            baskets.indptr,
            baskets.items,
            baskets.n_items,
            min_count,
            min_len,
            max_len,
            kind,
            algorithm,
            max_itemsets,
            threads,
        )
    except ResourceLimitError as error:
        raise ResourceLimitError(
            f"more than max_itemsets={max_itemsets:,} itemsets at "
            f"min_support={min_support!r} (at least {min_count:,} of {n:,} baskets) "
            f"and max_len={max_len or None}: raise min_support, set a smaller max_len "
            f"or mine kind='closed' / 'maximal' ({error})"
        ) from error
    return FrequentItemsets(offsets, items, counts, n, baskets.item_labels)


def min_count_of(min_support: object, n_transactions: int) -> int:
    """The absolute support threshold for a fraction ``s``: the smallest count ``c``
    with ``c / n >= s`` in floating point (mlxtend's test). It equals arules' and
    pyfim's ``ceil(s * n)`` except where ``s * n`` rounds just above a whole number
    (0.07 * 100 = 7.000000000000001), where it keeps the intended 7."""
    if isinstance(min_support, bool) or not isinstance(min_support, numbers.Real):
        raise TypeError(
            f"min_support must be a number (a fraction in (0, 1] or a count >= 1), got "
            f"{min_support!r}"
        )
    if isinstance(min_support, numbers.Integral):
        if min_support < 1:
            raise ValueError(
                f"min_support={min_support} as an integer is an absolute count and must "
                "be at least 1; pass a fraction such as 0.01 for a share of baskets"
            )
        return int(min_support)
    fraction = float(min_support)
    if not (0.0 < fraction <= 1.0):
        raise ValueError(
            f"min_support must be a fraction in (0, 1] or an integer count >= 1, got "
            f"{min_support!r}"
        )
    count = max(1, math.ceil(fraction * n_transactions))
    while count > 1 and (count - 1) / n_transactions >= fraction:
        count -= 1
    while count / n_transactions < fraction:
        count += 1
    return count


def as_baskets(
    data: object,
    transaction: str | None,
    item: str | None,
    argument: str = "data",
    *,
    n_jobs: object = None,
) -> tuple[Baskets | BasketArrays, bool]:
    """Any supported basket input as the miners read it (Baskets, or BasketArrays
    for a list of baskets); True when it was a one-hot table (whose column positions
    mlxtend reports when ``use_colnames=False``). ``n_jobs`` threads read a list of
    baskets or a one-hot table."""
    if isinstance(data, Baskets):
        _no_columns(transaction, item, "Baskets")
        return data, False
    if isinstance(data, pd.DataFrame):
        if transaction is None and item is None:
            return Baskets.from_onehot(data, n_jobs=n_jobs), True
        if transaction is None or item is None:
            raise ValueError(
                "transaction and item go together: name both columns of a long table, "
                "or neither for a one-hot table"
            )
        return Baskets.from_long(data, transaction, item), False
    if isinstance(data, (str, PathLike)):
        _no_columns(transaction, item, "a FIMI file")
        return Baskets.from_fimi(data), False
    if _is_sparse(data):
        _no_columns(transaction, item, "a sparse matrix")
        return _from_sparse(data, argument), False
    if isinstance(data, np.ndarray):
        if data.ndim != 2:
            raise ValueError(
                f"{argument} as a numpy array must be a 2-d one-hot matrix, got "
                f"{data.ndim} dimension(s)"
            )
        _no_columns(transaction, item, "a numpy array")
        return Baskets.from_onehot(pd.DataFrame(data), n_jobs=n_jobs), True
    if isinstance(data, (pd.Series, bytes, Mapping)) or not isinstance(data, Iterable):
        raise TypeError(
            f"{argument} must be a one-hot or long DataFrame, a list of baskets, a scipy "
            f"sparse matrix, a FIMI file path or crmmine.Baskets; got "
            f"{type(data).__name__}"
        )
    _no_columns(transaction, item, "a list of baskets")
    return lists_for_mining(data, _validation.check_n_jobs(n_jobs)), False


def _no_columns(transaction: object, item: object, what: str) -> None:
    if transaction is not None or item is not None:
        raise ValueError(
            f"transaction and item name columns of a long DataFrame; drop them for "
            f"{what}"
        )


def _is_sparse(data: object) -> bool:
    try:
        from scipy import sparse
    except ImportError:  # no scipy: nothing can be a scipy matrix
        return False
    return sparse.issparse(data)


def _from_sparse(matrix: object, argument: str) -> Baskets:
    from scipy import sparse

    if matrix.ndim != 2:
        raise ValueError(f"{argument} must be a 2-d sparse matrix (baskets x items)")
    csr = sparse.csr_array(matrix)  # a copy for other formats, so sorting is safe
    if csr is matrix or csr.data is getattr(matrix, "data", None):
        csr = csr.copy()
    if csr.data.dtype.kind == "f" and not np.isfinite(csr.data).all():
        raise ValueError(
            f"{argument} holds NaN or infinite entries; use 1 for an item in a basket"
        )
    if csr.data.dtype.kind in "fi" and (csr.data < 0).any():
        raise ValueError(
            f"{argument} holds negative entries (returns?); use 1, or a positive "
            "quantity, for an item in a basket and leave the others out"
        )
    csr.sum_duplicates()  # sorts the columns of each row and merges repeats
    csr.eliminate_zeros()
    if csr.shape[0] == 0 or csr.shape[1] == 0:
        raise ValueError(f"{argument} is empty; it needs baskets and item columns")
    return Baskets(
        csr.indptr.astype(np.int64),
        csr.indices.astype(np.int32),
        None,
        pd.RangeIndex(csr.shape[1]),
        None,
    )
