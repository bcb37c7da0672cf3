"""crmmine.clv.summary and calibration_and_holdout against lifetimes' own functions on
CDNOW, Online Retail and random logs."""

from __future__ import annotations

import contextlib
import typing
import warnings

import numpy as np
import pandas as pd
import pytest

import crmmine


@contextlib.contextmanager
def quiet():
    """lifetimes predates pandas 3 and warns about options it sets; not our concern."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


class _NumpyWithCalendarUnits:
    """numpy as lifetimes.utils uses it, except that ``np.timedelta64(1, "M")`` (and
    "Y") is numpy's average month (year) as a Timedelta: pandas 3 no longer divides by
    the numpy value, pandas 1 did, and this is the number it used."""

    seconds: typing.ClassVar[dict[str, int]] = {"M": 2_629_746, "Y": 31_556_952}

    def __getattr__(self, name):
        return getattr(np, name)

    def timedelta64(self, value, unit=None):
        if unit in self.seconds:
            return pd.Timedelta(seconds=value * self.seconds[unit])
        return np.timedelta64(value, unit)


@pytest.fixture(scope="module")
def lifetimes_utils():
    with quiet():
        pytest.importorskip("lifetimes")
        from lifetimes import utils
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(utils, "np", _NumpyWithCalendarUnits())
        yield utils


def read_cdnow(path) -> pd.DataFrame:
    """CDNOW_sample: master id, sample id (1..2357), date YYYYMMDD, CDs, dollars."""
    frame = pd.read_csv(
        path,
        sep=r"\s+",
        header=None,
        names=["master_id", "customer", "date", "cds", "amount"],
        dtype={"date": str},
    )
    frame["date"] = pd.to_datetime(frame["date"], format="%Y%m%d")
    return frame


@pytest.fixture(scope="module")
def cdnow(shared_data):
    return read_cdnow(shared_data("CDNOW_sample.txt.gz"))


def lifetimes_summary(utils, frame, **options):
    with quiet():
        return utils.summary_data_from_transaction_data(
            frame, "customer", "date", **options
        )


def assert_same(ours: pd.DataFrame, theirs: pd.DataFrame) -> None:
    assert list(ours.columns) == list(theirs.columns)
    assert ours.index.equals(theirs.index.astype(ours.index.dtype))
    for column in ours.columns:
        np.testing.assert_allclose(
            ours[column].to_numpy(),
            theirs[column].to_numpy(dtype=float),
            rtol=1e-12,
            atol=1e-9,
            err_msg=column,
        )


def test_cdnow_calibration_matches_lifetimes_and_fader_hardie(cdnow, lifetimes_utils):
    options = dict(
        calibration_end="1997-09-30",
        observation_end="1998-06-30",
        freq="D",
        freq_multiplier=7,
    )
    ours = crmmine.clv.calibration_and_holdout(
        cdnow, "customer", "date", "amount", **options
    )
    with quiet():
        theirs = lifetimes_utils.calibration_and_holdout_data(
            cdnow,
            "customer",
            "date",
            calibration_period_end="1997-09-30",
            observation_period_end="1998-06-30",
            freq="D",
            freq_multiplier=7,
            monetary_value_col="amount",
        )
    assert_same(ours, theirs)
    # Fader, Hardie & Lee (2005): 2,357 customers, 946 of them repeat buyers in the
    # 39-week calibration period; customer 1: x=2, t_x=30.43, T=38.86
    assert len(ours) == 2357
    assert int((ours["frequency_cal"] > 0).sum()) == 946
    assert ours.loc[1, ["frequency_cal", "recency_cal", "T_cal"]].round(2).tolist() == [
        2.0,
        30.43,
        38.86,
    ]
    assert ours["duration_holdout"].iloc[0] == 39.0
    assert ours.attrs["calibration_end"] == pd.Timestamp("1997-09-30")


@pytest.mark.parametrize(
    "options",
    [
        dict(freq="D"),
        dict(freq="D", freq_multiplier=7),
        dict(freq="W"),
        dict(freq="W-WED", observation_end="1998-01-15"),
        dict(freq="M"),
        dict(freq="D", include_first_transaction=True),
    ],
    ids=str,
)
def test_cdnow_summary_matches_lifetimes(cdnow, lifetimes_utils, options):
    ours = crmmine.clv.summary(cdnow, "customer", "date", "amount", **options)
    shifted, renamed = _as_lifetimes_sees_it(cdnow, options)
    theirs = lifetimes_summary(
        lifetimes_utils, shifted, monetary_value_col="amount", **renamed
    )
    assert_same(ours, theirs)


WEEKDAYS = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]


def _lifetimes(options: dict) -> dict:
    renamed = dict(options)
    if "observation_end" in renamed:
        renamed["observation_period_end"] = renamed.pop("observation_end")
    return renamed


def _as_lifetimes_sees_it(
    log: pd.DataFrame, options: dict
) -> tuple[pd.DataFrame, dict]:
    """lifetimes knows only weeks ending on Sunday: for weeks ending on another day,
    shift every date so that day becomes a Sunday (differences, so recency and T, stay
    the same)."""
    renamed = _lifetimes(options)
    freq = renamed.get("freq", "D")
    if not freq.startswith("W-"):
        return log, renamed
    shift = pd.Timedelta(days=6 - WEEKDAYS.index(freq[2:]))
    renamed["freq"] = "W"
    for key in ("observation_period_end", "calibration_period_end"):
        if key in renamed:
            renamed[key] = pd.Timestamp(renamed[key]) + shift
    return log.assign(date=log["date"] + shift), renamed


def test_summary_without_amount_has_no_monetary_column(cdnow, lifetimes_utils):
    ours = crmmine.clv.summary(cdnow, "customer", "date", freq="W")
    assert "monetary_value" not in ours.columns
    assert_same(ours, lifetimes_summary(lifetimes_utils, cdnow, freq="W"))


def random_log(rng: np.random.Generator, n_rows: int) -> pd.DataFrame:
    """Purchases at any second of a year, some customers buying twice in a period."""
    start = np.datetime64("2020-01-01T00:00:00")
    seconds = rng.integers(0, 365 * 86_400, n_rows)
    # a quarter of the rows repeat an earlier row's time (same-period purchases)
    repeat = rng.random(n_rows) < 0.25
    seconds[repeat] = seconds[rng.integers(0, n_rows, repeat.sum())]
    return pd.DataFrame(
        {
            "customer": rng.integers(0, max(2, n_rows // 6), n_rows),
            "date": start + seconds.astype("timedelta64[s]"),
            "amount": np.round(rng.gamma(2.0, 20.0, n_rows), 2),
        }
    )


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(
    "options",
    [
        dict(freq="D"),
        dict(freq="h", freq_multiplier=24),
        dict(freq="W-MON", include_first_transaction=True),
        dict(freq="M"),
        dict(freq="Y"),
        dict(freq="D", freq_multiplier=7, observation_end="2020-10-15 13:00"),
    ],
    ids=str,
)
def test_random_logs_match_lifetimes(lifetimes_utils, seed, options):
    log = random_log(np.random.default_rng(seed), 400)
    ours = crmmine.clv.summary(log, "customer", "date", "amount", **options)
    shifted, renamed = _as_lifetimes_sees_it(log, options)
    theirs = lifetimes_summary(
        lifetimes_utils, shifted, monetary_value_col="amount", **renamed
    )
    assert_same(ours, theirs)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(
    "options",
    [
        dict(freq="D", calibration_end="2020-08-01 12:00"),
        dict(freq="W", freq_multiplier=1, calibration_end="2020-06-30"),
        dict(
            freq="D",
            freq_multiplier=7,
            calibration_end="2020-05-01",
            observation_end="2020-11-11 08:00",
        ),
        dict(freq="M", calibration_end="2020-07-15"),
        dict(
            freq="W-THU", calibration_end="2020-09-03", include_first_transaction=True
        ),
    ],
    ids=str,
)
def test_random_calibration_matches_lifetimes(lifetimes_utils, seed, options):
    log = random_log(np.random.default_rng(100 + seed), 500)
    ours = crmmine.clv.calibration_and_holdout(
        log, "customer", "date", "amount", **options
    )
    shifted, renamed = _as_lifetimes_sees_it(
        log, {**options, "calibration_period_end": options["calibration_end"]}
    )
    del renamed["calibration_end"]
    with quiet():
        theirs = lifetimes_utils.calibration_and_holdout_data(
            shifted, "customer", "date", monetary_value_col="amount", **renamed
        )
    assert_same(ours, theirs)


@pytest.mark.slow
@pytest.mark.parametrize(
    "options",
    [dict(freq="D"), dict(freq="W", include_first_transaction=True)],
    ids=str,
)
def test_online_retail_matches_lifetimes(online_retail, lifetimes_utils, options):
    """Purchases only, as a lifetimes user filters them: no cancelled invoice, no
    negative amount, no anonymous row."""
    ours = crmmine.clv.summary(
        online_retail,
        "CustomerID",
        "InvoiceDate",
        "Amount",
        invoice="InvoiceNo",
        **options,
    )
    purchases = online_retail[
        online_retail.CustomerID.notna()
        & ~online_retail.InvoiceNo.str.startswith("C")
        & (online_retail.Amount >= 0)
    ][["CustomerID", "InvoiceDate", "Amount"]]
    with quiet():
        theirs = lifetimes_utils.summary_data_from_transaction_data(
            purchases, "CustomerID", "InvoiceDate", "Amount", **options
        )
    assert len(ours) == 4339
    assert_same(ours, theirs)


@pytest.mark.slow
def test_online_retail_calibration_matches_lifetimes(online_retail, lifetimes_utils):
    ours = crmmine.clv.calibration_and_holdout(
        online_retail,
        "CustomerID",
        "InvoiceDate",
        "Amount",
        invoice="InvoiceNo",
        calibration_end="2011-06-30",
    )
    purchases = online_retail[
        online_retail.CustomerID.notna()
        & ~online_retail.InvoiceNo.str.startswith("C")
        & (online_retail.Amount >= 0)
    ]
    with quiet():
        theirs = lifetimes_utils.calibration_and_holdout_data(
            purchases,
            "CustomerID",
            "InvoiceDate",
            calibration_period_end="2011-06-30",
            monetary_value_col="Amount",
        )
    assert_same(ours, theirs)


def test_returns_and_anonymous_rows_are_left_out():
    log = pd.DataFrame(
        {
            "customer": [1, 1, 1, None, 2],
            "date": pd.to_datetime(
                ["2024-01-01", "2024-01-05", "2024-01-09", "2024-01-20", "2024-01-03"]
            ),
            "amount": [10.0, -10.0, 4.0, 99.0, 6.0],
            "invoice": ["a", "b", "Cc", "d", "e"],
        }
    )
    table = crmmine.clv.summary(log, "customer", "date", "amount", invoice="invoice")
    # customer 1: the return on the 5th and the cancelled invoice on the 9th are not
    # purchases; the anonymous purchase on the 20th does not move the observation end
    assert table.loc[1].tolist() == [0.0, 0.0, 2.0, 0.0]
    assert table.attrs["observation_end"] == pd.Timestamp("2024-01-03")


def test_transaction_log_input_and_threads_give_the_same_table(retail_sample):
    columns = dict(
        customer="CustomerID",
        date="InvoiceDate",
        amount="Amount",
        invoice="InvoiceNo",
    )
    log = crmmine.TransactionLog.from_frame(retail_sample, **columns)
    one = crmmine.clv.summary(log, freq="W", n_jobs=1)
    two = crmmine.clv.summary(retail_sample, **columns, freq="W", n_jobs=2)
    pd.testing.assert_frame_equal(one, two)
    assert one.index.name == "CustomerID"
