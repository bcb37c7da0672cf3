"""Shared pieces of the market-basket layer: the coded itemset table that travels with
the DataFrames, the frozenset builder and the inverse conversion."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain, pairwise

import numpy as np
import pandas as pd

from crmmine import _convert, _core

#: Key of the coded tables kept in ``DataFrame.attrs``.
ATTRS_KEY = "crmmine"

#: Rows re-checked item by item before codes kept in ``attrs`` are trusted.
_SPOT_CHECKS = 32


@dataclass(frozen=True, repr=False)
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
        labels = _label_array(self.item_labels)
        bounds = self.offsets.tolist()
        values = labels[self.items].tolist()
        return [values[a:b] for a, b in pairwise(bounds)]

    def to_frame(self) -> pd.DataFrame:
        """mlxtend's itemset table: ``support`` and ``itemsets`` (frozensets of labels).

        The codes stay in ``frame.attrs["crmmine"]`` so that
        :func:`crmmine.association_rules` does not hash the frozensets again.
        """
        frame = pd.DataFrame(
            {
                "support": self.support,
                "itemsets": frozensets(self.offsets, self.items, self.item_labels),
            },
            copy=False,
        )
        frame.attrs[ATTRS_KEY] = self
        return frame

    def take(self, positions: np.ndarray) -> FrequentItemsets:
        offsets, items = take_rows(self.offsets, self.items, positions)
        return FrequentItemsets(
            offsets,
            items,
            self.counts[positions],
            self.n_transactions,
            self.item_labels,
        )


def _label_array(labels: pd.Index) -> np.ndarray:
    """Labels as Python objects (``tolist`` turns numpy scalars into int/str)."""
    array = np.empty(len(labels), dtype=object)
    array[:] = labels.tolist()
    return array


def frozensets(
    offsets: np.ndarray, items: np.ndarray, labels: pd.Index, *, shared: bool = False
) -> np.ndarray:
    """An object array of frozensets of labels, one per CSR row, made in C++ from the
    labels' own objects.

    With ``shared``, equal rows get the same frozenset object, made once: rule
    antecedents and consequents repeat a few thousand itemsets over millions of rules.
    """
    offsets = np.ascontiguousarray(offsets, dtype=np.int64)
    items = np.ascontiguousarray(items, dtype=np.int32)
    if shared:
        offsets, items, ids = _distinct_rows(offsets, items, len(labels))
    with _collector_paused():
        sets = _core.frozensets(offsets, items, labels.tolist())
    return sets[ids] if shared else sets


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of small containers are made:
    each collection it would trigger walks every live object, and none of these can
    form a cycle."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _distinct_rows(
    offsets: np.ndarray, items: np.ndarray, n_items: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct CSR rows (as offsets and items) and each row's index among them.
    Rows of equal length are compared as one (rows x length) block."""
    lengths = np.diff(offsets)
    ids = np.empty(len(lengths), dtype=np.int64)
    blocks = []
    n_distinct = 0
    for length in np.unique(lengths):
        rows = np.flatnonzero(lengths == length)
        block = items[offsets[rows, None] + np.arange(length)]
        block_ids, count = _row_ids(block, n_items)
        example = np.empty(count, dtype=np.int64)
        example[block_ids] = np.arange(len(block_ids))  # any row of an id: all equal
        ids[rows] = block_ids + n_distinct
        blocks.append(block[example])
        n_distinct += count
    widths = [block.shape[1] for block in blocks]
    distinct_offsets = np.zeros(n_distinct + 1, dtype=np.int64)
    np.cumsum(
        np.repeat(widths, [len(block) for block in blocks]), out=distinct_offsets[1:]
    )
    distinct_items = (
        np.concatenate([block.ravel() for block in blocks])
        if blocks
        else np.zeros(0, dtype=np.int32)
    )
    return distinct_offsets, distinct_items, ids


def _row_ids(block: np.ndarray, n_items: int) -> tuple[np.ndarray, int]:
    """Dense ids of the distinct rows of an int block: one hash pass per column, the
    key re-compressed to [0, rows) before each column is folded in, so it never
    overflows."""
    key = block[:, 0].astype(np.int64)
    for column in range(1, block.shape[1]):
        compressed, _ = pd.factorize(key)
        key = compressed.astype(np.int64) * max(n_items, 1) + block[:, column]
    ids, distinct = pd.factorize(key)
    return ids, len(distinct)


def take_rows(
    offsets: np.ndarray, items: np.ndarray, positions: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The CSR rows at ``positions``, in that order."""
    lengths = np.diff(offsets)[positions]
    new_offsets = np.zeros(len(positions) + 1, dtype=np.int64)
    np.cumsum(lengths, out=new_offsets[1:])
    starts = np.repeat(offsets[positions] - new_offsets[:-1], lengths)
    gather = np.arange(new_offsets[-1], dtype=np.int64) + starts
    return new_offsets, items[gather]


def sets_to_codes(
    sets: pd.Series, argument: str, labels: pd.Index | None = None
) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """A column of sets of labels as CSR codes (ascending in each row) and the labels.

    With ``labels`` the codes index into it and a label outside it is an error;
    without, the labels are the distinct items found, sorted where they sort.
    """
    values = sets.to_numpy(dtype=object)
    for position, value in enumerate(values):
        if isinstance(value, (str, bytes)) or not isinstance(
            value, (frozenset, set, list, tuple, np.ndarray)
        ):
            raise TypeError(
                f"{argument}: row {position} is {type(value).__name__}; each entry must "
                "be a frozenset of item labels, as mlxtend and crmmine make them"
            )
    lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    flat = np.empty(int(lengths.sum()), dtype=object)
    flat[:] = list(chain.from_iterable(values))
    if labels is None:
        codes, labels = _convert.factorize(flat, argument)
        if (codes < 0).any():
            raise ValueError(f"{argument} holds missing labels (None or NaN)")
    else:
        codes = labels.get_indexer(flat).astype(np.int32)
        if (codes < 0).any():
            unknown = flat[np.flatnonzero(codes < 0)[0]]
            raise ValueError(f"{argument} holds the label {unknown!r}, not an item")
    offsets = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    rows = np.repeat(np.arange(len(values), dtype=np.int64), lengths)
    order = np.lexsort((codes, rows))
    codes = codes[order]
    if len(codes) > 1 and ((codes[1:] == codes[:-1]) & (rows[1:] == rows[:-1])).any():
        raise ValueError(f"{argument} has an itemset that repeats an item")
    return offsets, np.ascontiguousarray(codes, dtype=np.int32), labels


def attached_itemsets(frame: pd.DataFrame) -> FrequentItemsets | None:
    """The coded itemsets a crmmine miner attached to ``frame``, restricted to the
    rows still in it, or None when the frame no longer matches them (rows rebuilt,
    itemsets replaced): the caller then converts the frozensets."""
    table = frame.attrs.get(ATTRS_KEY)
    if not isinstance(table, FrequentItemsets):
        return None
    positions = _surviving_rows(frame.index, len(table))
    if positions is None:
        return None
    if positions is not _ALL:
        table = table.take(positions)
    if not np.array_equal(frame["support"].to_numpy(), table.support):
        return None
    sets = frame["itemsets"].to_numpy(dtype=object)
    try:
        lengths = np.fromiter(map(len, sets), dtype=np.int64, count=len(sets))
    except TypeError:
        return None
    if not np.array_equal(lengths, table.lengths):
        return None
    labels = table.item_labels
    rows = np.unique(np.linspace(0, len(sets) - 1, _SPOT_CHECKS).astype(np.int64))
    for row in rows if len(sets) else ():
        codes = table.items[table.offsets[row] : table.offsets[row + 1]]
        if frozenset(labels[codes].tolist()) != frozenset(sets[row]):
            return None
    return table


_ALL = object()


def _surviving_rows(index: pd.Index, size: int) -> np.ndarray | object | None:
    """Row positions of the original table still in a frame with this index (the
    miners return a RangeIndex, and filtering keeps the labels of the rows kept)."""
    if isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1:
        if len(index) == size:
            return _ALL
    if not pd.api.types.is_integer_dtype(index.dtype) or not index.is_unique:
        return None
    positions = index.to_numpy(dtype=np.int64)
    if len(positions) and (positions.min() < 0 or positions.max() >= size):
        return None
    return positions
