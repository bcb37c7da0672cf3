"""Model-checking tables against lifetimes' own computations, and the plots."""

from __future__ import annotations

import contextlib
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import crmmine


@contextlib.contextmanager
def quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@pytest.fixture(scope="module")
def lifetimes():
    with quiet():
        return pytest.importorskip("lifetimes")


@pytest.fixture(scope="module")
def cdnow_log(shared_data):
    frame = pd.read_csv(
        shared_data("CDNOW_sample.txt.gz"),
        sep=r"\s+",
        header=None,
        names=["master_id", "customer", "date", "cds", "amount"],
        dtype={"date": str},
    )
    frame["date"] = pd.to_datetime(frame["date"], format="%Y%m%d")
    return frame


@pytest.fixture(scope="module")
def split(cdnow_log):
    return crmmine.clv.calibration_and_holdout(
        cdnow_log,
        "customer",
        "date",
        "amount",
        calibration_end="1997-09-30",
        observation_end="1998-06-30",
        freq="D",
        freq_multiplier=7,
    )


@pytest.fixture(scope="module")
def models(split):
    return {
        "bg_nbd": crmmine.clv.BetaGeo().fit(split),
        "pareto_nbd": crmmine.clv.ParetoNBD().fit(split),
    }


def twin(lifetimes, model):
    cls = {
        "bg_nbd": lifetimes.BetaGeoFitter,
        "pareto_nbd": lifetimes.ParetoNBDFitter,
    }[model._MODEL]
    fitter = cls()
    fitter.params_ = model.params_.copy()
    return fitter


def test_period_transactions_sum_the_model_probabilities(models, split, lifetimes):
    bg = models["bg_nbd"]
    table = crmmine.clv.period_transactions(bg, split, max_frequency=7)
    assert table.index.tolist() == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    counts = split["frequency_cal"].value_counts()
    assert table["actual"].iloc[:7].tolist() == [
        int(counts.get(k, 0)) for k in range(7)
    ]
    assert table["actual"].sum() == len(split)
    reference = twin(lifetimes, bg)
    with quiet():
        expected = [
            sum(
                reference.probability_of_n_purchases_up_to_time(T, k)
                for T in split["T_cal"]
            )
            for k in range(7)
        ]
    np.testing.assert_allclose(table["model"].iloc[:7], expected, rtol=1e-8)
    assert table["model"].sum() == pytest.approx(len(split))
    # Fader, Hardie & Lee (2005) Figure 1: the BG/NBD fits the histogram closely
    assert table["model"].iloc[0] == pytest.approx(table["actual"].iloc[0], rel=0.02)


def test_period_transactions_for_pareto_nbd(models, split):
    table = crmmine.clv.period_transactions(models["pareto_nbd"], split, 3)
    assert table.index.tolist() == ["0", "1", "2", "3+"]
    assert (table["model"] > 0).all()
    assert table["model"].sum() == pytest.approx(len(split))


@pytest.mark.parametrize(
    "kind", ["frequency_cal", "recency_cal", "T_cal", "time_since_last_purchase"]
)
def test_calibration_vs_holdout_equals_lifetimes_plot_data(
    models, split, lifetimes, kind
):
    bg = models["bg_nbd"]
    table = crmmine.clv.calibration_vs_holdout(bg, split, kind=kind, n=7)
    frame = split.copy()
    with quiet():
        frame["model_predictions"] = twin(
            lifetimes, bg
        ).conditional_expected_number_of_purchases_up_to_time(
            39.0, frame["frequency_cal"], frame["recency_cal"], frame["T_cal"]
        )
    if kind == "time_since_last_purchase":
        frame[kind] = frame["T_cal"] - frame["recency_cal"]
    expected = frame.groupby(kind)[["frequency_holdout", "model_predictions"]].mean()
    expected = expected.iloc[:7]
    np.testing.assert_allclose(table.index.to_numpy(), expected.index.to_numpy())
    np.testing.assert_allclose(table.to_numpy(), expected.to_numpy(), rtol=1e-9)


@pytest.mark.parametrize("set_index_date", [False, True])
def test_cumulative_transactions_equal_lifetimes(
    models, cdnow_log, lifetimes, set_index_date
):
    bg = models["bg_nbd"]
    ours = crmmine.clv.cumulative_transactions(
        bg,
        cdnow_log,
        "customer",
        "date",
        t=546,
        freq="D",
        freq_multiplier=7,
        set_index_date=set_index_date,
    )
    with quiet():
        theirs = lifetimes.utils.expected_cumulative_transactions(
            twin(lifetimes, bg),
            cdnow_log,
            "date",
            "customer",
            546,
            freq="D",
            freq_multiplier=7,
            set_index_date=set_index_date,
        )
    assert len(ours) == 78
    np.testing.assert_array_equal(ours["actual"], theirs["actual"])
    np.testing.assert_allclose(ours["predicted"], theirs["predicted"], rtol=1e-9)
    assert list(ours.index) == list(theirs.index)


def test_model_checks_refuse_a_spend_model(split):
    gg = crmmine.clv.GammaGamma().fit(split)
    with pytest.raises(TypeError, match="model must be a fitted BetaGeo"):
        crmmine.clv.period_transactions(gg, split)
    with pytest.raises(ValueError, match="kind must be one of"):
        crmmine.clv.calibration_vs_holdout(crmmine.clv.BetaGeo().fit(split), split, "x")


def test_plots_return_their_axes(models, split, cdnow_log):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    bg = models["bg_nbd"]
    try:
        ax = crmmine.clv.plot_period_transactions(bg, split)
        assert len(ax.patches) == 16  # 8 bins x (actual, model)
        ax = crmmine.clv.plot_calibration_vs_holdout(bg, split, kind="frequency_cal")
        assert [line.get_label() for line in ax.get_lines()] == [
            "frequency_holdout",
            "model_predictions",
        ]
        _, given = plt.subplots()
        ax = crmmine.clv.plot_cumulative_transactions(
            bg,
            cdnow_log,
            "customer",
            "date",
            t=546,
            t_cal=39,
            freq="D",
            freq_multiplier=7,
            ax=given,
        )
        assert ax is given and len(ax.get_lines()) == 3  # actual, predicted, t_cal
    finally:
        plt.close("all")


def test_plots_without_matplotlib_say_what_to_install(models, split, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install 'crmmine\[plot\]'"):
        crmmine.clv.plot_period_transactions(models["bg_nbd"], split)
