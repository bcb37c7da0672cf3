"""RFM against a plain pandas implementation of the same documented policy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crmmine
from crmmine import _core

COLUMNS = dict(
    customer="CustomerID", date="InvoiceDate", amount="Amount", invoice="InvoiceNo"
)


def pandas_rfm(df, returns="exclude", monetary="total", bins=5, analysis_date=None):
    """The idiomatic pipeline: filter, groupby, qcut of first-ranks."""
    known = df[df.CustomerID.notna()]
    is_return = known.InvoiceNo.str.startswith("C") | (known.Amount < 0)
    purchases = known[~is_return]
    snapshot = (
        purchases.InvoiceDate.max() + pd.Timedelta(days=1)
        if analysis_date is None
        else pd.Timestamp(analysis_date)
    )
    table = purchases.groupby("CustomerID").agg(
        last=("InvoiceDate", "max"),
        frequency=("InvoiceNo", "nunique"),
        monetary=("Amount", "sum"),
    )
    if returns == "net":
        table["monetary"] = known.groupby("CustomerID")["Amount"].sum().loc[table.index]
    if monetary == "mean":
        table["monetary"] = table["monetary"] / table["frequency"]
    table["recency"] = (snapshot - table["last"]).dt.days
    up = list(range(1, bins + 1))
    table["r_score"] = pd.qcut(
        table.recency.rank(method="first"), bins, labels=up[::-1]
    )
    table["f_score"] = pd.qcut(table.frequency.rank(method="first"), bins, labels=up)
    table["m_score"] = pd.qcut(table.monetary.rank(method="first"), bins, labels=up)
    return table


def assert_same_rfm(ours, reference):
    assert ours.index.equals(reference.index.astype(ours.index.dtype))
    np.testing.assert_array_equal(ours.recency, reference.recency)
    np.testing.assert_array_equal(ours.frequency, reference.frequency)
    np.testing.assert_allclose(ours.monetary, reference.monetary, rtol=1e-9, atol=1e-9)
    for score in ("r_score", "f_score", "m_score"):
        np.testing.assert_array_equal(
            ours[score], reference[score].astype(int), err_msg=score
        )


@pytest.mark.slow
@pytest.mark.parametrize("returns", ["exclude", "net"])
@pytest.mark.parametrize("monetary", ["total", "mean"])
def test_matches_pandas_on_online_retail(online_retail, returns, monetary):
    ours = crmmine.rfm(online_retail, **COLUMNS, returns=returns, monetary=monetary)
    reference = pandas_rfm(online_retail, returns=returns, monetary=monetary)
    assert len(ours) == 4339  # customers with a purchase, as published analyses count
    assert_same_rfm(ours, reference)
    assert ours.attrs["dropped_rows_missing_customer"] == 135_080


@pytest.mark.slow
@pytest.mark.parametrize("bins", [2, 3, 4, 7, 10])
def test_other_bin_counts_match_pandas(online_retail, bins):
    ours = crmmine.rfm(online_retail, **COLUMNS, bins=bins, analysis_date="2012-01-01")
    reference = pandas_rfm(online_retail, bins=bins, analysis_date="2012-01-01")
    assert_same_rfm(ours, reference)
    assert ("segment" in ours.columns) == (bins == 5)


@pytest.mark.slow
def test_quantity_times_price_equals_amount_column(online_retail):
    by_amount = crmmine.rfm(online_retail, **COLUMNS)
    by_product = crmmine.rfm(
        online_retail,
        "CustomerID",
        "InvoiceDate",
        invoice="InvoiceNo",
        quantity="Quantity",
        price="UnitPrice",
    )
    pd.testing.assert_frame_equal(by_amount, by_product)


@pytest.mark.parametrize("n", [*range(2, 60), 99, 100, 121, 500, 1001, 4338])
@pytest.mark.parametrize("bins", [1, 2, 3, 4, 5, 6, 7, 9, 10])
def test_quantile_scores_equal_pandas_qcut_of_first_ranks(n, bins):
    values = (
        np.random.default_rng(n * 31 + bins)
        .integers(0, max(2, n // 3), n)
        .astype(float)
    )
    expected = pd.qcut(pd.Series(values).rank(method="first"), bins, labels=False) + 1
    np.testing.assert_array_equal(_core.quantile_scores(values, bins, False), expected)
    np.testing.assert_array_equal(
        _core.quantile_scores(values, bins, True), bins + 1 - expected
    )


def test_segments_equal_the_regex_replace_idiom(retail_sample):
    table = crmmine.rfm(retail_sample, **COLUMNS)
    cell = table.r_score.astype(str) + table.f_score.astype(str)
    idiom = cell.replace(crmmine.RFM_SEGMENT_MAP, regex=True)
    assert (table.segment.astype(str) == idiom).all()
    assert list(table.segment.cat.categories) == [
        "Champions",
        "Loyal Customers",
        "Potential Loyalists",
        "New Customers",
        "Promising",
        "Need Attention",
        "About to Sleep",
        "At Risk",
        "Can't Lose Them",
        "Hibernating",
    ]


def test_custom_segment_map_with_tuples_and_patterns(retail_sample):
    segment_map = {(3, 3): "Middle", "[1-3][1-5]": "Low", "[4-5][1-5]": "High"}
    table = crmmine.rfm(retail_sample, **COLUMNS, segment_map=segment_map)
    expected = np.where(
        (table.r_score == 3) & (table.f_score == 3),
        "Middle",
        np.where(table.r_score >= 4, "High", "Low"),
    )
    np.testing.assert_array_equal(table.segment.astype(str), expected)


def test_segment_map_for_other_bin_counts(retail_sample):
    table = crmmine.rfm(
        retail_sample,
        **COLUMNS,
        bins=3,
        segment_map={"3[1-3]": "Recent", "[1-2].": "Old"},
    )
    np.testing.assert_array_equal(
        table.segment.astype(str), np.where(table.r_score == 3, "Recent", "Old")
    )


def test_rfm_segments_summary(retail_sample):
    table = crmmine.rfm(retail_sample, **COLUMNS)
    summary = crmmine.rfm_segments(table)
    by_hand = table.groupby("segment", observed=True).agg(
        customers=("monetary", "size"),
        revenue=("monetary", "sum"),
        recency_mean=("recency", "mean"),
    )
    np.testing.assert_array_equal(summary.customers, by_hand.customers)
    np.testing.assert_allclose(summary.revenue, by_hand.revenue)
    np.testing.assert_allclose(summary.recency_mean, by_hand.recency_mean)
    np.testing.assert_allclose(summary.revenue_share.sum(), 1.0)
    np.testing.assert_allclose(summary.customer_share, summary.customers / len(table))
    from_log = crmmine.rfm_segments(retail_sample, **COLUMNS)
    pd.testing.assert_frame_equal(summary, from_log)


def test_rfm_segments_revenue_with_mean_monetary(retail_sample):
    total = crmmine.rfm_segments(retail_sample, **COLUMNS)
    mean = crmmine.rfm_segments(retail_sample, **COLUMNS, monetary="mean")
    np.testing.assert_allclose(total.revenue.sum(), mean.revenue.sum())


def test_transaction_log_input_and_invoice_free_visits(retail_sample):
    log = crmmine.TransactionLog.from_frame(retail_sample, **COLUMNS)
    pd.testing.assert_frame_equal(
        crmmine.rfm(log), crmmine.rfm(retail_sample, **COLUMNS)
    )
    visits = crmmine.rfm(retail_sample, "CustomerID", "InvoiceDate", "Amount")
    known = retail_sample[retail_sample.CustomerID.notna()]
    purchases = known[~known.InvoiceNo.str.startswith("C") & (known.Amount >= 0)]
    expected = purchases.groupby("CustomerID").InvoiceDate.nunique()
    np.testing.assert_array_equal(visits.frequency, expected.loc[visits.index])


def test_results_identical_for_one_and_two_threads(online_retail):
    crmmine.set_num_threads(1)
    one = crmmine.rfm(online_retail, **COLUMNS, returns="net")
    crmmine.set_num_threads(2)
    two = crmmine.rfm(online_retail, **COLUMNS, returns="net")
    pd.testing.assert_frame_equal(one, two, check_exact=True)
    three = crmmine.rfm(online_retail, **COLUMNS, returns="net", n_jobs=1)
    pd.testing.assert_frame_equal(one, three, check_exact=True)


def test_dates_as_text_days_and_timezones_agree():
    days = pd.to_datetime(["2024-01-01", "2024-01-03", "2024-02-01", "2024-02-10"])
    frame = pd.DataFrame(
        {
            "c": ["x", "y", "x", "z"],
            "d": days,
            "a": [1.0, 2.0, 3.0, 4.0],
            "i": [1, 2, 3, 4],
        }
    )
    reference = crmmine.rfm(frame, "c", "d", "a", "i")
    as_text = frame.assign(d=days.strftime("%Y-%m-%d"))
    as_days = frame.assign(d=days.to_numpy().astype("datetime64[D]"))
    in_zone = frame.assign(d=days.tz_localize("Europe/London"))
    for variant in (as_text, as_days, in_zone):
        pd.testing.assert_frame_equal(
            crmmine.rfm(variant, "c", "d", "a", "i"), reference
        )
    assert list(reference.recency) == [10, 39, 1]
    assert reference.attrs["analysis_date"] == pd.Timestamp("2024-02-11")
