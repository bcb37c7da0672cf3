"""Recommendations against a naive Python scorer, and every basket input form."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import crmmine

LISTS = [
    ["milk", "bread", "eggs"],
    ["milk", "bread"],
    ["bread", "butter"],
    ["milk", "eggs", "butter"],
    ["milk", "bread", "butter", "eggs"],
    ["eggs", "jam"],
    ["milk", "jam"],
]


def naive(rules, basket, top_n, metric, tie_break, aggregate, exclude, order):
    """Score every item by the rules whose antecedent the basket holds; rank by
    (score, tie-break) descending, then by the item's position in ``order``."""
    held = set(basket)
    votes: dict[object, list[tuple[float, float]]] = {}
    for antecedent, consequent, score, tie in zip(
        rules["antecedents"],
        rules["consequents"],
        rules[metric],
        rules[tie_break],
        strict=True,
    ):
        if antecedent <= held:
            for label in consequent:
                if not (exclude and label in held):
                    votes.setdefault(label, []).append((score, tie))
    combined = {}
    for label, pairs in votes.items():
        if aggregate == "max":
            combined[label] = max(pairs)
        else:
            total_score, total_tie = 0.0, 0.0
            for score, tie in pairs:
                total_score += score
                total_tie += tie
            combined[label] = (total_score, total_tie)
    position = {label: i for i, label in enumerate(order)}
    ranked = sorted(
        combined, key=lambda x: (-combined[x][0], -combined[x][1], position[x])
    )
    return [(label, combined[label][0]) for label in ranked[:top_n]]


@pytest.fixture(scope="module")
def rules():
    items = crmmine.fpgrowth(LISTS, min_support=1)
    return crmmine.association_rules(items, min_threshold=0.2)


def labels_of(rules):
    *_, labels = rules["antecedents"].array.to_codes()
    return labels


baskets = st.lists(
    st.lists(
        st.sampled_from(["milk", "bread", "eggs", "butter", "jam", "tea"]),
        max_size=4,
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=50, deadline=None)
@given(
    many=baskets,
    top_n=st.integers(1, 6),
    metric=st.sampled_from(["lift", "confidence", "support", "leverage"]),
    aggregate=st.sampled_from(["max", "sum"]),
    exclude=st.booleans(),
)
def test_matches_the_naive_scorer(rules, many, top_n, metric, aggregate, exclude):
    tie_break = "lift" if metric == "confidence" else "confidence"
    got = crmmine.recommend(
        rules,
        many,
        top_n=top_n,
        metric=metric,
        aggregate=aggregate,
        exclude_basket=exclude,
    )
    assert list(got.columns) == ["basket", "rank", "item", "score"]
    order = labels_of(rules)
    for position, basket in enumerate(many):
        mine = got[got["basket"] == position]
        expected = naive(
            rules, basket, top_n, metric, tie_break, aggregate, exclude, order
        )
        assert list(zip(mine["item"], mine["score"], strict=True)) == expected
        assert mine["rank"].tolist() == list(range(1, len(mine) + 1))


@pytest.mark.slow
def test_groceries_against_the_naive_scorer(shared_data):
    with gzip.open(shared_data("groceries.csv.gz"), "rt") as file:
        lists = [line.split(",") for line in file.read().splitlines()]
    items = crmmine.fpgrowth(lists, min_support=0.002)
    rules = crmmine.association_rules(items, min_threshold=0.3)
    sample = lists[:300]
    got = crmmine.recommend(rules, sample, top_n=3, metric="lift", aggregate="sum")
    order = labels_of(rules)
    for position in range(0, 300, 7):
        mine = got[got["basket"] == position]
        expected = naive(
            rules, sample[position], 3, "lift", "confidence", "sum", True, order
        )
        assert list(zip(mine["item"], mine["score"], strict=True)) == expected


def test_one_basket_gives_a_ranked_table(rules):
    got = crmmine.recommend(rules, ["bread", "jam"], top_n=3, metric="confidence")
    expected = naive(
        rules,
        ["bread", "jam"],
        3,
        "confidence",
        "lift",
        "max",
        True,
        labels_of(rules),
    )
    assert list(got.columns) == ["item", "score"]
    assert list(zip(got["item"], got["score"], strict=True)) == expected
    assert len(got) == 3


def test_every_basket_form_gives_the_same_answer(rules):
    many = [["milk"], ["bread", "eggs"], ["jam", "unknown item"]]
    reference = crmmine.recommend(rules, many)
    long = pd.DataFrame(
        [(f"c{i}", label) for i, basket in enumerate(many) for label in basket],
        columns=["customer", "sku"],
    )
    forms = {
        "dict": crmmine.recommend(rules, {f"c{i}": b for i, b in enumerate(many)}),
        "long": crmmine.recommend(rules, long, transaction="customer", item="sku"),
        "Baskets": crmmine.recommend(
            rules, crmmine.Baskets.from_long(long, "customer", "sku")
        ),
        "tuples": crmmine.recommend(rules, [tuple(b) for b in many]),
    }
    for name, got in forms.items():
        np.testing.assert_array_equal(got["item"], reference["item"], err_msg=name)
        np.testing.assert_array_equal(got["score"], reference["score"], err_msg=name)
        np.testing.assert_array_equal(got["rank"], reference["rank"], err_msg=name)
    assert forms["dict"]["basket"].iloc[0] == "c0"
    assert set(forms["long"]["basket"]) <= {"c0", "c1", "c2"}
    for position, basket in enumerate(many):
        one = crmmine.recommend(rules, basket)
        mine = reference[reference["basket"] == position]
        np.testing.assert_array_equal(one["item"], mine["item"])


def test_unknown_labels_are_ignored(rules):
    with_unknown = crmmine.recommend(rules, ["bread", "caviar", 42])
    without = crmmine.recommend(rules, ["bread"])
    pd.testing.assert_frame_equal(with_unknown, without)


def test_rules_without_codes_give_the_same_answer(rules):
    rebuilt = rules.astype({"antecedents": object, "consequents": object})
    many = [["milk"], ["bread", "eggs"], ["butter"]]
    ours = crmmine.recommend(rules, many, metric="confidence")
    again = crmmine.recommend(rebuilt, many, metric="confidence")
    # the codes come from sorted labels either way, so even ties come out the same
    pd.testing.assert_frame_equal(ours, again)
    kept = rules[rules["lift"] > 1.0]
    assert crmmine.recommend(kept, many).equals(
        crmmine.recommend(kept.reset_index(drop=True), many)
    )


def test_mlxtend_rules(rules):
    """Rules made by mlxtend (frozensets only) recommend what crmmine's do."""
    mlxtend = pytest.importorskip("mlxtend.frequent_patterns")
    table = pd.DataFrame(
        [[label in b for label in labels_of(rules)] for b in LISTS],
        columns=list(labels_of(rules)),
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        theirs = mlxtend.association_rules(
            mlxtend.fpgrowth(table, min_support=1 / 7, use_colnames=True),
            num_itemsets=7,
            min_threshold=0.1,
        )
    ours_rules = crmmine.association_rules(
        crmmine.fpgrowth(LISTS, min_support=1), min_threshold=0.1
    )
    for basket in (["milk"], ["bread", "eggs"]):
        ours = crmmine.recommend(ours_rules, basket, top_n=10)
        got = crmmine.recommend(theirs, basket, top_n=10)
        assert set(got["item"]) == set(ours["item"])
        np.testing.assert_allclose(sorted(got["score"]), sorted(ours["score"]))


def test_no_rule_fires(rules):
    got = crmmine.recommend(rules, ["tea"])
    assert len(got) == 0
    assert list(got.columns) == ["item", "score"]
