"""Shared pieces of the market-basket layer: the coded itemsets a miner returns, and
the codes read back from the DataFrames."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd

from crmmine.basket._codes import label_objects, sets_to_codes
from crmmine.basket.itemset_array import ItemsetArray

#: Key of the coded tables kept in ``DataFrame.attrs``.
ATTRS_KEY = "crmmine"

try:  # pandas >= 3.0
    from pandas.api.internals import create_dataframe_from_blocks
except ImportError:  # pragma: no cover - older pandas
    create_dataframe_from_blocks = None

_ITEMSET_COLUMNS = pd.Index(["support", "itemsets"])
_FIRST, _SECOND = np.array([0]), np.array([1])


# eq=False: pandas compares attrs when it combines frames, and arrays have no truth
# value; a table equals only itself
@dataclass(frozen=True, eq=False, repr=False)
class FrequentItemsets:
    """Frequent itemsets as integer codes: itemset ``i`` holds
    ``item_labels[items[offsets[i]:offsets[i + 1]]]`` (codes ascending) and occurs in
    ``counts[i]`` of the ``n_transactions`` baskets.

    This is what :func:`crmmine.frequent_itemsets` returns: no Python object per
    itemset is made. ``to_frame()`` gives mlxtend's DataFrame.

    Attributes
    ----------
    offsets : ndarray of int64, shape (n_itemsets + 1,)
    items : ndarray of int32
    counts : ndarray of int64, shape (n_itemsets,)
    n_transactions : int
    item_labels : pandas.Index
        The label of each item code.
    """

    offsets: np.ndarray
    items: np.ndarray
    counts: np.ndarray
    n_transactions: int
    item_labels: pd.Index

    def __post_init__(self) -> None:
        for array in (self.offsets, self.items, self.counts):
            array.setflags(write=False)  # shared by every frame that carries it

    def __deepcopy__(self, memo: dict) -> FrequentItemsets:
        # pandas deep-copies DataFrame.attrs on every operation; the table is immutable
        return self

    def __len__(self) -> int:
        return len(self.counts)

    def __repr__(self) -> str:
        return (
            f"FrequentItemsets({len(self)} itemsets over {len(self.item_labels)} items, "
            f"{self.n_transactions} transactions)"
        )

    @property
    def support(self) -> np.ndarray:
        """Fraction of the transactions that hold each itemset."""
        return self.counts / self.n_transactions

    @property
    def lengths(self) -> np.ndarray:
        """Number of items in each itemset."""
        return np.diff(self.offsets)

    def to_lists(self) -> list[list[object]]:
        """The itemsets as lists of item labels (ascending code order)."""
        labels = label_objects(self.item_labels)
        bounds = self.offsets.tolist()
        values = labels[self.items].tolist()
        return [values[a:b] for a, b in pairwise(bounds)]

    def to_frame(self) -> pd.DataFrame:
        """mlxtend's itemset table: ``support`` and ``itemsets`` (frozensets of labels).

        The itemsets column is an :class:`~crmmine.basket.ItemsetArray`: it keeps the
        codes and makes each frozenset when it is read. ``frame.attrs["crmmine"]``
        keeps the number of transactions for :func:`crmmine.association_rules`.
        """
        itemsets = ItemsetArray.from_distinct_codes(
            self.offsets, self.items, self.item_labels
        )
        frame = _itemset_frame(self.support, itemsets)
        frame.attrs[ATTRS_KEY] = self
        return frame


def _itemset_frame(support: np.ndarray, itemsets: ItemsetArray) -> pd.DataFrame:
    """The support and itemsets columns as a DataFrame, made from its two blocks
    where pandas lets us: its constructor's checks and inference cost more than the
    mining of a small shop (Groceries' 13,492 itemsets: 0.5 -> 0.2 ms)."""
    if create_dataframe_from_blocks is None:  # pragma: no cover - older pandas
        return pd.DataFrame({"support": support, "itemsets": itemsets}, copy=False)
    return create_dataframe_from_blocks(
        [(support.reshape(1, -1), _FIRST), (itemsets, _SECOND)],
        index=pd.RangeIndex(len(support)),
        # a copy each: a frame's columns can be renamed in place
        columns=_ITEMSET_COLUMNS.copy(),
    )


def attached_transactions(frame: pd.DataFrame) -> int | None:
    """The number of transactions a crmmine miner recorded on ``frame``, or None."""
    table = frame.attrs.get(ATTRS_KEY)
    return table.n_transactions if isinstance(table, FrequentItemsets) else None


def itemset_codes(
    column: pd.Series, argument: str
) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """A column of itemsets as CSR codes and labels: read from crmmine's itemset
    column as they are, converted from any other column of sets."""
    array = column.array
    if isinstance(array, ItemsetArray):
        return array.to_codes(argument)
    return sets_to_codes(column, argument)
