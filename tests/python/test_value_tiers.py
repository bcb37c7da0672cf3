"""Value tiers against a plain loop over the sorted customers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crmmine


def loop_tiers(values: pd.Series, cuts, names):
    ordered = values.sort_values(ascending=False, kind="stable")
    total = ordered[ordered > 0].sum()
    tiers, running = {}, 0.0
    for customer, value in ordered.items():
        if value <= 0:
            tiers[customer] = names[-1]
            continue
        tier = next(
            (n for n, c in zip(names, cuts, strict=False) if running < c), names[-1]
        )
        tiers[customer] = tier
        running += value / total
    return pd.Series(tiers)


@pytest.mark.parametrize("cuts", [(0.8, 0.95), (0.5,), (0.6, 0.8, 0.9)])
def test_tiers_equal_a_plain_loop(cuts):
    rng = np.random.default_rng(len(cuts))
    values = pd.Series(rng.pareto(1.2, 500) * 100, index=[f"c{i}" for i in range(500)])
    values.iloc[:5] = [0.0, -20.0, 0.0, 3.0, 3.0]
    names = [f"tier{i}" for i in range(len(cuts) + 1)]
    table = crmmine.value_tiers(values, cuts=cuts, names=names)
    expected = loop_tiers(values, cuts, names)
    assert table["tier"].astype(str).to_dict() == expected.to_dict()
    assert list(table.index) == list(
        values.sort_values(ascending=False, kind="stable").index
    )


def test_pareto_summary_on_online_retail(online_retail):
    table = crmmine.rfm(
        online_retail, "CustomerID", "InvoiceDate", "Amount", "InvoiceNo"
    )
    tiers = crmmine.value_tiers(table["monetary"], names="abc")
    summary = crmmine.value_tier_summary(tiers)
    assert list(summary.index) == ["A", "B", "C"]
    assert summary["customers"].sum() == len(table)
    np.testing.assert_allclose(summary["value_share"].sum(), 1.0)
    # the key tier reaches 80% of revenue, and drops below it without its last customer
    key = tiers[tiers["tier"] == "A"]
    assert key["share"].sum() >= 0.8 > key["share"].sum() - key["share"].iloc[-1]
    assert summary.loc["A", "customer_share"] < 0.35  # a few customers bring most value


@pytest.mark.parametrize(
    ("values", "options", "message"),
    [
        ([], {}, "values is empty"),
        ([1.0, np.nan], {}, "missing or infinite"),
        ([-1.0, 0.0], {}, "no positive value"),
        ([1.0, 2.0], {"cuts": (0.9, 0.5)}, "cuts must increase"),
        ([1.0, 2.0], {"cuts": (0.8, 1.2)}, "cuts must increase"),
        ([1.0, 2.0], {"names": ["a", "b"]}, "names needs 3"),
        ([1.0, 2.0], {"names": "xyz"}, "names must be"),
        ([1.0, 2.0], {"cuts": (0.5,), "names": "abc"}, "has 3 tiers but 1 cuts"),
    ],
)
def test_bad_input_is_refused(values, options, message):
    with pytest.raises(ValueError, match=message):
        crmmine.value_tiers(pd.Series(values, dtype=float), **options)
