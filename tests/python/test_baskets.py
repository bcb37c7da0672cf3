"""Every Baskets builder against the same baskets written out by hand or by pandas."""

from __future__ import annotations

import gzip
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import sparse

import crmmine

LISTS = [["milk", "bread"], ["bread", "eggs", "milk"], [], ["eggs"], ["milk", "milk"]]


def as_sets(baskets: crmmine.Baskets) -> list[frozenset]:
    return [frozenset(b) for b in baskets.to_lists()]


def expected_sets(lists) -> list[frozenset]:
    return [frozenset(b) for b in lists]


def long_frame(lists) -> pd.DataFrame:
    rows = [(f"T{t}", item) for t, basket in enumerate(lists) for item in basket]
    return pd.DataFrame(rows, columns=["tid", "item"])


def test_from_lists_keeps_empty_baskets_and_merges_repeats():
    baskets = crmmine.Baskets.from_lists(LISTS)
    assert baskets.n_baskets == 5
    assert list(baskets.item_labels) == ["bread", "eggs", "milk"]
    assert as_sets(baskets) == expected_sets(LISTS)
    assert baskets.to_lists()[4] == ["milk"]
    np.testing.assert_array_equal(baskets.indptr, [0, 2, 5, 5, 6, 7])


def test_from_long_sums_quantities_of_repeated_items():
    frame = pd.DataFrame(
        {"inv": ["a", "a", "b", "a"], "sku": [3, 1, 3, 3], "qty": [1.0, 2.0, 5.0, 4.0]}
    )
    baskets = crmmine.Baskets.from_long(frame, "inv", "sku", "qty")
    assert baskets.to_lists() == [[3, 1], [3]]
    np.testing.assert_array_equal(baskets.quantity, [5.0, 2.0, 5.0])
    assert list(baskets.basket_labels) == ["a", "b"]


def test_builders_agree():
    non_empty = [sorted(set(b)) for b in LISTS if b]
    frame = long_frame(non_empty)
    onehot = pd.DataFrame(
        [
            [item in basket for item in ("bread", "eggs", "milk")]
            for basket in non_empty
        ],
        columns=["bread", "eggs", "milk"],
    )
    sparse_onehot = onehot.astype(pd.SparseDtype(bool, False))
    built = [
        crmmine.Baskets.from_lists(non_empty),
        crmmine.Baskets.from_long(frame, "tid", "item"),
        crmmine.Baskets.from_arrays(frame.tid.to_numpy(), frame.item.to_numpy()),
        crmmine.Baskets.from_onehot(onehot),
        crmmine.Baskets.from_onehot(onehot.astype(np.uint8)),
        crmmine.Baskets.from_onehot(sparse_onehot),
    ]
    for baskets in built:
        assert as_sets(baskets) == expected_sets(non_empty)
        assert list(baskets.item_labels) == ["bread", "eggs", "milk"]


def test_sparse_onehot_is_never_densified():
    rng = np.random.default_rng(0)
    matrix = sparse.random(20_000, 5_000, density=0.001, format="csr", random_state=rng)
    matrix.data[:] = 1
    frame = pd.DataFrame.sparse.from_spmatrix(matrix.astype(bool))
    baskets = crmmine.Baskets.from_onehot(frame)
    assert (baskets.to_csr() != matrix.astype(bool)).nnz == 0


def test_from_csv_and_to_csr(tmp_path):
    path = tmp_path / "lines.csv.gz"
    long_frame(LISTS).to_csv(path, index=False)
    baskets = crmmine.Baskets.from_csv(path, "tid", "item")
    assert as_sets(baskets) == expected_sets([b for b in LISTS if b])
    dense = baskets.to_csr().toarray()
    assert dense.sum() == sum(len(set(b)) for b in LISTS)


@pytest.mark.parametrize("name", ["retail.dat.gz", "T10I4D100K.dat.gz", "chess.dat.gz"])
def test_from_fimi_matches_a_python_reader(name, shared_data):
    path = shared_data(name)
    baskets = crmmine.Baskets.from_fimi(path)
    with gzip.open(path, "rt") as handle:
        lines = [[int(token) for token in line.split()] for line in handle]
    assert baskets.n_baskets == len(lines)
    assert baskets.to_lists() == lines  # FIMI baskets have no repeats, order is kept
    counts = Counter(item for line in lines for item in line)
    ours = baskets.item_counts()
    assert ours.to_dict() == dict(counts)
    crmmine.set_num_threads(1)
    pd.testing.assert_series_equal(baskets.item_counts(), ours)


def test_published_fimi_sizes(shared_data):
    retail = crmmine.Baskets.from_fimi(shared_data("retail.dat.gz"))
    assert (retail.n_baskets, retail.n_items) == (88_162, 16_470)
    t10 = crmmine.Baskets.from_fimi(shared_data("T10I4D100K.dat.gz"))
    assert (t10.n_baskets, t10.n_items) == (100_000, 870)


@pytest.mark.slow
def test_online_retail_invoice_baskets_match_pandas(online_retail):
    lines = online_retail[~online_retail.InvoiceNo.str.startswith("C")]
    baskets = crmmine.Baskets.from_long(lines, "InvoiceNo", "StockCode")
    expected = lines.groupby("InvoiceNo").StockCode.nunique()
    np.testing.assert_array_equal(
        np.diff(baskets.indptr), expected.loc[baskets.basket_labels]
    )
    counts = lines.drop_duplicates(["InvoiceNo", "StockCode"]).StockCode.value_counts()
    ours = baskets.item_counts()
    pd.testing.assert_series_equal(
        ours.sort_index(),
        counts.rename("baskets").sort_index().astype("int64"),
        check_names=False,
        check_index_type=False,
    )


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(
            st.one_of(st.integers(-5, 30), st.sampled_from(["a", "b", "c"])),
            max_size=12,
        ),
        min_size=1,
        max_size=40,
    )
)
def test_from_lists_round_trips_any_baskets(lists):
    baskets = crmmine.Baskets.from_lists(lists)
    assert as_sets(baskets) == expected_sets(lists)
    counts = Counter(item for basket in lists for item in set(basket))
    assert baskets.item_counts().to_dict() == dict(counts)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(
            st.one_of(
                st.integers(-3, 40),
                # int objects of one digit (30 bits) and of more, read differently
                st.sampled_from(
                    [-(2**63), 2**63 - 1, 10**12, 2**30 - 1, 2**30, 1 - 2**30, -(2**30)]
                ),
            ),
            max_size=12,
        ),
        min_size=1,
        max_size=40,
    )
)
def test_integer_items_keep_first_appearance_and_sorted_labels(lists):
    # narrow ranges take the lookup-table coding, the extremes the hashing one
    baskets = crmmine.Baskets.from_lists(lists)
    assert baskets.to_lists() == [list(dict.fromkeys(basket)) for basket in lists]
    assert baskets.item_labels.tolist() == sorted({i for b in lists for i in b})
    assert baskets.item_labels.dtype == np.int64


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.text(max_size=4), max_size=12),  # any str: empty, case, unicode
        min_size=1,
        max_size=40,
    )
)
def test_str_items_keep_first_appearance_and_labels_sorted_as_pandas_sorts(lists):
    baskets = crmmine.Baskets.from_lists(lists)
    assert baskets.to_lists() == [list(dict.fromkeys(basket)) for basket in lists]
    distinct = list(dict.fromkeys(item for basket in lists for item in basket))
    assume(distinct)  # no labels at all take the integer path
    _, uniques = pd.factorize(pd.Series(distinct, dtype=object), sort=True)
    expected = pd.Index(list(uniques), dtype=pd.Series(distinct).dtype)
    assert baskets.item_labels.equals(expected)
    assert baskets.item_labels.dtype == expected.dtype


def test_repeated_label_objects_and_equal_copies_share_a_code():
    milk = "milk"
    copy = "".join(["mi", "lk"])  # equal, not the same object
    lists = [[milk, "bread"], [copy], [milk, copy]] * 3000  # past the address sample
    baskets = crmmine.Baskets.from_lists(lists)
    assert baskets.n_items == 2
    assert baskets.to_lists()[:3] == [["milk", "bread"], ["milk"], ["milk"]]


@pytest.mark.parametrize("dtype", [bool, np.uint8, np.int64, np.float64, "mixed"])
@pytest.mark.parametrize("n_items", [40, 1])
def test_dense_onehot_matches_scipy(dtype, n_items):
    # pandas hands a frame of several columns back column-major and a single column
    # in both orders, so the two widths take the two ways of reading the table.
    rng = np.random.default_rng(7)
    table = rng.random((300, n_items)) < 0.15
    table[5] = False  # an empty basket
    table[:, n_items // 2] = False  # an item nobody bought
    names = [f"sku{j}" for j in range(n_items)]
    frame = pd.DataFrame({n: table[:, j] for j, n in enumerate(names)})
    if dtype == "mixed":
        frame = frame.astype({n: np.int32 for n in names[::2]})
    else:
        frame = frame.astype(dtype)
    baskets = crmmine.Baskets.from_onehot(frame)
    truth = sparse.csr_matrix(table)
    np.testing.assert_array_equal(baskets.indptr, truth.indptr)
    np.testing.assert_array_equal(baskets.items, truth.indices)
    assert list(baskets.item_labels) == names


@pytest.mark.parametrize("n_jobs", [1, 2, None])
def test_large_dense_onehot_on_any_threads_matches_scipy(n_jobs):
    # 10 M cells: past the size read in parts on threads and read only once
    rng = np.random.default_rng(11)
    table = rng.random((4_000, 2_500)) < 0.002
    frame = pd.DataFrame(table)
    baskets = crmmine.Baskets.from_onehot(frame, n_jobs=n_jobs)
    truth = sparse.csr_matrix(table)
    np.testing.assert_array_equal(baskets.indptr, truth.indptr)
    np.testing.assert_array_equal(baskets.items, truth.indices)


@pytest.mark.parametrize("n_jobs", [0, 1.5, "2"])
def test_onehot_rejects_a_bad_n_jobs(n_jobs):
    frame = pd.DataFrame({"milk": [True, False], "bread": [True, True]})
    with pytest.raises((TypeError, ValueError), match="n_jobs"):
        crmmine.Baskets.from_onehot(frame, n_jobs=n_jobs)


@pytest.mark.parametrize(
    "bad",
    [
        pd.Series(["x", "y", "x", "y"]),
        pd.Series(pd.date_range("2026-01-01", periods=4)),
        pd.Series(pd.to_timedelta([1, 2, 3, 4], unit="D")),
    ],
    ids=["str", "datetime", "timedelta"],
)
@pytest.mark.parametrize("others", [[], ["milk", "bread"]], ids=["alone", "with bool"])
def test_dense_onehot_names_a_column_that_is_not_bool_or_numeric(bad, others):
    frame = pd.DataFrame({name: [True, False, True, True] for name in others})
    frame["note"] = bad
    with pytest.raises(TypeError, match=r"column 'note' has dtype .*bool or 0/1"):
        crmmine.Baskets.from_onehot(frame)


@pytest.mark.parametrize("n_items", [3, 1])
def test_dense_onehot_rejects_counts(n_items):
    table = np.zeros((4, n_items), dtype=np.int64)
    table[2, n_items - 1] = 2
    with pytest.raises(ValueError, match="only True/False or 0/1"):
        crmmine.Baskets.from_onehot(pd.DataFrame(table))


class _Label(str):
    """A str subclass: equal to the str of the same text, as in a dict."""


def _fresh(text: str) -> str:
    """An equal str that is a new object, so no lookup by address can find it."""
    return "".join(list(text))


@pytest.mark.parametrize(
    "late",
    [
        [f"sku{k}" for k in range(1500)],  # past the str table's first size
        [_Label("sku5"), "sku5"],  # a str subclass equal to a label seen as str
        ["sku7", 7, 7.0, True, 1],  # labels that are no str, some equal to each other
    ],
)
def test_str_labels_keep_their_codes_when_later_labels_need_the_dict(late):
    early = [["sku5", "sku7", "sku9"], ["sku9", "sku5"], ["sku12"]]
    lists = [*early, late, ["sku5", "sku1499", "sku9"]]
    lists = [[_fresh(i) if type(i) is str else i for i in basket] for basket in lists]
    baskets = crmmine.Baskets.from_lists(lists)
    assert baskets.to_lists() == [list(dict.fromkeys(basket)) for basket in lists]
    distinct = dict.fromkeys(item for basket in lists for item in basket)
    assert baskets.n_items == len(distinct)
    counts = Counter(item for basket in lists for item in dict.fromkeys(basket))
    assert baskets.item_counts().to_dict() == dict(counts)


@pytest.mark.parametrize("n_jobs", [1, 2])
@pytest.mark.parametrize("last_item", [7, -7, 2**40, True, 3.0, "x"])
def test_many_int_baskets_read_in_parts_match_a_python_reading(n_jobs, last_item):
    # enough baskets for two reading parts and two merging parts; repeats and empty
    # baskets throughout, and a last item that only the general path reads (too wide
    # for int32, a bool, a float, a str) or one that the fast path reads
    rng = np.random.default_rng(5)
    lists = [
        rng.integers(-20, 300, size=rng.integers(0, 9)).tolist() for _ in range(20_000)
    ]
    lists[-1] = [*lists[-1], last_item]
    baskets = crmmine.Baskets.from_lists(lists, n_jobs=n_jobs)
    assert baskets.n_baskets == len(lists)
    assert baskets.to_lists() == [list(dict.fromkeys(basket)) for basket in lists]
    distinct = set(dict.fromkeys(i for b in lists for i in b))
    if isinstance(last_item, str):  # ints and a str have no common order
        assert set(baskets.item_labels) == distinct
    else:
        assert baskets.item_labels.tolist() == sorted(distinct)


def test_from_lists_checks_n_jobs():
    with pytest.raises(ValueError, match="n_jobs"):
        crmmine.Baskets.from_lists([[1, 2]], n_jobs=0)


@pytest.mark.parametrize("late", [None, 7, _Label("sku3")])
def test_many_str_baskets_read_in_parts_match_a_python_reading(late):
    # two reading parts; labels first seen in the second part, equal copies of one
    # label across parts, then the same list again once every str has its hash cached
    # (a str whose hash is not cached yet sends the list to the one-thread reader)
    rng = np.random.default_rng(9)
    lists = [
        [_fresh(f"sku{k}") for k in rng.integers(0, 40, size=rng.integers(0, 7))]
        for _ in range(10_000)
    ]
    lists[-3] = ["only in part two", *lists[-3]]
    if late is not None:
        lists[-1] = [*lists[-1], late]
    expected_lists = [list(dict.fromkeys(basket)) for basket in lists]
    for _ in range(2):
        one = crmmine.Baskets.from_lists(lists, n_jobs=1)
        two = crmmine.Baskets.from_lists(lists, n_jobs=2)
        for baskets in (one, two):
            assert baskets.to_lists() == expected_lists
        np.testing.assert_array_equal(one.items, two.items)
        assert one.item_labels.equals(two.item_labels)
        if late is None:
            assert two.item_labels.tolist() == sorted({i for b in lists for i in b})


def test_runs_become_csr_with_their_codes_recoded_in_place():
    from crmmine import _core

    lengths = np.array([2, 0, 3], dtype=np.int64)
    codes = np.array([1, 0, 2, 2, 1], dtype=np.int32)
    recode = np.array([2, 0, 1], dtype=np.int32)
    indptr, items = _core.runs_as_csr(lengths, codes, recode)
    np.testing.assert_array_equal(indptr, [0, 2, 2, 5])
    np.testing.assert_array_equal(items, [0, 2, 1, 1, 0])
    assert items is codes  # no copy
    with pytest.raises(ValueError, match=r"lengths.*add up"):
        _core.runs_as_csr(lengths, codes[:4].copy(), recode)
    with pytest.raises(ValueError, match=r"lengths.*negative"):
        _core.runs_as_csr(np.array([6, -1], dtype=np.int64), codes, recode)
    outside = np.array([0, 3, 1, 1, 1], dtype=np.int32)
    with pytest.raises(ValueError, match=r"codes.*recode"):
        _core.runs_as_csr(lengths, outside, recode)
    np.testing.assert_array_equal(outside, [0, 3, 1, 1, 1])  # untouched on error
    with pytest.raises(ValueError, match=r"codes.*int32"):
        _core.runs_as_csr(lengths, codes.astype(np.int64), recode)
