"""The table of bad inputs: every public entry point refuses them with the right error
type and a message that names the argument."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crmmine

LOG = pd.DataFrame(
    {
        "cust": [1, 2, 3, 1],
        "day": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-09"]),
        "spend": [10.0, 20.0, 5.0, 7.0],
        "inv": ["a", "b", "c", "d"],
    }
)
COLUMNS = dict(customer="cust", date="day", amount="spend", invoice="inv")
FILES = {}  # written afresh for every test by the _files fixture


def log_with(**changes):
    return LOG.assign(**changes)


def rfm(data=LOG, **options):
    return crmmine.rfm(data, **{**COLUMNS, **options})


CASES = {
    # purchase logs
    "empty log": (lambda: rfm(LOG.iloc[:0]), ValueError, "data is empty"),
    "not a DataFrame": (
        lambda: rfm(LOG.to_numpy()),
        TypeError,
        "data must be a pandas",
    ),
    "unknown column": (
        lambda: rfm(customer="client"),
        ValueError,
        "customer='client' is not a column",
    ),
    "NaN amount": (
        lambda: rfm(log_with(spend=[1.0, np.nan, 2.0, 3.0])),
        ValueError,
        "amount .*missing or infinite",
    ),
    "inf amount": (
        lambda: rfm(log_with(spend=[1.0, np.inf, 2.0, 3.0])),
        ValueError,
        "amount .*infinite",
    ),
    "text amount": (
        lambda: rfm(log_with(spend=["1", "2", "3", "4"])),
        TypeError,
        "amount .*numeric",
    ),
    "bool amount": (
        lambda: rfm(log_with(spend=[True, False, True, True])),
        TypeError,
        "amount .*numeric",
    ),
    "no amount": (
        lambda: crmmine.rfm(LOG, "cust", "day"),
        ValueError,
        "amount='<column>'",
    ),
    "amount and price": (
        lambda: rfm(price="spend"),
        ValueError,
        "either amount or quantity",
    ),
    "dates that do not parse": (
        lambda: rfm(log_with(day=["2024-01-01", "soon", "2024-01-02", "2024-01-03"])),
        ValueError,
        "date .*do not parse",
    ),
    "missing dates": (
        lambda: rfm(
            log_with(
                day=pd.to_datetime(["2024-01-01", None, "2024-01-02", "2024-01-03"])
            )
        ),
        ValueError,
        "date .*missing",
    ),
    "numbers as dates": (
        lambda: rfm(log_with(day=[1, 2, 3, 4])),
        TypeError,
        "date .*numbers",
    ),
    "missing invoice": (
        lambda: rfm(log_with(inv=["a", None, "c", "d"])),
        ValueError,
        "invoice .*missing",
    ),
    "missing customer refused": (
        lambda: rfm(log_with(cust=[1, None, 3, 1]), missing_customer="raise"),
        ValueError,
        "customer .*missing",
    ),
    "unknown missing_customer": (
        lambda: rfm(missing_customer="keep"),
        ValueError,
        "missing_customer must be one of",
    ),
    "analysis date too early": (
        lambda: rfm(analysis_date="2024-01-05"),
        ValueError,
        "analysis_date: precedes",
    ),
    "analysis date not a date": (
        lambda: rfm(analysis_date="next tuesday"),
        ValueError,
        "analysis_date=.*does not parse",
    ),
    "zero bins": (lambda: rfm(bins=0), ValueError, "bins must be at least 1"),
    "text bins": (lambda: rfm(bins="5"), TypeError, "bins must be an integer"),
    "unknown monetary": (
        lambda: rfm(monetary="median"),
        ValueError,
        "monetary must be one of",
    ),
    "unknown returns": (
        lambda: rfm(returns="keep"),
        ValueError,
        "returns must be one of",
    ),
    "segment map with gaps": (
        lambda: rfm(segment_map={"5[1-5]": "Best"}),
        ValueError,
        "segment_map leaves 20",
    ),
    "segment map bad key": (
        lambda: rfm(segment_map={5: "Best"}),
        TypeError,
        "segment_map keys",
    ),
    "segment map bad pattern": (
        lambda: rfm(segment_map={"[": "Best"}),
        ValueError,
        "segment_map key",
    ),
    "n_jobs zero": (lambda: rfm(n_jobs=0), ValueError, "n_jobs must not be 0"),
    "n_jobs text": (lambda: rfm(n_jobs="2"), TypeError, "n_jobs must be an integer"),
    "one customer": (
        lambda: rfm(log_with(cust=[1, 1, 1, 1])),
        ValueError,
        "bins: quantile scores need at least 2",
    ),
    "only returns": (
        lambda: rfm(log_with(spend=[-1.0, -2.0, -3.0, -4.0])),
        ValueError,
        "log: holds no purchase",
    ),
    "options for a finished table": (
        lambda: crmmine.rfm_segments(rfm(), bins=3),
        ValueError,
        "already an RFM table",
    ),
    "columns with a TransactionLog": (
        lambda: crmmine.rfm(
            crmmine.TransactionLog.from_frame(LOG, **COLUMNS), customer="cust"
        ),
        ValueError,
        "drop customer",
    ),
    "mismatched arrays": (
        lambda: crmmine.TransactionLog.from_arrays([1, 2], ["2024-01-01"], [1.0, 2.0]),
        ValueError,
        "same length",
    ),
    "log csv unknown column": (
        lambda: crmmine.TransactionLog.from_csv(FILES["csv"], "client", "day", "spend"),
        ValueError,
        "customer='client' is not a column",
    ),
    # baskets
    "empty long frame": (
        lambda: crmmine.Baskets.from_long(LOG.iloc[:0], "inv", "cust"),
        ValueError,
        "data is empty",
    ),
    "basket unknown column": (
        lambda: crmmine.Baskets.from_long(LOG, "invoice", "cust"),
        ValueError,
        "transaction='invoice' is not a column",
    ),
    "missing item": (
        lambda: crmmine.Baskets.from_long(
            log_with(cust=[1, None, 3, 1]), "inv", "cust"
        ),
        ValueError,
        "item .*missing",
    ),
    "negative quantity": (
        lambda: crmmine.Baskets.from_long(
            log_with(spend=[1.0, -2.0, 3.0, 4.0]), "inv", "cust", "spend"
        ),
        ValueError,
        "quantity: .*non-negative",
    ),
    "NaN quantity": (
        lambda: crmmine.Baskets.from_long(
            log_with(spend=[1.0, np.nan, 3.0, 4.0]), "inv", "cust", "spend"
        ),
        ValueError,
        "quantity .*missing",
    ),
    "mismatched basket arrays": (
        lambda: crmmine.Baskets.from_arrays([1, 2, 3], [1, 2]),
        ValueError,
        "same length",
    ),
    "2-d basket arrays": (
        lambda: crmmine.Baskets.from_arrays([[1, 2]], [[1, 2]]),
        ValueError,
        "one-dimensional",
    ),
    "empty basket arrays": (
        lambda: crmmine.Baskets.from_arrays([], []),
        ValueError,
        "empty",
    ),
    "a string as a basket": (
        lambda: crmmine.Baskets.from_lists(["milk", ["bread"]]),
        TypeError,
        r"transactions\[0\] is str",
    ),
    "a None item": (
        lambda: crmmine.Baskets.from_lists([["milk", None]]),
        ValueError,
        "missing items",
    ),
    "one-hot with NaN": (
        lambda: crmmine.Baskets.from_onehot(pd.DataFrame({"a": [1.0, np.nan]})),
        ValueError,
        "NaN",
    ),
    "one-hot with counts": (
        lambda: crmmine.Baskets.from_onehot(pd.DataFrame({"a": [1, 2]})),
        ValueError,
        "only True/False or 0/1",
    ),
    "one-hot with text": (
        lambda: crmmine.Baskets.from_onehot(pd.DataFrame({"a": ["x", "y"]})),
        TypeError,
        "column 'a' has dtype",
    ),
    "one-hot not a frame": (
        lambda: crmmine.Baskets.from_onehot(np.ones((2, 2))),
        TypeError,
        "one-hot pandas DataFrame",
    ),
    "one-hot empty": (
        lambda: crmmine.Baskets.from_onehot(pd.DataFrame()),
        ValueError,
        "empty",
    ),
    "fimi missing file": (
        lambda: crmmine.Baskets.from_fimi("/no/such/file.dat"),
        ValueError,
        "path .*is not a file",
    ),
    "fimi bad token": (
        lambda: crmmine.Baskets.from_fimi(FILES["bad_fimi"]),
        ValueError,
        "path: line 2",
    ),
    "basket csv unknown column": (
        lambda: crmmine.Baskets.from_csv(FILES["csv"], "tid", "cust"),
        ValueError,
        "transaction='tid' is not a column",
    ),
    "item_counts n_jobs": (
        lambda: crmmine.Baskets.from_lists([["a"]]).item_counts(n_jobs=0),
        ValueError,
        "n_jobs",
    ),
    # customer lifetime value
    "clv summary unknown column": (
        lambda: crmmine.clv.summary(LOG, "client", "day", "spend"),
        ValueError,
        "customer='client' is not a column",
    ),
    "clv summary unknown freq": (
        lambda: crmmine.clv.summary(LOG, "cust", "day", "spend", freq="fortnight"),
        ValueError,
        "freq='fortnight' is not supported",
    ),
    "clv summary bad week": (
        lambda: crmmine.clv.summary(LOG, "cust", "day", "spend", freq="W-XYZ"),
        ValueError,
        "freq='W-XYZ'",
    ),
    "clv summary zero multiplier": (
        lambda: crmmine.clv.summary(LOG, "cust", "day", "spend", freq_multiplier=0),
        ValueError,
        "freq_multiplier must be positive",
    ),
    "clv summary early end": (
        lambda: crmmine.clv.summary(
            LOG, "cust", "day", "spend", observation_end="2023-12-01"
        ),
        ValueError,
        "observation_end: leaves no purchase",
    ),
    "clv summary only returns": (
        lambda: crmmine.clv.summary(
            log_with(spend=[-1.0, -2.0, -3.0, -4.0]), "cust", "day", "spend"
        ),
        ValueError,
        "log: holds no purchase",
    ),
    "clv calibration end too late": (
        lambda: crmmine.clv.calibration_and_holdout(
            LOG, "cust", "day", "spend", calibration_end="2024-02-01"
        ),
        ValueError,
        "calibration_end: must precede observation_end",
    ),
    "clv calibration end too early": (
        lambda: crmmine.clv.calibration_and_holdout(
            LOG, "cust", "day", "spend", calibration_end="2023-01-01"
        ),
        ValueError,
        "calibration_end: precedes every purchase",
    ),
    "clv calibration end not a date": (
        lambda: crmmine.clv.calibration_and_holdout(
            LOG, "cust", "day", "spend", calibration_end="soon"
        ),
        ValueError,
        "calibration_end=.*does not parse",
    ),
    "clv negative frequency": (
        lambda: crmmine.clv.BetaGeo().fit([1, -1], [1.0, 0.0], [5.0, 5.0]),
        ValueError,
        "frequency must not be negative",
    ),
    "clv recency after T": (
        lambda: crmmine.clv.BetaGeo().fit([1, 2], [1.0, 6.0], [5.0, 5.0]),
        ValueError,
        "recency must not exceed T",
    ),
    "clv NaN recency": (
        lambda: crmmine.clv.ParetoNBD().fit([1, 2], [1.0, np.nan], [5.0, 5.0]),
        ValueError,
        "recency has 1 missing",
    ),
    "clv fractional frequency": (
        lambda: crmmine.clv.BetaGeo().fit([1.5, 2], [1.0, 2.0], [5.0, 5.0]),
        ValueError,
        "frequency must hold whole numbers",
    ),
    "clv recency without repeats": (
        lambda: crmmine.clv.BetaGeo().fit([0, 2], [1.0, 2.0], [5.0, 5.0]),
        ValueError,
        "recency must be 0 where frequency is 0",
    ),
    "clv lengths differ": (
        lambda: crmmine.clv.BetaGeo().fit([1, 2, 3], [1.0, 2.0], [5.0, 5.0]),
        ValueError,
        "recency has 2 values",
    ),
    "clv text frequency": (
        lambda: crmmine.clv.BetaGeo().fit(["1", "2"], [1.0, 2.0], [5.0, 5.0]),
        TypeError,
        "frequency must be numeric",
    ),
    "clv table without T": (
        lambda: crmmine.clv.BetaGeo().fit(
            pd.DataFrame({"frequency": [1], "recency": [1.0]})
        ),
        ValueError,
        "frequency: the DataFrame needs columns frequency, recency, T",
    ),
    "clv table and columns": (
        lambda: crmmine.clv.BetaGeo().fit(
            pd.DataFrame({"frequency": [1], "recency": [1.0], "T": [2.0]}), [1.0]
        ),
        ValueError,
        "drop those arguments",
    ),
    "clv negative penalizer": (
        lambda: crmmine.clv.BetaGeo(penalizer_coef=-1).fit([1], [1.0], [2.0]),
        ValueError,
        "penalizer_coef must be >= 0",
    ),
    "clv bad initial params": (
        lambda: crmmine.clv.BetaGeo(initial_params=[1.0, 2.0]).fit([1], [1.0], [2.0]),
        ValueError,
        "initial_params needs 4 positive values",
    ),
    "clv negative weights": (
        lambda: crmmine.clv.BetaGeo().fit(
            [1, 2], [1.0, 2.0], [5.0, 5.0], weights=[1, -1]
        ),
        ValueError,
        "weights must be positive",
    ),
    "clv unfitted predict": (
        lambda: crmmine.clv.BetaGeo().predict(10, 1, 1.0, 2.0),
        ValueError,
        "not fitted",
    ),
    "clv negative horizon": (
        lambda: _fitted_bg().predict(-1, 1, 1.0, 2.0),
        ValueError,
        "t must not be negative",
    ),
    "clv negative n": (
        lambda: _fitted_bg().probability_of_n_purchases_up_to_time(10, -1),
        ValueError,
        "n must be a whole number",
    ),
    "clv gamma-gamma without repeat buyers": (
        lambda: crmmine.clv.GammaGamma().fit([0, 0], [0.0, 0.0]),
        ValueError,
        "frequency: no customer has a repeat purchase",
    ),
    "clv gamma-gamma zero spend": (
        lambda: crmmine.clv.GammaGamma().fit([1, 2], [10.0, 0.0]),
        ValueError,
        "monetary_value must be positive",
    ),
    "clv lifetime value of a spend model": (
        lambda: crmmine.clv.lifetime_value(
            crmmine.clv.GammaGamma(), crmmine.clv.GammaGamma(), pd.DataFrame()
        ),
        TypeError,
        "transaction_model must be a fitted",
    ),
    "clv lifetime value without spend": (
        lambda: crmmine.clv.lifetime_value(
            _fitted_bg(),
            crmmine.clv.GammaGamma(),
            pd.DataFrame({"frequency": [1], "recency": [1.0], "T": [2.0]}),
        ),
        ValueError,
        "summary: the DataFrame needs columns frequency, recency, T, monetary_value",
    ),
    "clv lifetime value unknown unit": (
        lambda: crmmine.clv.lifetime_value(
            _fitted_bg(),
            crmmine.clv.GammaGamma(),
            pd.DataFrame(
                {
                    "frequency": [1],
                    "recency": [1.0],
                    "T": [2.0],
                    "monetary_value": [3.0],
                }
            ),
            freq="fortnight",
        ),
        ValueError,
        "freq='fortnight'",
    ),
    "clv retention above 1": (
        lambda: crmmine.clv.retention_clv(100.0, 1.5, 0.1),
        ValueError,
        "retention must be a probability",
    ),
    "clv negative discount": (
        lambda: crmmine.clv.retention_clv(100.0, 0.5, -0.1),
        ValueError,
        "discount_rate must be a number >= 0",
    ),
    "clv zero horizon": (
        lambda: crmmine.clv.retention_clv(100.0, 0.5, 0.1, horizon=0),
        ValueError,
        "horizon must be a whole number",
    ),
    # threads
    "negative threads": (
        lambda: crmmine.set_num_threads(-1),
        ValueError,
        "n must be at least 1",
    ),
    "text threads": (
        lambda: crmmine.set_num_threads("2"),
        TypeError,
        "n must be an integer",
    ),
}


def _fitted_bg():
    """A BG/NBD with parameters set by hand: the bad-input checks run before any
    kernel, so no fit is needed."""
    model = crmmine.clv.BetaGeo()
    model.params_ = pd.Series([0.24, 4.4, 0.79, 2.4], index=["r", "alpha", "a", "b"])
    return model


@pytest.fixture(autouse=True)
def _files(tmp_path):
    FILES["csv"] = tmp_path / "log.csv"
    LOG.to_csv(FILES["csv"], index=False)
    FILES["bad_fimi"] = tmp_path / "bad.dat"
    FILES["bad_fimi"].write_text("1 2 \n3 x \n")


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_bad_input_is_refused_with_a_clear_message(case):
    call, error_type, message = CASES[case]
    with pytest.raises(error_type, match=message):
        call()


def test_the_good_log_passes():
    assert len(rfm()) == 3
