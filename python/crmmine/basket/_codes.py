"""Itemsets as CSR integer codes (``offsets``, ``items``) over a label Index: the
conversions between codes and frozensets of labels, and row operations on the codes."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import chain

import numpy as np
import pandas as pd

from crmmine import _convert, _core


def label_objects(labels: pd.Index) -> np.ndarray:
    """Labels as Python objects (``tolist`` turns numpy scalars into int/str)."""
    array = np.empty(len(labels), dtype=object)
    array[:] = labels.tolist()
    return array


def frozensets(offsets: np.ndarray, items: np.ndarray, labels: pd.Index) -> np.ndarray:
    """An object array of frozensets of labels, one per CSR row, made in C++ from the
    labels' own objects."""
    offsets = np.ascontiguousarray(offsets, dtype=np.int64)
    items = np.ascontiguousarray(items, dtype=np.int32)
    with collector_paused():
        return _core.frozensets(offsets, items, labels.tolist())


@contextmanager
def collector_paused() -> Iterator[None]:
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


def distinct_rows(
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


def concatenate_rows(
    *tables: tuple[np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """The rows of several CSR tables (offsets, items), one after the other."""
    ends = np.cumsum([0] + [offsets[-1] for offsets, _ in tables])
    offsets = np.concatenate(
        [tables[0][0][:1]]
        + [offsets[1:] + end for (offsets, _), end in zip(tables, ends, strict=False)]
    )
    return offsets, np.concatenate([items for _, items in tables])


def take_rows(
    offsets: np.ndarray, items: np.ndarray, positions: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The CSR rows at ``positions``, in that order: the arrays themselves, uncopied,
    when that is every row in order (a miner's whole table)."""
    if len(positions) == len(offsets) - 1 and np.array_equal(
        positions, np.arange(len(positions))
    ):
        return offsets, items
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
        try:
            codes, labels = _convert.factorize(flat, argument)
        except TypeError as error:  # an unhashable label, such as a list
            raise TypeError(
                f"{argument}: every item label must be hashable ({error})"
            ) from None
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
