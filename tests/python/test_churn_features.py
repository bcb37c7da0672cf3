"""churn_features against a plain pandas implementation of its documented definitions,
and the proof that nothing from the cutoff on reaches a feature."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crmmine

COLUMNS = dict(
    customer="CustomerID", date="InvoiceDate", amount="Amount", invoice="InvoiceNo"
)


def slope(values: pd.Series) -> float:
    if len(values) < 2:
        return np.nan
    return float(np.polyfit(np.arange(len(values)), values.to_numpy(float), 1)[0])


def pandas_churn(df, cutoff, horizon_days, returns="exclude", quantity=False):
    """The documented policy with groupby, step by step."""
    cutoff = pd.Timestamp(cutoff)
    end = cutoff + pd.Timedelta(days=horizon_days)
    known = df[df.CustomerID.notna()].assign(row=lambda d: d.index.to_numpy())
    is_return = known.InvoiceNo.str.startswith("C") | (known.Amount < 0)
    before = known[known.InvoiceDate < cutoff]
    purchases = before[~is_return[before.index]]
    visits = (
        purchases.groupby(["CustomerID", "InvoiceNo"], sort=False)
        .agg(
            time=("InvoiceDate", "min"),
            first_row=("row", "min"),
            spend=("Amount", "sum"),
        )
        .reset_index()
        .sort_values(["CustomerID", "time", "first_row"])
    )
    visits["gap"] = visits.groupby("CustomerID").time.diff().dt.total_seconds() / 86400
    by_customer = visits.groupby("CustomerID")
    table = pd.DataFrame(
        {
            "recency_days": (
                cutoff - purchases.groupby("CustomerID").InvoiceDate.max()
            ).dt.days,
            "frequency": by_customer.size(),
        }
    )
    spent = (
        (before if returns == "net" else purchases).groupby("CustomerID").Amount.sum()
    )
    table["monetary"] = spent.loc[table.index]
    table["avg_basket_value"] = table.monetary / table.frequency
    if quantity:
        units = purchases.groupby("CustomerID").Quantity.sum()
        table["avg_basket_size"] = units / table.frequency
    table["tenure_days"] = (cutoff - by_customer.time.min()).dt.days
    table["gap_mean_days"] = by_customer.gap.mean()
    table["gap_trend"] = by_customer.gap.apply(lambda g: slope(g.dropna()))
    table["spend_trend"] = by_customer.spend.apply(slope)
    window = known[(known.InvoiceDate >= cutoff) & (known.InvoiceDate < end)]
    came_back = window[~is_return[window.index]].CustomerID.unique()
    churned = (~table.index.isin(came_back)).astype(np.int64)
    return table, pd.Series(churned, index=table.index, name="churned")


def assert_same(X, y, expected_X, expected_y):
    assert X.index.equals(expected_X.index.astype(X.index.dtype))
    assert list(X.columns) == list(expected_X.columns)
    for column in ("recency_days", "frequency", "tenure_days"):
        np.testing.assert_array_equal(X[column], expected_X[column], err_msg=column)
    for column in X.columns:
        np.testing.assert_allclose(
            X[column], expected_X[column], rtol=1e-9, atol=1e-9, err_msg=column
        )
    np.testing.assert_array_equal(y, expected_y)
    assert y.dtype == np.int64 and y.name == "churned"


@pytest.mark.parametrize(
    ("cutoff", "horizon", "returns"),
    [
        ("2011-09-01", 90, "exclude"),
        ("2011-09-01", 90, "net"),
        ("2011-03-15 12:00", 30, "exclude"),
        ("2011-12-01", 9, "net"),
    ],
)
def test_matches_pandas_on_the_sample(retail_sample, cutoff, horizon, returns):
    X, y = crmmine.churn_features(
        retail_sample, **COLUMNS, cutoff=cutoff, horizon_days=horizon, returns=returns
    )
    assert_same(X, y, *pandas_churn(retail_sample, cutoff, horizon, returns))
    assert X.attrs["cutoff"] == pd.Timestamp(cutoff)
    assert X.attrs["churn_rate"] == pytest.approx(y.mean())
    assert X.attrs["dropped_rows_missing_customer"] == 200


@pytest.mark.slow
@pytest.mark.parametrize("returns", ["exclude", "net"])
def test_matches_pandas_on_online_retail(online_retail, returns):
    X, y = crmmine.churn_features(
        online_retail,
        "CustomerID",
        "InvoiceDate",
        invoice="InvoiceNo",
        quantity="Quantity",
        price="UnitPrice",
        cutoff="2011-09-01",
        horizon_days=90,
        returns=returns,
    )
    expected = pandas_churn(online_retail, "2011-09-01", 90, returns, quantity=True)
    assert_same(X, y, *expected)
    assert 2500 < len(X) < 4339  # customers who bought before September 2011
    assert 0.2 < y.mean() < 0.6


def test_one_and_two_threads_agree(online_retail):
    results = [
        crmmine.churn_features(
            online_retail, **COLUMNS, cutoff="2011-06-01", horizon_days=120, n_jobs=n
        )
        for n in (1, 2)
    ]
    pd.testing.assert_frame_equal(results[0][0], results[1][0], check_exact=True)
    pd.testing.assert_series_equal(results[0][1], results[1][1], check_exact=True)


def with_coverage(frame, day):
    """The frame plus an anonymous sale on `day`, so the log reaches it."""
    extra = frame.iloc[:1].assign(
        CustomerID=pd.array([pd.NA], dtype=frame.CustomerID.dtype),
        InvoiceDate=pd.Timestamp(day),
        InvoiceNo="X-coverage",
    )
    return pd.concat([frame, extra], ignore_index=True)


@pytest.mark.parametrize("seed", range(3))
def test_rows_from_the_cutoff_on_never_reach_a_feature(retail_sample, seed):
    cutoff, horizon = pd.Timestamp("2011-07-01"), 60
    end = cutoff + pd.Timedelta(days=horizon)
    options = dict(**COLUMNS, cutoff=cutoff, horizon_days=horizon, quantity="Quantity")
    X, y = crmmine.churn_features(retail_sample, **options)

    # rewrite everything from the cutoff on: customers, amounts, units, dates
    rng = np.random.default_rng(seed)
    later = retail_sample.InvoiceDate >= cutoff
    changed = retail_sample.copy()
    n_later = int(later.sum())
    changed.loc[later, "CustomerID"] = rng.permutation(
        changed.loc[later, "CustomerID"].to_numpy()
    )
    changed.loc[later, "Amount"] = rng.normal(0, 100, n_later)
    changed.loc[later, "Quantity"] = rng.integers(-5, 50, n_later)
    dates = changed.InvoiceDate.to_numpy().copy()
    shift = rng.integers(0, 200 * 86400, n_later).astype("timedelta64[s]")
    dates[later.to_numpy()] = (cutoff.to_datetime64() + shift).astype(dates.dtype)
    changed["InvoiceDate"] = dates
    X_changed, y_changed = crmmine.churn_features(
        with_coverage(changed, end), **options
    )
    pd.testing.assert_frame_equal(X, X_changed, check_exact=True)
    assert not y.equals(y_changed)  # the labels do see the window

    # drop everything from the end of the window on: features and labels unchanged
    kept = with_coverage(retail_sample[retail_sample.InvoiceDate < end], end)
    X_kept, y_kept = crmmine.churn_features(kept, **options)
    pd.testing.assert_frame_equal(X, X_kept, check_exact=True)
    pd.testing.assert_series_equal(y, y_kept, check_exact=True)

    # drop everything from the cutoff on: the features stay, every label becomes 1
    before = with_coverage(retail_sample[retail_sample.InvoiceDate < cutoff], end)
    X_before, y_before = crmmine.churn_features(before, **options)
    pd.testing.assert_frame_equal(X, X_before, check_exact=True)
    assert (y_before == 1).all() and (y == 0).any()


def test_window_edges_and_definitions_by_hand():
    day = pd.Timestamp
    log = pd.DataFrame(
        [
            # a: three visits before the cutoff, one exactly at it (label only)
            ("a", "2024-01-01", 10.0, 1, "i1"),
            ("a", "2024-01-11", 5.0, 2, "i2"),
            ("a", "2024-01-11", 15.0, 1, "i2"),
            ("a", "2024-01-31", 60.0, 4, "i3"),
            ("a", "2024-02-01", 99.0, 9, "i4"),
            # b: one second before the cutoff; back exactly when the window closes
            ("b", "2024-01-31 23:59:59", 7.0, 1, "i5"),
            ("b", "2024-03-02", 8.0, 1, "i6"),
            # c: only after the cutoff; d: only a return before it
            ("c", "2024-02-10", 3.0, 1, "i7"),
            ("d", "2024-01-05", -4.0, -1, "i8"),
            # e: a cancelled invoice inside the window does not count as a return visit
            ("e", "2024-01-20", 12.0, 3, "i9"),
            ("e", "2024-02-15", 12.0, 3, "Ci10"),
        ],
        columns=["cust", "when", "money", "units", "invoice"],
    ).assign(when=lambda d: pd.to_datetime(d.when, format="ISO8601"))
    X, y = crmmine.churn_features(
        log,
        "cust",
        "when",
        "money",
        "invoice",
        quantity="units",
        cutoff=day("2024-02-01"),
        horizon_days=30,
    )
    assert list(X.index) == ["a", "b", "e"]
    assert X.index.name == "cust"
    a = X.loc["a"]
    assert (a.recency_days, a.frequency, a.tenure_days) == (1, 3, 31)
    assert (a.monetary, a.avg_basket_value, a.avg_basket_size) == (90.0, 30.0, 8 / 3)
    assert (a.gap_mean_days, a.gap_trend, a.spend_trend) == (15.0, 10.0, 25.0)
    b = X.loc["b"]
    assert (b.recency_days, b.tenure_days, b.frequency) == (0, 0, 1)
    assert (
        np.isnan(b.gap_mean_days) and np.isnan(b.gap_trend) and np.isnan(b.spend_trend)
    )
    assert y.to_dict() == {"a": 0, "b": 1, "e": 1}


def test_visits_without_invoices_and_log_objects(retail_sample):
    cutoff = "2011-08-01"
    X, _ = crmmine.churn_features(
        retail_sample,
        "CustomerID",
        "InvoiceDate",
        "Amount",
        cutoff=cutoff,
        horizon_days=60,
    )
    known = retail_sample[retail_sample.CustomerID.notna()]
    # without invoices there are no cancelled invoices: returns are negative amounts
    bought = known[(known.InvoiceDate < cutoff) & (known.Amount >= 0)]
    visits = bought.groupby("CustomerID").InvoiceDate.nunique()
    np.testing.assert_array_equal(X.frequency, visits.loc[X.index])

    log = crmmine.TransactionLog.from_frame(retail_sample, **COLUMNS)
    from_log = crmmine.churn_features(log, cutoff=cutoff, horizon_days=60)
    from_frame = crmmine.churn_features(
        retail_sample, **COLUMNS, cutoff=cutoff, horizon_days=60
    )
    pd.testing.assert_frame_equal(from_log[0], from_frame[0])
    pd.testing.assert_series_equal(from_log[1], from_frame[1])
    with_units = crmmine.churn_features(
        retail_sample, **COLUMNS, quantity="Quantity", cutoff=cutoff, horizon_days=60
    )[0]
    pd.testing.assert_frame_equal(
        with_units.drop(columns="avg_basket_size"), from_frame[0]
    )
