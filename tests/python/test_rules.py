"""Association rules: the arules counts on Groceries, and mlxtend's rules and metric
values (every column, inf and NaN included) on random and real itemsets."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import crmmine

mlxtend = pytest.importorskip("mlxtend.frequent_patterns")

METRICS = [
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
]
#: differences of supports: compared with an absolute tolerance too, since a value
#: that is 0 in exact arithmetic comes out as +-1e-17 on one side or the other
DIFFERENCES = {"leverage", "zhangs_metric", "certainty"}
LISTS = [
    ["milk", "bread", "eggs"],
    ["milk", "bread"],
    ["bread", "butter"],
    ["milk", "eggs", "butter"],
    ["milk", "bread", "butter", "eggs"],
    ["eggs"],
    ["milk"],
]


def mlxtend_rules(*args, **kwargs) -> pd.DataFrame:
    """mlxtend's rules; it divides by zero on the way to its inf / 0 special cases."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return mlxtend.association_rules(*args, **kwargs)


def onehot(lists) -> pd.DataFrame:
    columns = sorted({label for basket in lists for label in basket})
    return pd.DataFrame(
        [[label in basket for label in columns] for basket in lists], columns=columns
    )


def keyed(rules: pd.DataFrame) -> pd.DataFrame:
    """Rules indexed by (antecedent, consequent) as sorted tuples of labels."""
    keys = [
        (tuple(sorted(map(str, a))), tuple(sorted(map(str, c))))
        for a, c in zip(rules["antecedents"], rules["consequents"], strict=True)
    ]
    out = rules.drop(columns=["antecedents", "consequents"])
    out.index = pd.MultiIndex.from_tuples(keys) if keys else pd.Index([])
    assert out.index.is_unique
    return out.sort_index()


def assert_same_rules(ours: pd.DataFrame, theirs: pd.DataFrame, columns=METRICS):
    ours, theirs = keyed(ours), keyed(theirs)
    assert list(ours.index) == list(theirs.index)
    for column in columns:
        a = ours[column].to_numpy(dtype=float)
        b = theirs[column].to_numpy(dtype=float)
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=column)
        np.testing.assert_array_equal(np.isinf(a), np.isinf(b), err_msg=column)
        np.testing.assert_array_equal(a[np.isinf(a)], b[np.isinf(b)], err_msg=column)
        finite = np.isfinite(a)
        np.testing.assert_allclose(
            a[finite],
            b[finite],
            rtol=1e-12,
            atol=1e-12 if column in DIFFERENCES else 0,
            err_msg=column,
        )


def assert_threshold_agrees(ours, theirs_all, metric, threshold):
    """Ours with a threshold = mlxtend's full rule set filtered, up to rules whose
    value is within rounding of the threshold (crmmine decides those exactly)."""
    theirs_all = keyed(theirs_all)
    value = theirs_all[metric].to_numpy(dtype=float)
    near = np.isclose(value, threshold, rtol=1e-12, atol=1e-12)
    sure = theirs_all.index[(value >= threshold) & ~near]
    possible = theirs_all.index[(value >= threshold) | near]
    got = set(keyed(ours).index)
    assert set(sure) <= got <= set(possible)


# -- published counts ------------------------------------------------------------------


@pytest.fixture(scope="module")
def groceries_itemsets(shared_data):
    with gzip.open(shared_data("groceries.csv.gz"), "rt") as file:
        lists = [line.split(",") for line in file.read().splitlines()]
    return crmmine.fpgrowth(lists, min_support=0.001)


@pytest.mark.slow
def test_groceries_rule_counts(groceries_itemsets):
    """arules: apriori(Groceries, supp=0.001, conf=0.5) gives 5,668 rules."""
    single = crmmine.association_rules(
        groceries_itemsets, min_threshold=0.5, consequents="single"
    )
    assert len(single) == 5_668
    assert (single["consequents"].map(len) == 1).all()
    every = crmmine.association_rules(groceries_itemsets, min_threshold=0.5)
    assert len(every) == 5_829
    assert every["confidence"].min() >= 0.5
    one_item = every[every["consequents"].map(len) == 1]
    assert_same_rules(one_item, single)


@pytest.mark.slow
def test_groceries_rules_match_mlxtend(groceries_itemsets):
    items = groceries_itemsets[groceries_itemsets["support"] >= 0.005].copy()
    items.attrs = {}  # without the number of transactions crmmine records
    items["itemsets"] = items["itemsets"].astype(object)  # frozensets, as mlxtend's
    ours = crmmine.association_rules(
        items, num_itemsets=9835, metric="lift", min_threshold=0.0
    )
    theirs = mlxtend_rules(items, num_itemsets=9835, metric="lift", min_threshold=0.0)
    assert len(ours) > 1_000
    assert_same_rules(ours, theirs)


# -- random itemsets -------------------------------------------------------------------

databases = st.lists(
    st.sets(st.integers(0, 6), min_size=1, max_size=5), min_size=2, max_size=20
)


@settings(max_examples=40, deadline=None)
@given(
    baskets=databases,
    min_support=st.sampled_from([0.05, 0.1, 0.2, 0.3]),
    metric=st.sampled_from(METRICS),
    threshold=st.sampled_from([0.0, 0.1, 0.5, 0.8, 1.0, 1.5]),
)
def test_same_rules_and_metrics_as_mlxtend(baskets, min_support, metric, threshold):
    table = onehot([sorted(b) for b in baskets])
    table.columns = [f"i{c}" for c in table.columns]
    items = crmmine.fpgrowth(table, min_support=min_support, use_colnames=True)
    theirs_all = mlxtend_rules(
        items, num_itemsets=len(table), metric="support", min_threshold=0.0
    )
    ours_all = crmmine.association_rules(items, metric="support", min_threshold=0.0)
    assert_same_rules(ours_all, theirs_all)
    ours = crmmine.association_rules(items, metric=metric, min_threshold=threshold)
    assert_threshold_agrees(ours, theirs_all, metric, threshold)


def test_column_order_and_default_threshold_as_mlxtend():
    items = crmmine.apriori(onehot(LISTS), min_support=0.2, use_colnames=True)
    ours = crmmine.association_rules(items)
    theirs = mlxtend_rules(items, num_itemsets=len(LISTS))
    assert list(ours.columns) == list(theirs.columns)
    assert_same_rules(ours, theirs)
    assert all(isinstance(s, frozenset) for s in ours["antecedents"])


def test_column_positions_when_use_colnames_is_false():
    table = onehot(LISTS)
    items = crmmine.fpgrowth(table, min_support=0.2)
    ours = crmmine.association_rules(items, min_threshold=0.5)
    theirs = mlxtend_rules(
        mlxtend.fpgrowth(table, min_support=0.2), num_itemsets=7, min_threshold=0.5
    )
    assert_same_rules(ours, theirs)


def test_mlxtend_itemsets_need_num_itemsets():
    table = onehot(LISTS)
    theirs_items = mlxtend.apriori(table, min_support=0.2, use_colnames=True)
    ours = crmmine.association_rules(theirs_items, num_itemsets=7, min_threshold=0.3)
    theirs = mlxtend_rules(theirs_items, num_itemsets=7, min_threshold=0.3)
    assert_same_rules(ours, theirs)
    with pytest.raises(ValueError, match="num_itemsets"):
        crmmine.association_rules(theirs_items)


def test_filtered_itemsets_keep_their_codes():
    items = crmmine.fpgrowth(LISTS, min_support=0.2)
    kept = items[items["support"] >= 3 / 7]
    assert isinstance(kept["itemsets"].array, crmmine.basket.ItemsetArray)
    ours = crmmine.association_rules(kept, min_threshold=0.3)
    rebuilt = kept.astype({"itemsets": object})
    rebuilt.attrs = {}
    assert_same_rules(ours, crmmine.association_rules(rebuilt, 7, min_threshold=0.3))
    assert len(ours) > 0


def test_fast_path_itemsets():
    found = crmmine.frequent_itemsets(LISTS, 0.2)
    from_codes = crmmine.association_rules(found, min_threshold=0.4)
    from_frame = crmmine.association_rules(found.to_frame(), min_threshold=0.4)
    assert_same_rules(from_codes, from_frame)


# -- crmmine's extras ------------------------------------------------------------------


def test_filters_select_from_the_full_rule_set():
    items = crmmine.fpgrowth(LISTS, min_support=1)
    full = crmmine.association_rules(items, min_threshold=0.0)
    sizes_a, sizes_c = full["antecedents"].map(len), full["consequents"].map(len)
    cases = [
        (dict(consequents="single"), sizes_c == 1),
        (dict(max_antecedent_len=1), sizes_a <= 1),
        (dict(max_consequent_len=2), sizes_c <= 2),
        (dict(must_contain=["milk", "eggs"]), full.apply(has("milk", "eggs"), axis=1)),
        (
            dict(consequent_in=["bread", "butter"]),
            full["consequents"].map(lambda c: c <= {"bread", "butter"}),
        ),
    ]
    for options, mask in cases:
        got = crmmine.association_rules(items, min_threshold=0.0, **options)
        assert_same_rules(got, full[mask.to_numpy()])
        assert 0 < len(got) < len(full), options


def has(*labels):
    return lambda row: set(labels) <= row["antecedents"] | row["consequents"]


def test_return_metrics_and_support_only():
    items = crmmine.fpgrowth(LISTS, min_support=0.2, use_colnames=True)
    chosen = ["lift", "support"]
    ours = crmmine.association_rules(items, return_metrics=chosen, min_threshold=0)
    assert list(ours.columns) == ["antecedents", "consequents", *chosen]
    longer = items[items["itemsets"].map(len) >= 2]  # no singletons: not complete
    ours = crmmine.association_rules(longer, support_only=True, min_threshold=0.2)
    theirs = mlxtend_rules(longer, support_only=True, min_threshold=0.2)
    assert_same_rules(ours, theirs)
    assert ours["confidence"].isna().all()


def test_incomplete_itemsets_are_refused():
    closed = crmmine.fpgrowth(LISTS, min_support=1, kind="closed")
    with pytest.raises(ValueError, match="itemsets"):
        crmmine.association_rules(closed, min_threshold=0.1)


def test_thread_count_does_not_change_the_rules():
    items = crmmine.fpgrowth(LISTS, min_support=1)
    one = crmmine.association_rules(items, min_threshold=0.0, n_jobs=1)
    two = crmmine.association_rules(items, min_threshold=0.0, n_jobs=2)
    pd.testing.assert_frame_equal(one, two)


def test_rule_guard():
    items = crmmine.fpgrowth(LISTS, min_support=1)
    with pytest.raises(crmmine.ResourceLimitError, match="max_rules"):
        crmmine.association_rules(items, min_threshold=0.0, max_rules=3)
