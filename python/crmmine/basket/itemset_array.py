"""A pandas column of itemsets that keeps integer codes and makes a frozenset only when
an element is read.

A DataFrame of millions of itemsets would otherwise hold one frozenset per row, each a
hash table of several hundred bytes; the codes take a few bytes per item. Reading an
element, iterating, ``astype(object)`` and ``to_numpy()`` give frozensets of the item
labels, so code written for mlxtend's object column keeps working.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from pandas.api.extensions import (
    ExtensionArray,
    ExtensionDtype,
    no_default,
    register_extension_dtype,
    take,
)
from pandas.api.indexers import check_array_indexer

from crmmine.basket._codes import (
    distinct_rows,
    frozensets,
    label_objects,
    sets_to_codes,
    take_rows,
)

#: Row number that stands for a missing itemset.
_MISSING = -1

#: Elements made into frozensets together while iterating.
_ITERATION_BLOCK = 4096


@register_extension_dtype
class ItemsetDtype(ExtensionDtype):
    """dtype of an :class:`ItemsetArray`: elements are frozensets of item labels."""

    name = "itemset"
    type = frozenset
    kind = "O"

    @classmethod
    def construct_array_type(cls) -> type[ItemsetArray]:
        return ItemsetArray


@dataclass(frozen=True, eq=False, repr=False)
class ItemsetTable:
    """Distinct itemsets as CSR codes: row ``r`` is
    ``labels[items[offsets[r]:offsets[r + 1]]]``, codes ascending within a row, and no
    two rows hold the same set. Shared, never modified, by every array that points
    into it."""

    offsets: np.ndarray
    items: np.ndarray
    labels: pd.Index

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @cached_property
    def label_objects(self) -> np.ndarray:
        return label_objects(self.labels)

    @property
    def nbytes(self) -> int:
        return self.offsets.nbytes + self.items.nbytes

    def frozenset_at(self, row: int) -> frozenset:
        start, stop = self.offsets[row], self.offsets[row + 1]
        return frozenset(self.label_objects[self.items[start:stop]])

    def frozensets(self, rows: np.ndarray) -> np.ndarray:
        """Object array of the frozensets of ``rows``, each distinct row made once."""
        if len(rows) >= len(self):
            return frozensets(self.offsets, self.items, self.labels)[rows]
        distinct, positions = np.unique(rows, return_inverse=True)
        offsets, items = take_rows(self.offsets, self.items, distinct)
        return frozensets(offsets, items, self.labels)[positions]

    def find(self, itemset: object) -> int:
        """Row of ``itemset`` (a set of labels), or ``_MISSING`` when it is absent."""
        codes = self.labels.get_indexer(list(itemset))
        if (codes < 0).any():
            return _MISSING
        codes.sort()
        lengths = np.diff(self.offsets)
        candidates = np.flatnonzero(lengths == len(codes))
        block = self.items[self.offsets[candidates, None] + np.arange(len(codes))]
        found = candidates[(block == codes).all(axis=1)]
        return int(found[0]) if len(found) else _MISSING

    @cached_property
    def rank(self) -> np.ndarray:
        """Each row's place when itemsets are ordered by size, then by their labels in
        sorted order (by item code where the labels do not sort)."""
        lengths = np.diff(self.offsets)
        rows = np.repeat(np.arange(len(self)), lengths)
        keys = self._label_ranks()[self.items]
        keys = keys[np.lexsort((keys, rows))]
        width = int(lengths.max()) if len(lengths) else 0
        padded = np.full((len(self), width), -1, dtype=np.int64)
        padded[np.arange(width) < lengths[:, None]] = keys
        order = np.lexsort((*padded[:, ::-1].T, lengths))
        rank = np.empty(len(self), dtype=np.int64)
        rank[order] = np.arange(len(self))
        return rank

    def _label_ranks(self) -> np.ndarray:
        try:
            order = self.labels.argsort()
        except TypeError:
            order = np.arange(len(self.labels))
        ranks = np.empty(len(self.labels), dtype=np.int64)
        ranks[order] = np.arange(len(self.labels))
        return ranks


class ItemsetArray(ExtensionArray):
    """A column of itemsets: each element is a frozenset of item labels or missing.

    Stored as one row number per element into a shared :class:`ItemsetTable`, so
    taking, filtering and sorting rows never copies an itemset.
    """

    def __init__(self, rows: np.ndarray | None, table: ItemsetTable) -> None:
        """rows None: every row of the table once, in order."""
        self._row_array = None if rows is None else np.asarray(rows, dtype=np.int64)
        self._table = table

    @property
    def _rows(self) -> np.ndarray:
        # A miner's column is every row in order; made only when first read, as
        # building its DataFrame only asks for its length (Groceries' 13,492
        # itemsets: 27 fresh pages less a call).
        if self._row_array is None:
            self._row_array = np.arange(len(self._table), dtype=np.int64)
        return self._row_array

    @_rows.setter
    def _rows(self, rows: np.ndarray) -> None:
        self._row_array = rows

    @classmethod
    def from_codes(
        cls, offsets: np.ndarray, items: np.ndarray, labels: pd.Index
    ) -> ItemsetArray:
        """One element per CSR row (codes ascending in each row); equal rows are
        stored once."""
        offsets, items, ids = distinct_rows(offsets, items, len(labels))
        return cls(ids, ItemsetTable(offsets, items, labels))

    @classmethod
    def from_distinct_codes(
        cls,
        offsets: np.ndarray,
        items: np.ndarray,
        labels: pd.Index,
        rows: np.ndarray | None = None,
    ) -> ItemsetArray:
        """The CSR rows at ``rows`` (default: each row once, in order), for rows known
        to hold distinct sets: a miner's itemsets, which rules point into."""
        return cls(rows, ItemsetTable(offsets, items, labels))

    # -- what pandas asks of an extension array ------------------------------------------

    @classmethod
    def _from_sequence(
        cls, scalars: object, *, dtype: object = None, copy: bool = False
    ) -> ItemsetArray:
        if isinstance(scalars, ItemsetArray):
            return scalars.copy() if copy else scalars
        values = _as_objects(scalars)
        missing = np.fromiter(map(_is_missing, values), dtype=bool, count=len(values))
        present = values[~missing]
        offsets, items, labels = sets_to_codes(pd.Series(present), "itemsets")
        found = cls.from_codes(offsets, items, labels)
        rows = np.full(len(values), _MISSING, dtype=np.int64)
        rows[~missing] = found._rows
        return cls(rows, found._table)

    @classmethod
    def _from_scalars(cls, scalars: object, *, dtype: object) -> ItemsetArray:
        # pandas asks this whether a function's results stay itemsets: only sets do
        # (map(sorted) gives lists, and lists must stay lists)
        values = _as_objects(scalars)
        if not all(_is_itemset(value) or _is_missing(value) for value in values):
            raise TypeError("not all values are sets")
        return cls._from_sequence(values)

    @classmethod
    def _from_factorized(
        cls, values: np.ndarray, original: ItemsetArray
    ) -> ItemsetArray:
        return cls._from_sequence(values)

    @property
    def dtype(self) -> ItemsetDtype:
        return ItemsetDtype()

    def __len__(self) -> int:
        if self._row_array is None:
            return len(self._table)
        return len(self._row_array)

    def __getitem__(self, key: object) -> object:
        if isinstance(key, tuple):
            key = _without_ellipsis(key)
        if isinstance(key, numbers.Integral):
            row = self._rows[key]
            return self.dtype.na_value if row < 0 else self._table.frozenset_at(row)
        if not isinstance(key, slice) and key is not Ellipsis:
            key = check_array_indexer(self, key)
        taken = ItemsetArray(self._rows[key], self._table)
        taken._readonly = self._readonly and isinstance(key, slice)  # a view
        return taken

    def __setitem__(self, key: object, value: object) -> None:
        if self._readonly:
            raise ValueError("Cannot modify read-only array")
        if isinstance(key, numbers.Integral) and not (
            _is_missing(value) or _is_itemset(value)
        ):
            raise ValueError(
                f"one element takes one itemset (a set or frozenset of labels), got "
                f"{type(value).__name__}"
            )
        if not isinstance(key, slice | numbers.Integral):
            key = check_array_indexer(self, key)
        if _is_missing(value):
            self._rows[key] = _MISSING
            return
        if _is_itemset(value):
            row = self._table.find(value)
            if row != _MISSING:
                self._rows[key] = row
                return
        # a set new to the table, or many sets: rebuild the table from the elements.
        # The rows are replaced, not written: an array this one was sliced from
        # still points into the old table.
        elements = np.asarray(self)
        elements[key] = value if _is_itemset(value) else _as_objects(value)
        rebuilt = ItemsetArray._from_sequence(elements)
        self._rows, self._table = rebuilt._rows, rebuilt._table

    def __iter__(self):
        # a block of frozensets at a time: one per element would cost a Python call
        for start in range(0, len(self), _ITERATION_BLOCK):
            yield from np.asarray(self[start : start + _ITERATION_BLOCK])

    def __array__(self, dtype: object = None, copy: object = None) -> np.ndarray:
        if copy is False:
            raise ValueError(
                "an ItemsetArray makes its frozensets when asked: it has no numpy "
                "array to share; leave copy=False out"
            )
        elements = np.full(len(self), self.dtype.na_value, dtype=object)
        present = self._rows >= 0
        elements[present] = self._table.frozensets(self._rows[present])
        return elements if dtype is None else elements.astype(dtype)

    def to_numpy(
        self, dtype: object = None, copy: bool = False, na_value: object = no_default
    ) -> np.ndarray:
        elements = np.asarray(self)  # always new, so never read-only
        if na_value is not no_default:
            elements[self.isna()] = na_value
        return elements if dtype is None else elements.astype(dtype)

    @property
    def nbytes(self) -> int:
        return self._rows.nbytes + self._table.nbytes

    def isna(self) -> np.ndarray:
        return self._rows < 0

    def take(
        self, indices: object, *, allow_fill: bool = False, fill_value: object = None
    ) -> ItemsetArray:
        if allow_fill and not _is_missing(fill_value):
            filled = take(
                np.asarray(self), indices, allow_fill=True, fill_value=fill_value
            )
            return ItemsetArray._from_sequence(filled)
        rows = take(self._rows, indices, allow_fill=allow_fill, fill_value=_MISSING)
        return ItemsetArray(rows, self._table)

    def copy(self) -> ItemsetArray:
        return ItemsetArray(self._rows.copy(), self._table)

    @classmethod
    def _concat_same_type(cls, to_concat: list[ItemsetArray]) -> ItemsetArray:
        table = to_concat[0]._table if to_concat else None
        if all(array._table is table for array in to_concat):
            return cls(np.concatenate([array._rows for array in to_concat]), table)
        return cls._from_sequence(np.concatenate([np.asarray(a) for a in to_concat]))

    def factorize(
        self, use_na_sentinel: bool = True
    ) -> tuple[np.ndarray, ItemsetArray]:
        # rows of one table are distinct sets, so equal sets have equal rows
        codes, distinct = pd.factorize(self._rows)
        uniques = ItemsetArray(distinct, self._table)
        if _MISSING not in distinct:
            return codes, uniques
        missing_code = int(np.flatnonzero(distinct == _MISSING)[0])
        uniques = uniques[distinct != _MISSING]
        codes = np.where(codes > missing_code, codes - 1, codes)
        if use_na_sentinel:
            codes[self._rows == _MISSING] = -1
            return codes, uniques
        codes[self._rows == _MISSING] = len(uniques)
        return codes, ItemsetArray._concat_same_type(
            [uniques, ItemsetArray(np.array([_MISSING]), self._table)]
        )

    def unique(self) -> ItemsetArray:
        return ItemsetArray(pd.unique(self._rows), self._table)

    def searchsorted(self, value: object, side: str = "left", sorter: object = None):
        raise TypeError(
            "itemsets have no order to search in (sort_values orders them by size, "
            "then by label); compare with == or use isin instead"
        )

    def _values_for_factorize(self) -> tuple[np.ndarray, object]:
        # hashable and comparable across tables (merges factorize two arrays together)
        return np.asarray(self), self.dtype.na_value

    def _values_for_argsort(self) -> np.ndarray:
        ranks = np.full(len(self), -1, dtype=np.int64)
        present = self._rows >= 0
        ranks[present] = self._table.rank[self._rows[present]]
        return ranks

    def __eq__(self, other: object) -> np.ndarray:  # type: ignore[override]
        if isinstance(other, pd.Series | pd.Index | pd.DataFrame):
            return NotImplemented
        present = self._rows >= 0
        if _is_itemset(other):
            return present & (self._rows == self._table.find(other))
        if isinstance(other, ItemsetArray) and other._table is self._table:
            return present & (self._rows == other._rows)
        if np.ndim(other) == 0:
            return np.zeros(len(self), dtype=bool)
        others = _as_objects(other)
        if len(others) != len(self):
            raise ValueError(
                f"cannot compare {len(self)} itemsets with {len(others)} values"
            )
        return (
            np.array(
                [a == b for a, b in zip(np.asarray(self), others, strict=True)],
                dtype=bool,
            )
            & present
        )

    def __ne__(self, other: object) -> np.ndarray:  # type: ignore[override]
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else ~equal

    def _explode(self) -> tuple[np.ndarray, np.ndarray]:
        """Every item label on its own row, as ``Series.explode`` does for an object
        column of sets (a missing or empty itemset gives one missing row)."""
        present = self._rows >= 0
        lengths = np.zeros(len(self), dtype=np.int64)
        lengths[present] = np.diff(self._table.offsets)[self._rows[present]]
        counts = np.maximum(lengths, 1)
        offsets, items = take_rows(
            self._table.offsets, self._table.items, self._rows[present]
        )
        values = np.full(int(counts.sum()), np.nan, dtype=object)
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        positions = np.repeat(starts[present], lengths[present]) + (
            np.arange(len(items)) - np.repeat(offsets[:-1], lengths[present])
        )
        values[positions] = self._table.label_objects[items]
        return values, counts

    def _formatter(self, boxed: bool = False):
        # None: pandas prints the frozensets as it prints an object column of them
        return None if boxed else repr

    # -- codes for crmmine's own functions -------------------------------------------------

    def to_codes(
        self, argument: str = "itemsets"
    ) -> tuple[np.ndarray, np.ndarray, pd.Index]:
        """CSR codes (``offsets``, ``items``) and labels of the elements, in order.
        Missing elements are an error naming ``argument``."""
        if (self._rows < 0).any():
            row = int(np.flatnonzero(self._rows < 0)[0])
            raise ValueError(
                f"{argument} holds a missing itemset (first at row {row}); drop it "
                "first (dropna)"
            )
        offsets, items = take_rows(self._table.offsets, self._table.items, self._rows)
        return offsets, items, self._table.labels


def _is_itemset(value: object) -> bool:
    return isinstance(value, set | frozenset)


def _is_missing(value: object) -> bool:
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float) and value != value


def _as_objects(values: object) -> np.ndarray:
    values = list(values)
    objects = np.empty(len(values), dtype=object)
    objects[:] = values
    return objects


def _without_ellipsis(key: tuple) -> object:
    """``array[..., key]`` and ``array[key, ...]`` as ``array[key]`` (a 1-d array)."""
    rest = [part for part in key if part is not Ellipsis]
    if len(rest) > 1:
        raise IndexError("too many indices for a 1-dimensional ItemsetArray")
    return rest[0] if rest else slice(None)
