"""The itemset column against pandas' own conformance suite for extension arrays, and
against mlxtend's object column of frozensets."""

import pickle
import sys

import numpy as np
import pandas as pd
import pytest
from pandas.tests.extension import base
from pandas.tests.extension.conftest import *  # noqa: F403 (the suite's fixtures)

import crmmine
from crmmine.basket import ItemsetArray, ItemsetDtype

A, B, C = frozenset({"a"}), frozenset({"b"}), frozenset({"a", "b"})  # A < B < C


def itemsets(*values):
    return ItemsetArray._from_sequence(list(values))


@pytest.fixture
def dtype():
    return ItemsetDtype()


@pytest.fixture
def data():
    labels = "abcdefgh"
    return itemsets(
        *(frozenset(labels[i : i + 1 + i % 3]) for i in range(7)),
        frozenset("aceg"),
        frozenset("bd"),
        frozenset("h"),
    )


@pytest.fixture
def data_missing():
    return itemsets(np.nan, A)


@pytest.fixture
def data_for_sorting():
    return itemsets(B, C, A)


@pytest.fixture
def data_missing_for_sorting():
    return itemsets(B, np.nan, A)


@pytest.fixture
def data_for_grouping():
    return itemsets(B, B, np.nan, np.nan, A, A, B, C)


@pytest.fixture
def na_cmp():
    return lambda left, right: left is right or (left != left and right != right)


#: pandas takes a set for a list of values, and this fails alike in an object column of
#: frozensets (checked in test_object_columns_of_frozensets_fail_alike)
SET_TAKEN_FOR_LIST = "pandas reads a frozenset value as a list of values"
#: pandas.testing's element comparison subscripts any iterable, and a frozenset has
#: no position; these tests are repeated below against an object column
SUBSCRIPTED = "pandas.testing subscripts frozensets while comparing"
KNOWN_FAILURES = {
    **dict.fromkeys(
        [
            "test_groupby_extension_agg[True]",
            "test_groupby_extension_no_sort",
            "test_groupby_apply_identity",
            "test_value_counts[data-True]",
            "test_value_counts[data-False]",
            "test_value_counts[data_missing-True]",
            "test_value_counts[data_missing-False]",
            "test_value_counts_with_normalize",
        ],
        SUBSCRIPTED,
    ),
    **dict.fromkeys(
        [
            "test_fillna_limit_frame",
            "test_fillna_limit_series",
            "test_fillna_copy_frame",
            "test_fillna_copy_series",
            "test_fillna_series",
            "test_fillna_frame",
            "test_setitem_sequence_broadcasts[True]",
            "test_setitem_loc_scalar_mixed",
            "test_setitem_loc_scalar_multiple_homogoneous",
            "test_setitem_iloc_scalar_mixed",
            "test_setitem_iloc_scalar_multiple_homogoneous",
            "test_setitem_mask[True-numpy-array]",
            "test_setitem_mask[True-boolean-array]",
            "test_setitem_mask[True-boolean-array-na]",
            "test_setitem_mask_boolean_array_with_na[True]",
            "test_setitem_integer_array[True-list]",
            "test_setitem_integer_array[True-integer-array]",
            "test_setitem_integer_array[True-numpy-array]",
            "test_setitem_mask_broadcast[loc]",
            "test_setitem_mask_broadcast[None]",
            "test_loc_setitem_with_expansion_preserves_ea_index_dtype",
            "test_setitem_slice[True]",
            "test_setitem_loc_iloc_slice",
            "test_series_constructor_scalar_with_index",
            "test_from_dtype",
        ],
        SET_TAKEN_FOR_LIST,
    ),
    **dict.fromkeys(
        ["test_searchsorted[True]", "test_searchsorted[False]"],
        "itemsets have no order to search in: searchsorted raises TypeError",
    ),
}


@pytest.fixture(autouse=True)
def _known_failures(request):
    reason = KNOWN_FAILURES.get(request.node.name)
    if reason is not None:
        request.applymarker(pytest.mark.xfail(reason=reason, strict=True))


class TestItemsetArray(
    base.BaseConstructorsTests,
    base.BaseDtypeTests,
    base.BaseGetitemTests,
    base.BaseInterfaceTests,
    base.BaseMissingTests,
    base.BasePrintingTests,
    base.BaseReshapingTests,
    base.BaseSetitemTests,
    base.BaseMethodsTests,
    base.BaseCastingTests,
    base.BaseGroupbyTests,
    base.BaseIndexTests,
):
    pass


# -- against an object column of frozensets (mlxtend's) --------------------------------

BASKETS = [
    ["milk", "bread"],
    ["milk", "eggs"],
    ["milk", "bread", "eggs"],
    ["bread", "butter"],
    ["milk", "bread", "butter"],
    ["eggs"],
]


@pytest.fixture
def mined():
    return crmmine.fpgrowth(BASKETS, min_support=1)


def as_objects(frame):
    return frame.astype({"itemsets": object})


def test_elements_are_frozensets_of_the_labels(mined):
    assert mined["itemsets"].dtype == ItemsetDtype()
    assert all(type(itemset) is frozenset for itemset in mined["itemsets"])
    found = crmmine.frequent_itemsets(BASKETS, min_support=1)
    expected = [frozenset(labels) for labels in found.to_lists()]
    assert mined["itemsets"].tolist() == expected
    assert list(np.asarray(mined["itemsets"])) == expected


def test_object_columns_of_frozensets_fail_alike():
    column = pd.Series([A, B, C], dtype=object)
    with pytest.raises(TypeError, match="frozenset"):
        pd.Series([np.nan, A], dtype=object).fillna(A)
    with pytest.raises(ValueError, match="different length"):
        column[[0, 1]] = A
    with pytest.raises(ValueError, match="does not match length"):
        pd.Series(A, index=[1, 2, 3], dtype=object)


def test_grouping_and_counting_match_an_object_column(mined):
    repeated = pd.concat([mined, mined.iloc[::2]], ignore_index=True)
    objects = as_objects(repeated)
    ours = repeated["itemsets"].value_counts()
    theirs = objects["itemsets"].value_counts()
    assert dict(zip(ours.index, ours, strict=True)) == dict(
        zip(theirs.index, theirs, strict=True)
    )
    ours = repeated.groupby("itemsets")["support"].sum()
    theirs = objects.groupby("itemsets")["support"].sum()
    assert dict(zip(ours.index, ours, strict=True)) == dict(
        zip(theirs.index, theirs, strict=True)
    )
    assert repeated["itemsets"].nunique() == len(mined)
    assert repeated["itemsets"].duplicated().sum() == len(repeated) - len(mined)


def test_comparisons_and_membership_match_an_object_column(mined):
    objects = as_objects(mined)
    for target in ({"milk", "bread"}, frozenset({"eggs"}), {"caviar"}, {"milk", 3}):
        np.testing.assert_array_equal(
            mined["itemsets"] == target, objects["itemsets"] == target
        )
        np.testing.assert_array_equal(
            mined["itemsets"] != target, objects["itemsets"] != target
        )
    wanted = [frozenset({"milk"}), frozenset({"bread", "milk"}), frozenset({"tea"})]
    np.testing.assert_array_equal(
        mined["itemsets"].isin(wanted), objects["itemsets"].isin(wanted)
    )
    shuffled = mined["itemsets"].sample(frac=1, random_state=0)
    np.testing.assert_array_equal(
        mined["itemsets"].array == shuffled.array,
        objects["itemsets"].to_numpy() == shuffled.to_numpy(dtype=object),
    )


def test_explode_apply_and_map_match_an_object_column(mined):
    objects = as_objects(mined)
    exploded = mined.explode("itemsets")
    expected = objects.explode("itemsets")
    # a frozenset has no order, so the rows of one itemset may come in any order
    pd.testing.assert_frame_equal(
        exploded.sort_values(["support", "itemsets"], kind="stable").sort_index(
            kind="stable"
        ),
        expected.sort_values(["support", "itemsets"], kind="stable").sort_index(
            kind="stable"
        ),
    )
    np.testing.assert_array_equal(
        mined["itemsets"].apply(len), objects["itemsets"].apply(len)
    )
    assert (
        mined["itemsets"].map(sorted).tolist()
        == objects["itemsets"].map(sorted).tolist()
    )
    with_missing = mined["itemsets"].reindex(range(len(mined) + 2))
    assert with_missing.isna().sum() == 2
    assert with_missing.explode().isna().sum() == 2


def test_frames_of_two_runs_combine_by_set(mined):
    other = crmmine.fpgrowth([["bread", "jam"], ["jam"], ["milk", "bread"]], 1)
    stacked = pd.concat([mined, other], ignore_index=True)
    assert stacked["itemsets"].tolist() == (
        mined["itemsets"].tolist() + other["itemsets"].tolist()
    )
    merged = mined.merge(other, on="itemsets")
    expected = as_objects(mined).merge(as_objects(other), on="itemsets")
    assert sorted(map(sorted, merged["itemsets"])) == sorted(
        map(sorted, expected["itemsets"])
    )
    np.testing.assert_array_equal(
        merged.sort_values("support_x")["support_x"],
        expected.sort_values("support_x")["support_x"],
    )


def test_setting_an_itemset_leaves_other_frames_alone(mined):
    copy = mined.copy()
    copy.at[0, "itemsets"] = frozenset({"tea", "milk"})  # a set the table lacks
    copy.at[1, "itemsets"] = frozenset({"milk"})
    assert copy["itemsets"][0] == {"tea", "milk"}
    assert copy["itemsets"][1] == {"milk"}
    assert mined["itemsets"][0] != {"tea", "milk"}
    assert copy["itemsets"].iloc[2:].tolist() == mined["itemsets"].iloc[2:].tolist()
    with pytest.raises(ValueError, match="one element takes one itemset"):
        copy["itemsets"].array[0] = ["milk"]
    whole = mined["itemsets"].array.copy()
    part = whole[2:5]
    part[0] = frozenset({"tea"})  # rebuilds the part's table
    assert part[0] == {"tea"}
    assert whole[2:5].tolist()[1:] == part.tolist()[1:]
    assert whole.tolist()[:2] + whole.tolist()[5:] == (
        mined["itemsets"].tolist()[:2] + mined["itemsets"].tolist()[5:]
    )


def test_sorting_orders_by_size_then_label(mined):
    ordered = mined.sort_values("itemsets")["itemsets"].map(sorted).tolist()
    assert ordered == sorted(ordered, key=lambda labels: (len(labels), labels))
    onehot = pd.DataFrame({"z": [1, 1, 0], "a": [1, 1, 1], "m": [0, 1, 1]}, dtype=bool)
    found = crmmine.fpgrowth(onehot, min_support=1, use_colnames=True)
    ordered = found.sort_values("itemsets")["itemsets"].map(sorted).tolist()
    assert ordered[:3] == [["a"], ["m"], ["z"]]
    assert ordered == sorted(ordered, key=lambda labels: (len(labels), labels))


def test_pickle_and_csv_round_trip(mined):
    again = pickle.loads(pickle.dumps(mined))
    assert again["itemsets"].dtype == ItemsetDtype()
    assert again.equals(mined)
    assert "frozenset({'milk'})" in mined.to_csv()


def test_the_column_is_a_fraction_of_the_frozensets_in_memory():
    generator = np.random.default_rng(0)
    baskets = [generator.choice(40, size=12, replace=False) for _ in range(300)]
    mined = crmmine.fpgrowth(baskets, min_support=8)
    assert len(mined) > 4_000
    objects = sum(sys.getsizeof(itemset) for itemset in mined["itemsets"])
    assert mined["itemsets"].array.nbytes * 5 < objects


def test_elements_that_are_not_sets_are_refused():
    with pytest.raises(TypeError, match="row 1 is str"):
        ItemsetArray._from_sequence([A, "milk"])


def test_mlxtend_rules_from_our_itemsets_equal_its_own():
    mlxtend = pytest.importorskip("mlxtend.frequent_patterns")
    from mlxtend.preprocessing import TransactionEncoder

    encoder = TransactionEncoder()
    onehot = pd.DataFrame(
        encoder.fit(BASKETS).transform(BASKETS), columns=encoder.columns_
    )
    ours = crmmine.fpgrowth(onehot, min_support=1 / 6, use_colnames=True)
    theirs = mlxtend.fpgrowth(onehot, min_support=1 / 6, use_colnames=True)
    from_ours = mlxtend.association_rules(ours, len(BASKETS), min_threshold=0.1)
    from_theirs = mlxtend.association_rules(theirs, len(BASKETS), min_threshold=0.1)

    def keyed(rules):
        keys = [
            (tuple(sorted(a)), tuple(sorted(c)))
            for a, c in zip(rules["antecedents"], rules["consequents"], strict=True)
        ]
        return (
            rules.drop(columns=["antecedents", "consequents"])
            .set_index(pd.MultiIndex.from_tuples(keys))
            .sort_index()
        )

    assert len(from_ours) > 10
    pd.testing.assert_frame_equal(keyed(from_ours), keyed(from_theirs))
