"""Frequent itemsets: the published counts on the FIMI and arules datasets, Apriori =
FP-growth = Eclat = brute force on random databases, mlxtend's and pyfim's answers,
and every input format giving the same itemsets."""

from __future__ import annotations

import gzip
from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

import crmmine

ALGORITHMS = ["fpgrowth", "apriori", "eclat"]
LISTS = [
    ["milk", "bread", "eggs"],
    ["milk", "bread"],
    ["bread", "butter"],
    ["milk", "eggs", "butter"],
    ["milk", "bread", "butter", "eggs"],
    ["eggs"],
    [],
]


# -- oracles and helpers -----------------------------------------------------------------


def as_dict(found: crmmine.FrequentItemsets) -> dict[frozenset, int]:
    """itemset (frozenset of labels) -> count, checking codes ascend inside each set."""
    labels = found.item_labels
    result = {}
    for row in range(len(found)):
        codes = found.items[found.offsets[row] : found.offsets[row + 1]]
        assert (np.diff(codes) > 0).all()
        key = frozenset(labels[codes].tolist())
        assert key not in result
        result[key] = int(found.counts[row])
    return result


def frame_dict(frame: pd.DataFrame, n: int) -> dict[frozenset, int]:
    counts = np.rint(frame["support"].to_numpy() * n).astype(int)
    np.testing.assert_allclose(counts / n, frame["support"], rtol=1e-12)
    result = dict(zip(frame["itemsets"], counts.tolist(), strict=True))
    assert len(result) == len(frame)
    return result


def brute_force(
    baskets: list[set],
    min_count: int,
    min_len: int = 1,
    max_len: int | None = None,
    kind: str = "all",
) -> dict[frozenset, int]:
    """Every subset of the item universe, counted; then the closed / maximal filter
    on the whole frequent family, then the length window."""
    universe = sorted(set().union(*baskets))
    frequent = {}
    for size in range(1, len(universe) + 1):
        found_any = False
        for candidate in combinations(universe, size):
            count = sum(1 for b in baskets if b.issuperset(candidate))
            if count >= min_count:
                frequent[frozenset(candidate)] = count
                found_any = True
        if not found_any:
            break
    if kind != "all":
        kept = {}
        for itemset, count in frequent.items():
            supersets = [
                other_count
                for other, other_count in frequent.items()
                if len(other) == len(itemset) + 1 and other > itemset
            ]
            if kind == "closed" and count not in supersets:
                kept[itemset] = count
            if kind == "maximal" and not supersets:
                kept[itemset] = count
        frequent = kept
    top = max_len or len(universe)
    return {s: c for s, c in frequent.items() if min_len <= len(s) <= top}


def onehot(lists: list[list]) -> pd.DataFrame:
    columns = sorted({label for basket in lists for label in basket})
    return pd.DataFrame(
        [[label in basket for label in columns] for basket in lists], columns=columns
    )


def read_baskets(path) -> list[list[str]]:
    """One basket per line, items separated by commas (arules' Groceries)."""
    with gzip.open(path, "rt") as file:
        return [line.split(",") for line in file.read().splitlines()]


@pytest.fixture(scope="module")
def groceries(shared_data):
    return crmmine.Baskets.from_lists(read_baskets(shared_data("groceries.csv.gz")))


# -- published counts --------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "min_support", "expected"),
    [
        ("T10I4D100K.dat.gz", 0.01, 385),
        ("T10I4D100K.dat.gz", 0.005, 1_073),
        ("retail.dat.gz", 0.01, 159),
        ("retail.dat.gz", 0.005, 580),
    ],
)
def test_fimi_counts(shared_data, name, min_support, expected):
    baskets = crmmine.Baskets.from_fimi(shared_data(name))
    results = [
        crmmine.frequent_itemsets(baskets, min_support, algorithm=algorithm)
        for algorithm in ALGORITHMS
    ]
    assert [len(found) for found in results] == [expected] * 3
    reference = as_dict(results[0])
    assert all(as_dict(found) == reference for found in results[1:])
    threshold = np.ceil(min_support * baskets.n_baskets)
    assert results[0].counts.min() >= threshold


@pytest.mark.slow
def test_groceries_count(groceries):
    """arules' Groceries at support 0.001: 13,492 itemsets (count >= ceil(9.835))."""
    for algorithm in ALGORITHMS:
        found = crmmine.frequent_itemsets(groceries, 0.001, algorithm=algorithm)
        assert len(found) == 13_492
        assert found.counts.min() == 10


@pytest.fixture(scope="module")
def retail(shared_data):
    """retail.dat as Baskets and as the lists of ints pyfim takes."""
    path = shared_data("retail.dat.gz")
    with gzip.open(path, "rt") as file:
        transactions = [list(map(int, line.split())) for line in file]
    return crmmine.Baskets.from_fimi(path), transactions


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["all", "closed", "maximal"])
def test_same_itemsets_as_pyfim(retail, kind):
    fim = pytest.importorskip("fim")
    baskets, transactions = retail
    target = {"all": "s", "closed": "c", "maximal": "m"}[kind]
    theirs = {
        frozenset(itemset): count
        for itemset, count in fim.fpgrowth(
            transactions, target=target, supp=-300, report="a"
        )
    }
    for algorithm in ALGORITHMS:
        ours = crmmine.frequent_itemsets(baskets, 300, kind=kind, algorithm=algorithm)
        assert as_dict(ours) == theirs


# -- random databases against brute force ------------------------------------------------

databases = st.lists(
    st.sets(st.integers(0, 7), max_size=6), min_size=1, max_size=25
).filter(lambda baskets: any(baskets))


@settings(max_examples=60, deadline=None)
@given(
    baskets=databases,
    min_count=st.integers(1, 6),
    min_len=st.integers(1, 3),
    max_len=st.one_of(st.none(), st.integers(1, 4)),
    kind=st.sampled_from(["all", "closed", "maximal"]),
    n_jobs=st.sampled_from([1, 2]),
)
def test_algorithms_agree_with_brute_force(
    baskets, min_count, min_len, max_len, kind, n_jobs
):
    if max_len is not None and max_len < min_len:
        max_len = min_len
    expected = brute_force(baskets, min_count, min_len, max_len, kind)
    for algorithm in ["auto", *ALGORITHMS]:
        found = crmmine.frequent_itemsets(
            [sorted(b) for b in baskets],
            min_count,
            min_len=min_len,
            max_len=max_len,
            kind=kind,
            algorithm=algorithm,
            n_jobs=n_jobs,
        )
        assert as_dict(found) == expected, algorithm


def test_thread_count_does_not_change_the_output(groceries):
    one = crmmine.frequent_itemsets(groceries, 0.002, n_jobs=1)
    two = crmmine.frequent_itemsets(groceries, 0.002, n_jobs=2)
    for name in ("offsets", "items", "counts"):
        np.testing.assert_array_equal(getattr(one, name), getattr(two, name))


# -- mlxtend ---------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(
    baskets=databases,
    min_support=st.sampled_from([0.05, 0.1, 0.2, 0.25, 0.3, 1 / 3, 0.5]),
    max_len=st.one_of(st.none(), st.integers(1, 3)),
    use_colnames=st.booleans(),
)
def test_same_itemsets_and_supports_as_mlxtend(
    baskets, min_support, max_len, use_colnames
):
    mlxtend = pytest.importorskip("mlxtend.frequent_patterns")
    table = onehot([sorted(b) for b in baskets])
    table.columns = [f"item{c}" for c in table.columns]
    for ours_fn, theirs_fn in (
        (crmmine.fpgrowth, mlxtend.fpgrowth),
        (crmmine.apriori, mlxtend.apriori),
        (crmmine.eclat, mlxtend.fpgrowth),
    ):
        ours = ours_fn(
            table, min_support=min_support, use_colnames=use_colnames, max_len=max_len
        )
        theirs = theirs_fn(
            table, min_support=min_support, use_colnames=use_colnames, max_len=max_len
        )
        assert list(ours.columns) == ["support", "itemsets"]
        ours_map = dict(zip(ours["itemsets"], ours["support"], strict=True))
        theirs_map = {
            frozenset(int(i) if isinstance(i, np.integer) else i for i in s): p
            for s, p in zip(theirs["itemsets"], theirs["support"], strict=True)
        }
        assert set(ours_map) == set(theirs_map)
        for itemset, support in theirs_map.items():
            assert ours_map[itemset] == pytest.approx(support, rel=1e-12)


@pytest.mark.slow
def test_groceries_matches_mlxtend(groceries):
    mlxtend = pytest.importorskip("mlxtend.frequent_patterns")
    table = pd.DataFrame.sparse.from_spmatrix(
        groceries.to_csr().astype(bool), columns=list(groceries.item_labels)
    )
    ours = crmmine.fpgrowth(table, min_support=0.005, use_colnames=True)
    theirs = mlxtend.fpgrowth(
        table.sparse.to_dense(), min_support=0.005, use_colnames=True
    )
    assert len(ours) == len(theirs) > 1_000
    assert frame_dict(ours, groceries.n_baskets) == frame_dict(
        theirs, groceries.n_baskets
    )


# -- input formats -----------------------------------------------------------------------


def test_every_input_format_gives_the_same_itemsets(tmp_path):
    lists = [b for b in LISTS if b]
    expected = brute_force([set(b) for b in lists], 2)
    codes = {label: code for code, label in enumerate(sorted(expected_labels(lists)))}
    frame = pd.DataFrame(
        [(f"T{t}", label) for t, basket in enumerate(lists) for label in basket],
        columns=["invoice", "sku"],
    )
    dense = onehot(lists)
    int_lists = [[codes[label] for label in basket] for basket in lists]
    matrix = sparse.csr_matrix(
        (
            np.ones(sum(map(len, int_lists))),
            np.concatenate(int_lists),
            np.cumsum([0, *map(len, int_lists)]),
        ),
        shape=(len(lists), len(codes)),
    )
    dat = tmp_path / "baskets.dat"
    dat.write_text("".join(" ".join(map(str, b)) + "\n" for b in int_lists))
    dat_gz = tmp_path / "baskets.dat.gz"
    dat_gz.write_bytes(gzip.compress(dat.read_bytes()))
    by_label = {
        "lists": dict(data=lists),
        "sets": dict(data=[set(b) for b in lists]),
        "long": dict(data=frame, transaction="invoice", item="sku"),
        "one-hot bool": dict(data=dense),
        "one-hot uint8": dict(data=dense.astype(np.uint8)),
        "one-hot sparse": dict(data=dense.astype(pd.SparseDtype(bool, False))),
        "Baskets": dict(data=crmmine.Baskets.from_lists(lists)),
    }
    by_code = {
        "csr matrix": dict(data=matrix),
        "csr array": dict(data=sparse.csr_array(matrix)),
        "csc matrix": dict(data=matrix.tocsc()),
        "numpy one-hot": dict(data=matrix.toarray() > 0),
        "fimi": dict(data=dat),
        "fimi gz": dict(data=str(dat_gz)),
    }
    for name, arguments in by_label.items():
        data = arguments.pop("data")
        found = crmmine.frequent_itemsets(data, 2, **arguments)
        assert as_dict(found) == expected, name
        frame_out = crmmine.fpgrowth(data, 2, use_colnames=True, **arguments)
        assert frame_dict(frame_out, len(lists)) == expected, name
    expected_codes = {
        frozenset(codes[label] for label in itemset): count
        for itemset, count in expected.items()
    }
    for name, arguments in by_code.items():
        found = crmmine.frequent_itemsets(arguments["data"], 2)
        assert as_dict(found) == expected_codes, name


def expected_labels(lists):
    return {label for basket in lists for label in basket}


def test_use_colnames_false_gives_column_positions():
    table = onehot(LISTS)
    ours = crmmine.fpgrowth(table, min_support=0.4)
    named = crmmine.fpgrowth(table, min_support=0.4, use_colnames=True)
    columns = list(table.columns)
    assert {frozenset(columns[i] for i in s) for s in ours["itemsets"]} == set(
        named["itemsets"]
    )
    assert all(isinstance(i, int) for s in ours["itemsets"] for i in s)


def test_fast_path_and_frame_agree():
    fast = crmmine.frequent_itemsets(LISTS, 0.25)
    frame = crmmine.fpgrowth(LISTS, 0.25)
    assert as_dict(fast) == frame_dict(frame, len(LISTS))
    np.testing.assert_array_equal(fast.support, fast.counts / len(LISTS))
    assert fast.n_transactions == len(LISTS) == 7
    assert frame.attrs["crmmine"].n_transactions == 7


def test_empty_baskets_count_in_the_support():
    """Support is a share of all transactions, empty ones included (as mlxtend)."""
    found = crmmine.fpgrowth([["a"], ["a", "b"], [], []], min_support=0.5)
    assert frame_dict(found, 4) == {frozenset({"a"}): 2}


def test_min_support_fraction_rounds_like_arules():
    # 0.07 * 100 = 7.000000000000001 in floating point: the threshold is still 7
    baskets = [["a"]] * 7 + [["b"]] * 93
    assert len(crmmine.frequent_itemsets(baskets, 0.07)) == 2
    # an integer is an absolute count, a float a share
    assert len(crmmine.frequent_itemsets(baskets, 8)) == 1
    assert len(crmmine.frequent_itemsets(baskets, 1.0)) == 0
    assert crmmine.basket.itemsets.min_count_of(0.001, 9835) == 10


def test_min_len_and_max_len():
    found = crmmine.frequent_itemsets(LISTS, 1, min_len=2, max_len=3)
    assert set(map(len, as_dict(found))) == {2, 3}


def test_itemset_guard_names_the_parameters():
    with pytest.raises(crmmine.ResourceLimitError, match=r"min_support.*max_len"):
        crmmine.frequent_itemsets(LISTS, 1, max_itemsets=3)
    assert issubclass(crmmine.ResourceLimitError, MemoryError)


@pytest.mark.parametrize("min_support", [0.25, 1.0], ids=["some", "none"])
def test_frame_is_what_pandas_constructor_makes(min_support):
    found = crmmine.frequent_itemsets(LISTS, min_support)
    frame = found.to_frame()
    expected = pd.DataFrame(
        {"support": found.support, "itemsets": frame["itemsets"].array}
    )
    pd.testing.assert_frame_equal(frame, expected, check_exact=True)
    assert frame["support"].dtype == np.float64
    # each frame owns its columns: naming one frame's columns leaves the next alone
    frame.columns.name = "renamed"
    assert found.to_frame().columns.name is None
    # its support column can be written like any other
    frame["support"] = frame["support"] * 2
    np.testing.assert_array_equal(frame["support"], found.support * 2)


def test_no_frequent_itemset_gives_an_empty_frame():
    found = crmmine.fpgrowth(LISTS, min_support=1.0)
    assert list(found.columns) == ["support", "itemsets"]
    assert len(found) == 0


@pytest.mark.parametrize(
    "labels",
    [
        ["milk", "bread", "eggs", "jam"],
        [3, 1, 2, 10**20],  # one int beyond int64
        [np.int64(3), np.int64(1), 7, 2],
        ["milk", 2, "eggs", 5],  # mixed types do not sort: first-seen order
        [1.5, 2.5, 0.5, 3.0],
    ],
    ids=["strings", "big ints", "numpy ints", "mixed", "floats"],
)
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_list_baskets_are_coded_as_the_general_builder_codes_them(labels, n_jobs):
    rng = np.random.default_rng(len(labels[0]) if isinstance(labels[0], str) else 1)
    lists = [
        [labels[i] for i in rng.choice(4, size=rng.integers(0, 5), replace=False)]
        for _ in range(80)
    ]
    # the miners read a list with its repeats; they must count an item once per basket
    for basket in lists[::3]:
        basket.extend(basket[:2])
    lists.append(tuple(labels[:2]))
    ours = crmmine.fpgrowth(lists, min_support=0.05, use_colnames=True, n_jobs=n_jobs)
    general = crmmine.fpgrowth(
        crmmine.Baskets.from_lists(lists), min_support=0.05, use_colnames=True
    )
    assert len(ours) > 8
    assert ours["itemsets"].tolist() == general["itemsets"].tolist()
    np.testing.assert_array_equal(ours["support"], general["support"])


def test_list_baskets_with_missing_or_unhashable_items_are_refused():
    with pytest.raises(ValueError, match="missing items"):
        crmmine.fpgrowth([["milk", None], ["milk"]], min_support=0.5)
    with pytest.raises(ValueError, match="missing items"):
        crmmine.fpgrowth([[1.0, float("nan")], [1.0]], min_support=0.5)
    with pytest.raises(TypeError, match="unhashable"):
        crmmine.fpgrowth([["milk", ["bread"]], ["milk"]], min_support=0.5)


def test_frozenset_builder_uses_the_labels_and_refuses_codes_without_one():
    from crmmine import _core

    labels = ["milk", 7, ("a", "tuple")]
    sets = _core.frozensets(
        np.array([0, 2, 2, 5], dtype=np.int64),
        np.array([1, 0, 2, 1, 0], dtype=np.int32),
        labels,
    )
    assert sets.dtype == object
    assert sets.tolist() == [
        frozenset({"milk", 7}),
        frozenset(),
        frozenset({("a", "tuple"), 7, "milk"}),
    ]
    assert next(iter(sets[0] - {7})) is labels[0]  # the label objects themselves
    with pytest.raises(ValueError, match="no label"):
        _core.frozensets(
            np.array([0, 1], dtype=np.int64), np.array([3], np.int32), labels
        )
    with pytest.raises(ValueError, match="within items"):
        _core.frozensets(
            np.array([0, 4], dtype=np.int64), np.array([0], np.int32), labels
        )
