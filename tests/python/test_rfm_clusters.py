"""RFM clustering: scaling against scikit-learn's StandardScaler, profiles against a
groupby of the labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import StandardScaler

import crmmine

COLUMNS = dict(
    customer="CustomerID", date="InvoiceDate", amount="Amount", invoice="InvoiceNo"
)


@pytest.fixture(scope="module")
def table(online_retail):
    return crmmine.rfm(online_retail, **COLUMNS)


def test_scale_rfm_is_log1p_then_standard_scaler(table):
    scaled = crmmine.scale_rfm(table)
    expected = StandardScaler().fit_transform(
        np.log1p(table[["recency", "frequency", "monetary"]])
    )
    np.testing.assert_allclose(scaled.to_numpy(), expected, rtol=1e-12, atol=1e-12)
    assert scaled.index.equals(table.index)


def test_segment_customers_profile_matches_its_labels(table):
    segments = crmmine.segment_customers(table, n_clusters=4, random_state=0)
    labels, profile = segments.labels, segments.profile
    assert labels.index.equals(table.index)
    by_hand = table.groupby(labels)
    np.testing.assert_array_equal(profile["customers"], by_hand.size())
    np.testing.assert_allclose(profile["monetary_mean"], by_hand["monetary"].mean())
    revenue_share = by_hand["monetary"].sum() / table["monetary"].sum()
    np.testing.assert_allclose(profile["revenue_share"], revenue_share)
    assert profile["revenue_share"].is_monotonic_decreasing
    assert profile["name"].is_unique
    top = profile.iloc[0]
    assert top["name"].startswith("high value")
    # relabelled model still predicts the same clusters
    scaled = crmmine.scale_rfm(table).to_numpy()
    np.testing.assert_array_equal(segments.model.predict(scaled), labels.to_numpy())


def test_segment_customers_is_deterministic(table):
    first = crmmine.segment_customers(table, n_clusters=5, random_state=1)
    again = crmmine.segment_customers(table, n_clusters=5, random_state=1)
    pd.testing.assert_series_equal(first.labels, again.labels)


def test_scale_rfm_needs_the_rfm_columns():
    with pytest.raises(ValueError, match="lacks the column"):
        crmmine.scale_rfm(pd.DataFrame({"recency": [1, 2]}))
