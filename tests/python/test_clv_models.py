"""The CLV models against published results (Fader, Hardie & Lee on CDNOW), against
lifetimes at the same parameters, against 50-digit mpmath evaluations of the paper
formulas for extreme customers, and their gradients against finite differences."""

from __future__ import annotations

import contextlib
import pickle
import warnings

import mpmath
import numpy as np
import pandas as pd
import pytest

import crmmine
from crmmine import _core
from crmmine._compat import ConvergenceWarning, NotFittedError

MODELS = {
    "bg_nbd": crmmine.clv.BetaGeo,
    "modified_bg_nbd": crmmine.clv.ModifiedBetaGeo,
    "pareto_nbd": crmmine.clv.ParetoNBD,
}


@contextlib.contextmanager
def quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@pytest.fixture(scope="module")
def lifetimes():
    with quiet():
        return pytest.importorskip("lifetimes")


def read_cdnow(path) -> pd.DataFrame:
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
    """The 2,357-customer cohort in weeks, calibration through 1997-09-30 (39 weeks),
    holdout to 1998-06-30, as Fader, Hardie & Lee (2005)."""
    log = read_cdnow(shared_data("CDNOW_sample.txt.gz"))
    split = crmmine.clv.calibration_and_holdout(
        log,
        "customer",
        "date",
        "amount",
        calibration_end="1997-09-30",
        observation_end="1998-06-30",
        freq="D",
        freq_multiplier=7,
    )
    return split


@pytest.fixture(scope="module")
def fitted(cdnow):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return {name: model().fit(cdnow) for name, model in MODELS.items()}


@pytest.fixture(scope="module")
def gamma_gamma(cdnow):
    return crmmine.clv.GammaGamma().fit(cdnow[["frequency_cal", "monetary_value_cal"]])


def lifetimes_twin(lifetimes, model):
    """A lifetimes fitter holding our parameters, for comparing predictions."""
    classes = {
        "bg_nbd": lifetimes.BetaGeoFitter,
        "modified_bg_nbd": lifetimes.ModifiedBetaGeoFitter,
        "pareto_nbd": lifetimes.ParetoNBDFitter,
        "gamma_gamma": lifetimes.GammaGammaFitter,
    }
    twin = classes[model._MODEL]()
    twin.params_ = model.params_.copy()
    if model._MODEL != "gamma_gamma":  # lifetimes sets this alias in fit
        twin.predict = twin.conditional_expected_number_of_purchases_up_to_time
    return twin


# --- published results ----------------------------------------------------------------


def test_bg_nbd_reproduces_fader_hardie_lee(fitted):
    bg = fitted["bg_nbd"]
    assert bg.converged_
    assert bg.params_.round(3).tolist() == [0.243, 4.414, 0.793, 2.426]
    assert round(bg.log_likelihood_, 1) == -9582.4
    assert bg.mean_log_likelihood_ == pytest.approx(bg.log_likelihood_ / 2357)
    # the paper's example customer: x=2, t_x=30.43, T=38.86, next 39 weeks
    assert round(bg.predict(39, 2, 30.43, 38.86), 3) == 1.226


def test_pareto_nbd_reproduces_fader_hardie_lee(fitted):
    pnbd = fitted["pareto_nbd"]
    assert pnbd.converged_
    expected = [0.553, 10.578, 0.606, 11.669]
    np.testing.assert_allclose(pnbd.params_.to_numpy(), expected, atol=2.5e-3)
    assert round(pnbd.log_likelihood_, 1) == -9595.0


def test_gamma_gamma_reproduces_fader_hardie(gamma_gamma, cdnow):
    """Fader & Hardie (2013): mean spend per repeat purchase day of the 946 repeat
    buyers in the calibration period."""
    assert gamma_gamma.n_customers_ == 946
    assert gamma_gamma.params_.round(2).tolist() == [6.25, 3.74, 15.44]


def test_gamma_gamma_counts_the_repeat_buyers_it_fits():
    """Customers without repeat purchases are left out of the fit and of
    n_customers_; the fit equals the one on the repeat buyers alone."""
    rng = np.random.default_rng(3)
    n = 400
    x = 1.0 + rng.poisson(3.0, n)
    m = rng.gamma(6.0, 1.0 / rng.gamma(3.7, 1.0 / 15.0, n))
    w = rng.integers(1, 4, n).astype(float)
    x[:40] = 0.0  # no repeat purchase
    m[:20] = 0.0
    fit = crmmine.clv.GammaGamma().fit(x, m, weights=w)
    kept = x > 0
    alone = crmmine.clv.GammaGamma().fit(x[kept], m[kept], weights=w[kept])
    assert fit.n_customers_ == alone.n_customers_ == n - 40
    np.testing.assert_allclose(fit.params_, alone.params_, rtol=1e-9)


@pytest.mark.parametrize("name", [*MODELS, "gamma_gamma"])
def test_likelihood_at_least_as_good_as_lifetimes(name, cdnow, fitted, gamma_gamma):
    lifetimes = pytest.importorskip("lifetimes")
    ours = gamma_gamma if name == "gamma_gamma" else fitted[name]
    with quiet():
        if name == "gamma_gamma":
            repeat = cdnow[cdnow.frequency_cal > 0]
            theirs = lifetimes.GammaGammaFitter().fit(
                repeat.frequency_cal, repeat.monetary_value_cal
            )
        else:
            theirs = lifetimes_twin(lifetimes, ours).__class__()
            theirs.fit(cdnow.frequency_cal, cdnow.recency_cal, cdnow.T_cal)
    twin = type(ours)()
    twin.params_ = theirs.params_.copy()
    if name == "gamma_gamma":
        repeat = cdnow[cdnow.frequency_cal > 0]
        x, m = repeat.frequency_cal.to_numpy(), repeat.monetary_value_cal.to_numpy()
        theirs_ll = _core.clv_log_likelihood(name, twin._params(), x, m, None, None, 1)[
            0
        ]
    else:
        theirs_ll = twin.log_likelihood(cdnow).sum()
    assert ours.log_likelihood_ >= theirs_ll - 1e-6
    np.testing.assert_allclose(ours.params_, theirs.params_, rtol=5e-3)
    if name != "pareto_nbd":  # lifetimes computes no standard errors for Pareto/NBD
        # the same observed information, each at its own optimum
        np.testing.assert_allclose(
            ours.summary_["se(coef)"], theirs.summary["se(coef)"], rtol=2e-2
        )


# --- predictions against lifetimes at the same parameters -----------------------------


@pytest.mark.parametrize("name", list(MODELS))
def test_predictions_equal_lifetimes(name, fitted, cdnow, lifetimes):
    model = fitted[name]
    twin = lifetimes_twin(lifetimes, model)
    x, t_x, T = cdnow.frequency_cal, cdnow.recency_cal, cdnow.T_cal
    with quiet():
        expected = twin.conditional_expected_number_of_purchases_up_to_time(
            39, x.to_numpy(), t_x.to_numpy(), T.to_numpy()
        )
        alive = twin.conditional_probability_alive(
            x.to_numpy(), t_x.to_numpy(), T.to_numpy()
        )
        unconditional = twin.expected_number_of_purchases_up_to_time(
            np.array([0.5, 1.0, 10.0, 39.0, 78.0, 1000.0])
        )
    ours = model.predict(39, cdnow)
    assert isinstance(ours, pd.Series) and ours.index.equals(cdnow.index)
    np.testing.assert_allclose(ours, expected, rtol=1e-8)
    np.testing.assert_allclose(
        model.conditional_probability_alive(x, t_x, T), alive, rtol=1e-8
    )
    np.testing.assert_allclose(
        model.expected_number_of_purchases_up_to_time(
            np.array([0.5, 1.0, 10.0, 39.0, 78.0, 1000.0])
        ),
        unconditional,
        rtol=1e-8,
    )
    per_customer_t = np.linspace(1, 100, len(cdnow))
    with quiet():
        expected_t = twin.conditional_expected_number_of_purchases_up_to_time(
            per_customer_t, x.to_numpy(), t_x.to_numpy(), T.to_numpy()
        )
    np.testing.assert_allclose(
        model.predict(per_customer_t, x.to_numpy(), t_x.to_numpy(), T.to_numpy()),
        expected_t,
        rtol=1e-8,
    )


def mp_bg_probability_n(params, t, n, modified):
    """P(X(t) = n) of a new customer: BG/NBD, Fader, Hardie & Lee (2005) eq. (8);
    MBG/NBD, Batislam, Denizel & Filiztekin (2007) (a drop-out chance also at time
    0), at 50 digits."""
    r, alpha, a, b = map(mpmath.mpf, params)
    t = mpmath.mpf(t)
    beta = mpmath.beta

    def negative_binomial(j):
        gammas = mpmath.gamma(r + j) / (mpmath.gamma(r) * mpmath.factorial(j))
        return gammas * (t / (alpha + t)) ** j

    stay = (alpha / (alpha + t)) ** r
    head = negative_binomial(n) * stay
    tail = 1 - stay * mpmath.fsum(negative_binomial(j) for j in range(n))
    if modified:
        return (
            beta(a, b + n + 1) / beta(a, b) * head
            + beta(a + 1, b + n) / beta(a, b) * tail
        )
    dropped = beta(a + 1, b + n - 1) / beta(a, b) * tail if n > 0 else 0
    return beta(a, b + n) / beta(a, b) * head + dropped


@pytest.mark.parametrize("name", ["bg_nbd", "modified_bg_nbd"])
def test_probability_of_n_purchases(name, fitted, lifetimes):
    """Against the formula at 50 digits everywhere, and against lifetimes where its
    finite sum does not cancel (it loses up to ~5% deep in the tail)."""
    model = fitted[name]
    twin = lifetimes_twin(lifetimes, model)
    compared = 0
    for t in (0.5, 10.0, 39.0, 200.0, 5000.0):
        for n in range(0, 30):
            ours = model.probability_of_n_purchases_up_to_time(t, n)
            exact = float(
                mp_bg_probability_n(model.params_, t, n, name == "modified_bg_nbd")
            )
            assert ours == pytest.approx(exact, rel=1e-10)
            if exact >= 1e-6:
                with quiet():
                    theirs = twin.probability_of_n_purchases_up_to_time(t, n)
                assert ours == pytest.approx(theirs, rel=1e-8)
                compared += 1
    assert compared > 60


def test_pareto_probability_of_n_purchases_sums_to_one_with_the_right_mean(fitted):
    """lifetimes has no unconditional P(X(t) = n) for Pareto/NBD: check it is a
    distribution whose mean is the closed-form E[X(t)]."""
    pnbd = fitted["pareto_nbd"]
    for t in (1.0, 39.0, 150.0):
        n = np.arange(0, 400)
        p = np.array([pnbd.probability_of_n_purchases_up_to_time(t, k) for k in n])
        assert p.min() >= 0
        assert p.sum() == pytest.approx(1.0, abs=1e-9)
        assert (n * p).sum() == pytest.approx(
            pnbd.expected_number_of_purchases_up_to_time(t), rel=1e-7
        )


def mp_pareto_probability_n(params, t, n):
    """P(X(t) = n) of a new Pareto/NBD customer from its definition, at 30 digits:
    alive through t with the negative binomial count of a Gamma(r, alpha) rate,
    (beta / (beta + t))^s, plus dead at tau < t, with the dropout density of a
    Gamma(s, beta) rate integrated over tau, s beta^s / (beta + tau)^(s + 1)."""
    with mpmath.workdps(30):
        r, alpha, s, beta, t = map(mpmath.mpf, (*params, t))
        log_gammas = (
            mpmath.loggamma(r + n) - mpmath.loggamma(r) - mpmath.loggamma(n + 1)
        )

        def counted(tau):
            log_p = log_gammas + r * mpmath.log(alpha / (alpha + tau))
            if n > 0:
                log_p += n * mpmath.log(tau / (alpha + tau))
            return mpmath.exp(log_p)

        def dying(tau):
            return s * mpmath.exp(
                s * mpmath.log(beta) - (s + 1) * mpmath.log(beta + tau)
            )

        alive = counted(t) * mpmath.exp(s * mpmath.log(beta / (beta + t)))
        # Breaks spaced evenly in log tau, so a peak at any scale meets one.
        breaks = [0] + [t * mpmath.mpf(10) ** (k / 4) for k in range(-40, 1)]
        dead = mpmath.quad(lambda tau: counted(tau) * dying(tau), breaks)
        return float(alive + dead)


PARETO_PARAMS = [
    (0.553, 10.578, 0.606, 11.669),  # the CDNOW fit
    (0.8, 50.0, 1e-6, 2.4e7),  # next to the no-dropout boundary
    (0.05, 0.5, 3.0, 0.2),  # most customers gone within days
    (20.0, 5.0, 0.3, 100.0),  # a narrow purchase rate
    (0.553, 10.578, 40.0, 4.0),  # a narrow dropout rate
]


@pytest.mark.parametrize("params", PARETO_PARAMS, ids=str)
def test_pareto_probability_of_n_purchases_equals_its_definition(params):
    model = crmmine.clv.ParetoNBD()
    model.params_ = pd.Series(params, index=["r", "alpha", "s", "beta"])
    compared = 0
    for t in (0.5, 39.0, 500.0):
        for n in (0, 1, 2, 5, 20):
            exact = mp_pareto_probability_n(params, t, n)
            if exact < 1e-30:
                continue
            ours = model.probability_of_n_purchases_up_to_time(t, n)
            assert ours == pytest.approx(exact, rel=1e-9), (t, n)
            compared += 1
    assert compared >= 8


def test_gamma_gamma_predictions_equal_lifetimes(gamma_gamma, cdnow, lifetimes):
    twin = lifetimes_twin(lifetimes, gamma_gamma)
    x, m = cdnow.frequency_cal, cdnow.monetary_value_cal
    with quiet():
        expected = twin.conditional_expected_average_profit(x, m)
    np.testing.assert_allclose(
        gamma_gamma.conditional_expected_average_profit(x, m), expected, rtol=1e-10
    )
    p, q, v = gamma_gamma.params_
    assert gamma_gamma.expected_average_spend() == pytest.approx(p * v / (q - 1))


# --- extreme customers: mpmath at 50 digits --------------------------------------------

mpmath.mp.dps = 50


def mp_bg_conditional(params, t, x, t_x, T):
    """Fader, Hardie & Lee (2005) eq. (10)."""
    r, alpha, a, b = map(mpmath.mpf, params)
    t, x, t_x, T = map(mpmath.mpf, (t, x, t_x, T))
    hyp = mpmath.hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t))
    numerator = (a + b + x - 1) / (a - 1)
    numerator *= 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp
    alive_odds = 0
    if x > 0:
        alive_odds = a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x)
    return float(numerator / (1 + alive_odds))


def mp_pareto_alive(params, x, t_x, T):
    """Fader, Hardie & Lee's note 009, eqs. (19), (20), (37)."""
    r, alpha, s, beta = map(mpmath.mpf, params)
    x, t_x, T = map(mpmath.mpf, (x, t_x, T))
    rsx = r + s + x
    if alpha >= beta:
        big, second = alpha, s + 1
    else:
        big, second = beta, r + x
    gap = abs(alpha - beta)

    def term(age):
        return (
            mpmath.hyp2f1(rsx, second, rsx + 1, gap / (big + age)) / (big + age) ** rsx
        )

    a0 = term(t_x) - term(T)
    odds = s / rsx * (alpha + T) ** (r + x) * (beta + T) ** s * a0
    return 1 / (1 + odds)


def mp_pareto_conditional(params, t, x, t_x, T):
    """Note 009 eq. (41)."""
    r, alpha, s, beta = map(mpmath.mpf, params)
    t, x, T = map(mpmath.mpf, (t, x, T))
    head = (r + x) * (beta + T) / ((alpha + T) * (s - 1))
    tail = 1 - ((beta + T) / (beta + T + t)) ** (s - 1)
    return float(head * tail * mp_pareto_alive(params, x, t_x, T))


EXTREMES = [
    # (t, x, t_x, T)
    (39.0, 200, 38.5, 39.0),
    (39.0, 200, 5.0, 39.0),
    (39.0, 60, 1.0, 300.0),
    (10.0, 0, 0.0, 1e-9),
    (10.0, 1, 1e-9, 2e-9),
    (1e-6, 3, 20.0, 25.0),
    (1e4, 5, 20.0, 25.0),
]


@pytest.mark.parametrize("case", EXTREMES, ids=str)
def test_extreme_customers_bg_nbd(fitted, case):
    t, x, t_x, T = case
    bg = fitted["bg_nbd"]
    ours = bg.predict(t, x, t_x, T)
    assert np.isfinite(ours)
    assert ours == pytest.approx(mp_bg_conditional(bg.params_, *case), rel=1e-8)


@pytest.mark.parametrize("case", EXTREMES, ids=str)
def test_extreme_customers_pareto_nbd(fitted, case):
    t, x, t_x, T = case
    pnbd = fitted["pareto_nbd"]
    ours = pnbd.predict(t, x, t_x, T)
    alive = pnbd.conditional_probability_alive(x, t_x, T)
    assert np.isfinite(ours) and 0 <= alive <= 1
    assert alive == pytest.approx(
        float(mp_pareto_alive(pnbd.params_, x, t_x, T)), rel=1e-8, abs=1e-300
    )
    assert ours == pytest.approx(
        mp_pareto_conditional(pnbd.params_, *case), rel=1e-8, abs=1e-300
    )


def test_a_new_customer_is_the_population_average(fitted):
    for model in fitted.values():
        t = np.array([1.0, 10.0, 52.0])
        np.testing.assert_allclose(
            model.predict(t, 0, 0.0, 0.0),
            model.expected_number_of_purchases_up_to_time(t),
            rtol=1e-9,
        )


# --- gradients ---------------------------------------------------------------------


@pytest.mark.parametrize("name", [*MODELS, "gamma_gamma"])
def test_gradient_equals_finite_differences(name, cdnow, fitted, gamma_gamma):
    rng = np.random.default_rng(0)
    if name == "gamma_gamma":
        repeat = cdnow[cdnow.frequency_cal > 0]
        data = (
            repeat.frequency_cal.to_numpy(),
            repeat.monetary_value_cal.to_numpy(),
            None,
        )
        base = gamma_gamma.params_.to_numpy()
    else:
        data = (
            cdnow.frequency_cal.to_numpy(),
            cdnow.recency_cal.to_numpy(),
            cdnow.T_cal.to_numpy(),
        )
        base = fitted[name].params_.to_numpy()
    weights = rng.integers(1, 4, len(data[0])).astype(np.float64)
    # away from the optimum, where the gradient is not ~0
    for params in (base * np.exp(rng.normal(0, 0.3, len(base))), base * 1.5):
        total, gradient = _core.clv_log_likelihood(name, params, *data, weights, 1)
        assert total == pytest.approx(
            np.sum(
                weights * _core.clv_individual_log_likelihood(name, params, *data, 1)
            )
        )
        step = 1e-6
        for k in range(len(params)):
            up, down = params.copy(), params.copy()
            up[k] *= np.exp(step)
            down[k] *= np.exp(-step)
            numeric = (
                _core.clv_log_likelihood(name, up, *data, weights, 1)[0]
                - _core.clv_log_likelihood(name, down, *data, weights, 1)[0]
            ) / (2 * step)
            assert gradient[k] == pytest.approx(numeric, rel=1e-5, abs=1e-4)


# --- fitting behaviour ------------------------------------------------------------------


@pytest.mark.parametrize("name", list(MODELS))
def test_weights_equal_repeated_rows(name, cdnow, fitted):
    patterns = (
        cdnow[["frequency_cal", "recency_cal", "T_cal"]]
        .value_counts()
        .rename("weight")
        .reset_index()
    )
    model = MODELS[name]().fit(
        patterns.frequency_cal,
        patterns.recency_cal,
        patterns.T_cal,
        weights=patterns.weight,
    )
    np.testing.assert_allclose(model.params_, fitted[name].params_, rtol=1e-5)
    assert model.log_likelihood_ == pytest.approx(fitted[name].log_likelihood_)


@pytest.mark.parametrize("name", list(MODELS))
def test_one_and_two_threads_agree_bit_for_bit(name, cdnow):
    """On 40 shifted copies of the cohort (94,280 customers, 40,640 distinct rows), so two
    threads really share the work: below 16,384 rows per thread one thread runs."""
    copies = [cdnow.assign(T_cal=cdnow["T_cal"] + 0.01 * k) for k in range(40)]
    many = pd.concat(copies, ignore_index=True)
    one = MODELS[name](n_jobs=1).fit(many)
    two = MODELS[name](n_jobs=2).fit(many)
    np.testing.assert_array_equal(one.params_, two.params_)
    assert one.log_likelihood_ == two.log_likelihood_
    np.testing.assert_array_equal(one.predict(39, many), two.predict(39, many))


@pytest.mark.parametrize("name", list(MODELS))
def test_penalizer_matches_lifetimes(name, cdnow, lifetimes):
    """The penalty is on the mean log-likelihood (time scaled so that the largest T
    is 1) as lifetimes' BG/NBD and MBG/NBD do; its Pareto/NBD alone penalizes the
    total, so its coefficient is ours times the number of customers."""
    ours = MODELS[name](penalizer_coef=0.1).fit(cdnow)
    theirs_coef = 0.1 * len(cdnow) if name == "pareto_nbd" else 0.1
    theirs = lifetimes_twin(lifetimes, ours).__class__(penalizer_coef=theirs_coef)
    with quiet():
        theirs.fit(cdnow.frequency_cal, cdnow.recency_cal, cdnow.T_cal)
    np.testing.assert_allclose(ours.params_, theirs.params_, rtol=5e-3)


def test_a_short_fit_warns(cdnow):
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        model = crmmine.clv.BetaGeo(max_iter=1).fit(cdnow)
    assert not model.converged_ and model.n_iter_ == 1


def test_models_pickle(fitted, gamma_gamma, cdnow):
    for model in [*fitted.values(), gamma_gamma]:
        copy = pickle.loads(pickle.dumps(model))
        pd.testing.assert_series_equal(copy.params_, model.params_)
        pd.testing.assert_frame_equal(copy.summary_, model.summary_)
    bg = pickle.loads(pickle.dumps(fitted["bg_nbd"]))
    pd.testing.assert_series_equal(
        bg.predict(39, cdnow), fitted["bg_nbd"].predict(39, cdnow)
    )


def test_pareto_standard_errors_are_taken_when_read(cdnow):
    x, t_x, T = (
        cdnow[column].to_numpy(dtype=np.float64, copy=True)
        for column in ("frequency_cal", "recency_cal", "T_cal")
    )
    eager = _core.clv_fit("pareto_nbd", x, t_x, T, None, 0.0, None, 1000, 1e-7, 1)
    model = crmmine.clv.ParetoNBD(n_jobs=1).fit(x, t_x, T)
    assert model._covariance_matrix is None  # fit left it out
    x[:] = 0.0  # the caller's arrays change before the standard errors are read
    pickled = pickle.loads(pickle.dumps(model))
    assert model._covariance_inputs is None and pickled._covariance_inputs is None
    for read in (model, pickled):
        np.testing.assert_allclose(
            read.variance_matrix_, eager["covariance"], rtol=1e-9
        )
        assert (read.standard_errors_ > 0).all()


def test_result_types_follow_the_input(fitted, cdnow):
    bg = fitted["bg_nbd"]
    assert isinstance(bg.predict(10, 1, 5.0, 20.0), float)
    as_numpy = bg.predict(
        10,
        cdnow.frequency_cal.to_numpy(),
        cdnow.recency_cal.to_numpy(),
        cdnow.T_cal.to_numpy(),
    )
    assert isinstance(as_numpy, np.ndarray) and as_numpy.shape == (len(cdnow),)
    as_pandas = bg.predict(10, cdnow.frequency_cal, cdnow.recency_cal, cdnow.T_cal)
    assert isinstance(as_pandas, pd.Series) and as_pandas.index.equals(cdnow.index)
    np.testing.assert_array_equal(as_numpy, as_pandas.to_numpy())
    over_time = bg.predict(np.arange(1, 5), 2, 30.43, 38.86)
    assert over_time.shape == (4,) and np.all(np.diff(over_time) > 0)
    assert isinstance(bg.expected_number_of_purchases_up_to_time(5), float)
    table = bg.summary_
    assert list(table.columns) == [
        "coef",
        "se(coef)",
        "lower 95% bound",
        "upper 95% bound",
    ]
    np.testing.assert_allclose(
        table["upper 95% bound"] - table["coef"], 1.96 * table["se(coef)"]
    )
    covariance = bg.variance_matrix_
    assert (
        list(covariance.index) == list(covariance.columns) == ["r", "alpha", "a", "b"]
    )
    np.testing.assert_allclose(np.diag(covariance), table["se(coef)"] ** 2)
    pd.testing.assert_series_equal(
        bg.standard_errors_, table["se(coef)"], check_names=False
    )


def test_unfitted_models_refuse_to_predict():
    for model in MODELS.values():
        with pytest.raises(NotFittedError):
            model().predict(1, 1, 1.0, 2.0)
        with pytest.raises(NotFittedError):
            model().summary_  # noqa: B018
        with pytest.raises(NotFittedError):
            model().variance_matrix_  # noqa: B018
    with pytest.raises(NotFittedError):
        crmmine.clv.GammaGamma().conditional_expected_average_profit(1, 5.0)


def test_sklearn_contract():
    sklearn_base = pytest.importorskip("sklearn.base")
    model = crmmine.clv.BetaGeo(penalizer_coef=0.01, n_jobs=1)
    copy = sklearn_base.clone(model)
    assert copy.get_params() == model.get_params()
    assert "penalizer_coef=0.01" in repr(model)


# --- lifetime value and retention ------------------------------------------------------


@pytest.mark.parametrize("name", list(MODELS))
def test_lifetime_value_equals_lifetimes(name, fitted, gamma_gamma, cdnow, lifetimes):
    summary = cdnow.rename(columns=lambda c: c.removesuffix("_cal"))[
        ["frequency", "recency", "T", "monetary_value"]
    ]
    ours = crmmine.clv.lifetime_value(
        fitted[name], gamma_gamma, summary, time=12, discount_rate=0.01, freq="W"
    )
    spend = lifetimes_twin(lifetimes, gamma_gamma)
    with quiet():
        theirs = spend.customer_lifetime_value(
            lifetimes_twin(lifetimes, fitted[name]),
            summary["frequency"],
            summary["recency"],
            summary["T"],
            summary["monetary_value"],
            time=12,
            discount_rate=0.01,
            freq="W",
        )
    assert ours.name == "clv" and ours.index.equals(summary.index)
    np.testing.assert_allclose(ours, theirs, rtol=1e-8)
    # days and freq_multiplier=7: months of 30 / 7 weeks
    in_days = crmmine.clv.lifetime_value(
        fitted[name], gamma_gamma, summary, time=3, freq="D", freq_multiplier=7
    )
    via_method = gamma_gamma.customer_lifetime_value(
        fitted[name],
        summary["frequency"],
        summary["recency"],
        summary["T"],
        summary["monetary_value"],
        time=3,
        freq="D",
        freq_multiplier=7,
    )
    pd.testing.assert_series_equal(in_days, via_method)


def test_lifetime_value_reads_the_unit_from_the_summary(fitted, gamma_gamma, cdnow):
    summary = cdnow.rename(columns=lambda c: c.removesuffix("_cal"))[
        ["frequency", "recency", "T", "monetary_value"]
    ]
    summary.attrs.update(freq="D", freq_multiplier=7)
    explicit = crmmine.clv.lifetime_value(
        fitted["bg_nbd"], gamma_gamma, summary, freq="D", freq_multiplier=7
    )
    pd.testing.assert_series_equal(
        crmmine.clv.lifetime_value(fitted["bg_nbd"], gamma_gamma, summary), explicit
    )


def test_retention_clv_sums_the_discounted_margins():
    margin, retention, d = np.array([100.0, 50.0, 10.0]), np.array([0.8, 0.5, 1.0]), 0.1
    for horizon in (1, 5, 40):
        t = np.arange(1, horizon + 1)[:, None]
        expected = (margin * retention**t / (1 + d) ** t).sum(axis=0)
        np.testing.assert_allclose(
            crmmine.clv.retention_clv(margin, retention, d, horizon),
            expected,
            rtol=1e-12,
        )
    np.testing.assert_allclose(
        crmmine.clv.retention_clv(margin, retention, d),
        margin * retention / (1 + d - retention),
        rtol=1e-12,
    )
    by_customer = crmmine.clv.retention_clv(
        pd.Series(margin, index=list("abc")), 0.9, d
    )
    assert list(by_customer.index) == ["a", "b", "c"]
