"""The lifetime-value section of `crmmine report`."""

from __future__ import annotations

import pandas as pd

import crmmine
from crmmine.__main__ import main
from crmmine.report import clv_report

COLUMNS = dict(
    customer="CustomerID", date="InvoiceDate", amount="Amount", invoice="InvoiceNo"
)


def test_report_prints_expected_clv_by_tier_and_top_customers(capsys, retail_sample):
    assert main(["report"]) == 0
    out = capsys.readouterr().out
    assert "Customer lifetime value" in out and "Top 10 customers" in out
    summary = crmmine.clv.summary(retail_sample, **COLUMNS)
    bg = crmmine.clv.BetaGeo().fit(summary)
    gg = crmmine.clv.GammaGamma().fit(summary)
    value = crmmine.clv.lifetime_value(bg, gg, summary, time=12)
    assert f"expected value of the next 12 months: {value.sum():,.0f}" in out
    best = value.idxmax()
    line = next(row for row in out.splitlines() if row.startswith(str(best)))
    assert line.endswith(f"{value.max():,.0f}")
    # the tiers' CLV adds up to the total
    tiers = crmmine.value_tiers(crmmine.rfm(retail_sample, **COLUMNS)["monetary"])
    by_tier = value.groupby(tiers["tier"].reindex(value.index), observed=False).sum()
    section = out.split("Expected CLV by value tier")[1].splitlines()
    for tier, total in by_tier.items():
        row = next(r for r in section if r.startswith(f"{tier} "))
        assert f"{total:,.0f}" in row


def test_a_log_the_models_cannot_fit_gives_a_note():
    one_purchase_each = pd.DataFrame(
        {
            "CustomerID": [1, 2, 3],
            "InvoiceDate": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]),
            "Amount": [1.0, 2.0, 3.0],
            "InvoiceNo": ["a", "b", "c"],
        }
    )
    text = clv_report(one_purchase_each, **COLUMNS)
    assert "not available for this log: frequency: no customer has a repeat" in text
