"""CLV: crmmine's BG/NBD, MBG/NBD, Pareto/NBD and Gamma-Gamma fits and predictions against
lifetimes (same process, same arrays) and pymc-marketing's MAP fit (a side virtual
environment, run as a subprocess of this script on the same arrays).

    python benchmarks/run.py --only clv

pymc-marketing lives in its own environment so its stack (PyMC, PyTensor, numba)
stays out of crmmine's; the suite creates it on first use:

    python -m venv benchmarks/.cache/pymc-venv
    benchmarks/.cache/pymc-venv/bin/pip install pymc-marketing

Without it (or with CRMMINE_BENCH_NO_PYMC=1) the pymc-marketing columns read n/a.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
CACHE = HERE.parent / ".cache"
PYMC_PYTHON = CACHE / "pymc-venv" / "bin" / "python"
#: a pymc-marketing fit still running after this many seconds is recorded as n/a
PYMC_TIMEOUT = 1800
# A lifetimes fit still running after this long is stopped and recorded as such.
LIFETIMES_TIME_LIMIT_S = 600

TITLE = "CLV: crmmine vs lifetimes and pymc-marketing (BG/NBD, MBG/NBD, Pareto/NBD, Gamma-Gamma)"
RESULT_FILE = "clv.md"
#: synthetic customers drawn from the CDNOW BG/NBD fit
SIZES = [1_000_000]
QUICK_SIZES = [20_000]
MODELS = ["bg_nbd", "modified_bg_nbd", "pareto_nbd", "gamma_gamma"]
#: consecutive timed calls after each garbage collection, below a million customers
CALLS_PER_ROUND = 3
#: prediction horizon per data set, in its time unit (default 39 weeks)
HORIZON = {"online-retail": 30.0, "online-retail-weekly": 4.0}
COLUMNS = [
    "data",
    "customers",
    "model",
    "threads",
    "crmmine fit s",
    "lifetimes fit s",
    "fit speed-up",
    "crmmine fit + SE s",
    "crmmine LL",
    "lifetimes LL",
    "pymc-marketing MAP s",
    "pymc-marketing LL",
    "crmmine iterations",
    "lifetimes converged",
    "crmmine predict s",
    "lifetimes predict s",
    "predict speed-up",
    "lifetimes NaN predictions",
    "lifetimes imprecise predictions",
]
_NOTES = """
Data: **cdnow** is Fader, Hardie & Lee's 2,357-customer CDNOW cohort, calibration period
to 1997-09-30 in weeks (`freq="D", freq_multiplier=7`); **online-retail** is every
customer of UCI Online Retail (cancelled invoices and returns left out), `freq="D"`, the
whole year as calibration, and again in weeks (`freq="W"`,
**online-retail-weekly**); **synthetic** draws customers from the BG/NBD with the
published CDNOW parameters (r=0.243, alpha=4.414, a=0.793, b=2.426; T uniform on 27-39
weeks) and their spend from the Gamma-Gamma with p=6.25, q=3.74, v=15.44 (vectorised
simulator, seed 0, `benchmarks/clv/bench_clv.py`). Gamma-Gamma rows fit the repeat
buyers only.

Every side fits the same float64 arrays. LL is the total log-likelihood at each side's
parameters, computed with the same C++ function for all sides (lifetimes fits on
rescaled time and reports a mean, so its own number is not comparable); a crmmine LL
below lifetimes' would abort the run. lifetimes runs with its defaults
(`BetaGeoFitter().fit(...)` etc.; "ConvergenceError" where it raised one, "did not
finish (> 600 s)" where it was stopped, then no time or LL). pymc-marketing runs
`model.fit(method="map")` with flat priors (HalfFlat on every parameter, so its MAP is
the maximum-likelihood estimate), timed as the faster of
two build-and-fit calls in one process (the second reuses PyTensor's compiled code;
one call at a million customers).

Standard errors: crmmine's BG/NBD, MBG/NBD and Gamma-Gamma fits include the covariance
from their analytic Hessians, as lifetimes' fits of those models include an autograd
Hessian. The Pareto/NBD has no analytic Hessian on either side: lifetimes'
ParetoNBDFitter computes none, and crmmine's takes its covariance from differences of
the gradient (eight more passes over the customers) when the standard errors are first
read, not in `fit`. "crmmine fit + SE s" times `fit` followed by `standard_errors_`,
the cost for a user who wants them.

Predict: crmmine `predict(t, x, t_x, T)` (expected purchases in the next 39 weeks; 30
days, 4 weeks for online-retail) or `conditional_expected_average_profit` for every customer,
against lifetimes' same method at crmmine's parameters; the two outputs are checked
equal (rtol 1e-8) before timing, except where lifetimes returns NaN (its formulas
overflow for some customers; counted, crmmine's values there are finite). Where the two
differ by more than that (BG/NBD and MBG/NBD with b in the hundreds of thousands, where
lifetimes' hypergeometric formula loses digits), the five rows of largest difference are
evaluated with mpmath at 50 digits: crmmine must be within 1e-8 of it there, and the
rows where lifetimes is not are counted as imprecise (the run aborts otherwise, and for
the other models).

Times are the fastest call after a warm-up: in rounds (10 for crmmine's fits, 3 for
lifetimes', 5 and 3 for predictions) that each start with a garbage collection and then
time 3 consecutive calls; one call per round at a million customers, where lifetimes'
fit is timed once. The collection flushes the CPU caches: right after it, crmmine's
0.55 ms CDNOW BG/NBD fit took 1.0 ms, while lifetimes' 66 ms fit did not change, so a
single call per round would have measured the harness rather than the fit.
lifetimes and pymc-marketing run single-threaded (numpy and scipy kernels); they are
measured once, with BLAS limited to the larger thread count, and repeated on each
threads row. Speed-ups above 1 favour crmmine.
On a shared machine, 2-thread rows of fits that take milliseconds can be far slower
than the 1-thread rows (OpenMP waits for a core another process holds): read the
1-thread rows for the small data sets.
"""


# --- data -----------------------------------------------------------------------------


def cdnow_arrays() -> dict[str, np.ndarray]:
    import pandas as pd

    import crmmine
    import data

    path = data.data_dir() / "CDNOW_sample.txt.gz"
    log = pd.read_csv(
        path,
        sep=r"\s+",
        header=None,
        names=["master_id", "customer", "date", "cds", "amount"],
        dtype={"date": str},
    )
    log["date"] = pd.to_datetime(log["date"], format="%Y%m%d")
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
    return _arrays(split, "_cal")


def online_retail_arrays(freq: str = "D") -> dict[str, np.ndarray]:
    import crmmine
    import data

    summary = crmmine.clv.summary(
        data.online_retail(),
        "CustomerID",
        "InvoiceDate",
        "Amount",
        invoice="InvoiceNo",
        freq=freq,
    )
    return _arrays(summary, "")


def _arrays(table, suffix: str) -> dict[str, np.ndarray]:
    return {
        name: table[name + suffix].to_numpy(np.float64)
        for name in ("frequency", "recency", "T", "monetary_value")
    }


def simulate_bg_nbd(
    n: int,
    r: float = 0.243,
    alpha: float = 4.414,
    a: float = 0.793,
    b: float = 2.426,
    p: float = 6.25,
    q: float = 3.74,
    v: float = 15.44,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Customers of the BG/NBD (and spend of the Gamma-Gamma), vectorised.

    Each customer buys at a Poisson rate lambda ~ Gamma(r, rate alpha) and drops out
    right after repeat purchase K ~ Geometric(p_i), p_i ~ Beta(a, b) (Fader, Hardie &
    Lee 2005). Over (0, T] the Poisson count is N; the customer shows x = min(N, K)
    repeat purchases, and given N the purchase times are N uniform points, so the last
    seen purchase (the x-th of them) is T * Beta(x, N - x + 1). Mean spend of the x
    purchases: each Gamma(p, rate nu), nu ~ Gamma(q, rate v), so their mean is
    Gamma(p x, rate x nu).
    """
    rng = np.random.default_rng(seed)
    T = rng.uniform(27.0, 39.0, n)
    rate = rng.gamma(r, 1.0 / alpha, n)
    dropout = rng.beta(a, b, n)
    drop_after = rng.geometric(dropout)
    events = rng.poisson(rate * T)
    x = np.minimum(events, drop_after)
    t_x = np.zeros(n)
    seen = x > 0
    t_x[seen] = T[seen] * rng.beta(x[seen], events[seen] - x[seen] + 1)
    nu = rng.gamma(q, 1.0 / v, n)
    monetary = np.zeros(n)
    monetary[seen] = rng.gamma(p * x[seen], 1.0 / (x[seen] * nu[seen]))
    return {
        "frequency": x.astype(np.float64),
        "recency": t_x,
        "T": T,
        "monetary_value": monetary,
    }


def synthetic_arrays(n: int) -> dict[str, np.ndarray]:
    path = CACHE / f"clv_synthetic_{n}_v1.npz"
    if path.is_file():
        with np.load(path) as stored:
            return {name: stored[name] for name in stored.files}
    arrays = simulate_bg_nbd(n)
    CACHE.mkdir(exist_ok=True)
    np.savez(path, **arrays)
    return arrays


# --- the sides ------------------------------------------------------------------------


def crmmine_model(name: str, threads: int):
    import crmmine

    cls = {
        "bg_nbd": crmmine.clv.BetaGeo,
        "modified_bg_nbd": crmmine.clv.ModifiedBetaGeo,
        "pareto_nbd": crmmine.clv.ParetoNBD,
        "gamma_gamma": crmmine.clv.GammaGamma,
    }[name]
    return cls(n_jobs=threads)


def fit_crmmine(name: str, arrays: dict, threads: int):
    import warnings

    from crmmine._compat import ConvergenceWarning

    model = crmmine_model(name, threads)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if name == "gamma_gamma":
            return model.fit(arrays["frequency"], arrays["monetary_value"])
        return model.fit(arrays["frequency"], arrays["recency"], arrays["T"])


def fit_with_standard_errors(name: str, arrays: dict, threads: int):
    return fit_crmmine(name, arrays, threads).standard_errors_


def lifetimes_fitter(name: str):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import lifetimes
    return {
        "bg_nbd": lifetimes.BetaGeoFitter,
        "modified_bg_nbd": lifetimes.ModifiedBetaGeoFitter,
        "pareto_nbd": lifetimes.ParetoNBDFitter,
        "gamma_gamma": lifetimes.GammaGammaFitter,
    }[name]


class _TimeUp(Exception):
    pass


def fit_lifetimes(name: str, arrays: dict):
    """The fitted lifetimes model, or why there is none: "ConvergenceError", or
    "did not finish" past LIFETIMES_TIME_LIMIT_S (an alarm stops its Python loop)."""
    import warnings

    from lifetimes.utils import ConvergenceError

    def on_alarm(signum, frame):
        raise _TimeUp

    fitter = lifetimes_fitter(name)()
    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(LIFETIMES_TIME_LIMIT_S)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if name == "gamma_gamma":
                repeat = arrays["frequency"] > 0
                return fitter.fit(
                    arrays["frequency"][repeat], arrays["monetary_value"][repeat]
                )
            return fitter.fit(arrays["frequency"], arrays["recency"], arrays["T"])
        except ConvergenceError:
            return "ConvergenceError"
        except _TimeUp:
            return f"did not finish (> {LIFETIMES_TIME_LIMIT_S} s)"
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)


def log_likelihood(name: str, params: np.ndarray, arrays: dict) -> float:
    """Total log-likelihood at ``params``, the same function for every side."""
    from crmmine import _core

    params = np.ascontiguousarray(params, dtype=np.float64)
    if name == "gamma_gamma":
        repeat = arrays["frequency"] > 0
        return float(
            _core.clv_log_likelihood(
                name,
                params,
                np.ascontiguousarray(arrays["frequency"][repeat]),
                np.ascontiguousarray(arrays["monetary_value"][repeat]),
                None,
                None,
                0,
            )[0]
        )
    return float(
        _core.clv_log_likelihood(
            name, params, arrays["frequency"], arrays["recency"], arrays["T"], None, 0
        )[0]
    )


def predict_crmmine(name: str, model, arrays: dict, horizon: float):
    if name == "gamma_gamma":
        return model.conditional_expected_average_profit(
            arrays["frequency"], arrays["monetary_value"]
        )
    return model.predict(horizon, arrays["frequency"], arrays["recency"], arrays["T"])


def predict_lifetimes(name: str, fitter, arrays: dict, horizon: float):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if name == "gamma_gamma":
            return fitter.conditional_expected_average_profit(
                arrays["frequency"], arrays["monetary_value"]
            )
        return fitter.conditional_expected_number_of_purchases_up_to_time(
            horizon, arrays["frequency"], arrays["recency"], arrays["T"]
        )


def check_predictions(
    name: str, ours, arrays: dict, horizon: float, predicted, expected
) -> int:
    """Rows where lifetimes' finite predictions differ from crmmine's by more than
    rtol 1e-8, once 50-digit mpmath on the five worst of them sides with crmmine."""
    finite = np.isfinite(expected)
    relative = np.zeros_like(predicted)
    relative[finite] = np.abs(predicted[finite] - expected[finite]) / np.abs(
        expected[finite]
    )
    apart = relative > 1e-8
    if not apart.any():
        return 0
    if name not in ("bg_nbd", "modified_bg_nbd"):
        np.testing.assert_allclose(predicted[finite], expected[finite], rtol=1e-8)
    for i in np.argsort(-relative)[:5]:
        exact = bg_nbd_expected_mpmath(
            name, ours.params_.to_numpy(), arrays, i, horizon
        )
        if not abs(predicted[i] - exact) <= 1e-8 * abs(exact):
            raise SystemExit(
                f"{name}: crmmine's prediction {predicted[i]} for row {i} is not within "
                f"1e-8 of mpmath's {exact} (lifetimes: {expected[i]})"
            )
    return int(apart.sum())


def bg_nbd_expected_mpmath(
    name: str, params, arrays: dict, i: int, horizon: float
) -> float:
    """Fader, Hardie & Lee (2005) eq. (10) at 50 digits (Batislam et al. for the
    MBG/NBD: b + x in place of b + x - 1, and the dropout branch for every x)."""
    import mpmath as mp

    mp.mp.dps = 50
    r, alpha, a, b = (mp.mpf(float(v)) for v in params)
    x, t_x, T = (mp.mpf(float(arrays[k][i])) for k in ("frequency", "recency", "T"))
    t = mp.mpf(horizon)
    modified = name == "modified_bg_nbd"
    shift = 0 if modified else 1
    C = a + b + x - shift
    z = t / (alpha + T + t)
    numerator = (
        C
        / (a - 1)
        * (1 - mp.hyp2f1(r + x, b + x + 1 - shift, C, z) * (1 - z) ** (r + x))
    )
    odds = 0
    if modified or x > 0:
        odds = a / (b + x - shift) * ((alpha + T) / (alpha + t_x)) ** (r + x)
    return float(numerator / (1 + odds))


# --- pymc-marketing, in its own environment -------------------------------------------


def pymc_available() -> bool:
    if os.environ.get("CRMMINE_BENCH_NO_PYMC"):
        return False
    if not PYMC_PYTHON.is_file():
        progress("creating benchmarks/.cache/pymc-venv for pymc-marketing")
        try:
            subprocess.run(
                [sys.executable, "-m", "venv", str(PYMC_PYTHON.parents[1])], check=True
            )
            subprocess.run(
                [str(PYMC_PYTHON), "-m", "pip", "install", "-q", "pymc-marketing"],
                check=True,
                timeout=600,
            )
        except (OSError, subprocess.SubprocessError) as error:
            progress(f"pymc-marketing unavailable: {error}")
            return False
    return True


def fit_pymc(name: str, arrays: dict, threads: int) -> dict | None:
    """Runs this file with the pymc-marketing interpreter on the same arrays."""
    if not pymc_available():
        return None
    inputs = CACHE / f"clv_pymc_input_{os.getpid()}.npz"
    np.savez(inputs, **arrays)
    env = dict(os.environ)
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[variable] = str(threads)
    try:
        done = subprocess.run(
            [str(PYMC_PYTHON), __file__, "--pymc-worker", name, str(inputs)],
            capture_output=True,
            text=True,
            env=env,
            timeout=PYMC_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        progress(f"pymc-marketing {name}: no result within {PYMC_TIMEOUT} s")
        return None
    finally:
        inputs.unlink(missing_ok=True)
    if done.returncode != 0:
        progress(f"pymc-marketing {name} failed: {done.stderr.strip()[-500:]}")
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def pymc_worker(name: str, inputs: str) -> None:
    """In the pymc-marketing environment: fit by MAP with flat priors, print JSON."""
    import logging
    import warnings

    import pandas as pd

    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")
    from pymc_extras.prior import Prior
    from pymc_marketing import clv

    with np.load(inputs) as stored:
        arrays = {key: stored[key] for key in stored.files}
    if name == "gamma_gamma":
        repeat = arrays["frequency"] > 0
        arrays = {key: value[repeat] for key, value in arrays.items()}
    frame = pd.DataFrame({"customer_id": np.arange(len(arrays["frequency"])), **arrays})
    names = {
        "bg_nbd": ("r", "alpha", "a", "b"),
        "modified_bg_nbd": ("r", "alpha", "a", "b"),
        "pareto_nbd": ("r", "alpha", "s", "beta"),
        "gamma_gamma": ("p", "q", "v"),
    }[name]
    cls = {
        "bg_nbd": clv.BetaGeoModel,
        "modified_bg_nbd": clv.ModifiedBetaGeoModel,
        "pareto_nbd": clv.ParetoNBDModel,
        "gamma_gamma": clv.GammaGammaModel,
    }[name]
    columns = {
        "bg_nbd": ["customer_id", "frequency", "recency", "T"],
        "modified_bg_nbd": ["customer_id", "frequency", "recency", "T"],
        "pareto_nbd": ["customer_id", "frequency", "recency", "T"],
        "gamma_gamma": ["customer_id", "frequency", "monetary_value"],
    }[name]
    best = float("inf")
    # a second build-and-fit reuses PyTensor's compiled code; at a million customers
    # one fit takes minutes and the compile share is small, so once is enough
    for _ in range(2 if len(frame) < 100_000 else 1):
        began = time.perf_counter()
        model = cls(
            data=frame[columns],
            model_config={parameter: Prior("HalfFlat") for parameter in names},
        )
        model.fit(method="map", progressbar=False)
        best = min(best, time.perf_counter() - began)
    posterior = model.idata.posterior
    params = [float(np.asarray(posterior[p]).squeeze()) for p in names]
    import pymc_marketing

    print(
        json.dumps(
            {"seconds": best, "params": params, "version": pymc_marketing.__version__}
        )
    )


# --- the suite ------------------------------------------------------------------------


NOTES = _NOTES


def run(sizes: list[int], thread_counts: list[int]) -> list[dict[str, object]]:
    global NOTES
    NOTES = _NOTES + f"\nPeers: {peer_versions()}.\n"
    datasets = [
        ("cdnow", cdnow_arrays),
        ("online-retail", online_retail_arrays),
        ("online-retail-weekly", partial(online_retail_arrays, "W")),
    ]
    datasets += [(f"synthetic-{n:,}", lambda n=n: synthetic_arrays(n)) for n in sizes]
    rows = []
    for label, load in datasets:
        progress(f"{label}: loading")
        arrays = load()
        for name in MODELS:
            rows += compare(label, arrays, name, thread_counts)
    return rows


def compare(
    label: str, arrays: dict, name: str, thread_counts: list[int]
) -> list[dict[str, object]]:
    from threadpoolctl import threadpool_limits

    import harness

    big = len(arrays["frequency"]) >= 100_000
    horizon = HORIZON.get(label, 39.0)
    customers = len(arrays["frequency"])
    if name == "gamma_gamma":
        customers = int((arrays["frequency"] > 0).sum())

    progress(f"{label} {name}: lifetimes")
    with threadpool_limits(max(thread_counts)):
        began = time.perf_counter()
        theirs = fit_lifetimes(name, arrays)
        theirs_s = time.perf_counter() - began
        failure = theirs if isinstance(theirs, str) else None
        if failure is not None:
            theirs = None
        if theirs is not None and not big:  # the first call included imports
            theirs_s = harness.best_time(
                partial(fit_lifetimes, name, arrays), 3, CALLS_PER_ROUND
            )
    theirs_ll = None
    if theirs is not None:
        theirs_ll = log_likelihood(name, theirs.params_.to_numpy(), arrays)

    progress(f"{label} {name}: pymc-marketing")
    pymc = fit_pymc(name, arrays, max(thread_counts))
    pymc_ll = None if pymc is None else log_likelihood(name, pymc["params"], arrays)
    if pymc is not None:
        progress(f"  pymc-marketing: {pymc['seconds']:.2f} s, LL {pymc_ll:.2f}")
    if theirs is not None:
        progress(f"  lifetimes: {theirs_s:.3f} s, LL {theirs_ll:.2f}")
    else:
        progress(f"  lifetimes: {failure}")

    rows = []
    for threads in thread_counts:
        progress(f"{label} {name}: crmmine, {threads} thread(s)")
        ours = fit_crmmine(name, arrays, threads)  # warm-up, and the answer to check
        if theirs_ll is not None and ours.log_likelihood_ < theirs_ll - 1e-6 * abs(
            theirs_ll
        ):
            raise SystemExit(
                f"{label} {name}: crmmine's log-likelihood {ours.log_likelihood_} is "
                f"below lifetimes' {theirs_ll}"
            )
        ours_s = harness.best_time(
            partial(fit_crmmine, name, arrays, threads),
            3 if big else 10,
            1 if big else CALLS_PER_ROUND,
        )
        with_errors_s = harness.best_time(
            partial(fit_with_standard_errors, name, arrays, threads),
            1 if big else 10,
            1 if big else CALLS_PER_ROUND,
        )
        # predictions at crmmine's parameters on both sides, checked equal first
        twin = lifetimes_fitter(name)()
        twin.params_ = ours.params_.copy()
        expected = np.asarray(predict_lifetimes(name, twin, arrays, horizon))
        predicted = np.asarray(predict_crmmine(name, ours, arrays, horizon))
        if not np.isfinite(predicted).all():
            raise SystemExit(f"{label} {name}: crmmine predicted NaN or infinity")
        finite = np.isfinite(expected)  # lifetimes overflows on extreme customers
        imprecise = check_predictions(name, ours, arrays, horizon, predicted, expected)
        ours_predict = harness.best_time(
            partial(predict_crmmine, name, ours, arrays, horizon),
            5,
            1 if big else CALLS_PER_ROUND,
        )
        with threadpool_limits(threads):
            theirs_predict = harness.best_time(
                partial(predict_lifetimes, name, twin, arrays, horizon),
                1 if big else 3,
                1 if big else CALLS_PER_ROUND,
            )
        rows.append(
            {
                "data": label,
                "customers": customers,
                "model": name,
                "threads": threads,
                "crmmine fit s": ours_s,
                "lifetimes fit s": theirs_s if theirs is not None else None,
                "fit speed-up": theirs_s / ours_s if theirs is not None else None,
                "crmmine fit + SE s": with_errors_s,
                "crmmine LL": round(ours.log_likelihood_, 2),
                "lifetimes LL": (
                    round(theirs_ll, 2) if theirs_ll is not None else failure
                ),
                "pymc-marketing MAP s": None if pymc is None else pymc["seconds"],
                "pymc-marketing LL": None if pymc_ll is None else round(pymc_ll, 2),
                "crmmine iterations": ours.n_iter_,
                "lifetimes converged": theirs is not None,
                "crmmine predict s": ours_predict,
                "lifetimes predict s": theirs_predict,
                "predict speed-up": theirs_predict / ours_predict,
                "lifetimes NaN predictions": int((~finite).sum()),
                "lifetimes imprecise predictions": imprecise,
            }
        )
    return rows


def peer_versions() -> str:
    """lifetimes (in this process) and pymc-marketing (side environment)."""
    parts = []
    try:
        import lifetimes

        parts.append(f"lifetimes {lifetimes.__version__}")
    except ImportError:
        parts.append("lifetimes not installed")
    if PYMC_PYTHON.is_file():
        done = subprocess.run(
            [
                str(PYMC_PYTHON),
                "-c",
                "import pymc_marketing, pymc, numpy, pandas; print("
                "f'pymc-marketing {pymc_marketing.__version__} (pymc {pymc.__version__}, "
                "numpy {numpy.__version__}, pandas {pandas.__version__}, side venv)')",
            ],
            capture_output=True,
            text=True,
        )
        parts.append(done.stdout.strip() or "pymc-marketing failed to import")
    return ", ".join(parts)


def progress(message: str) -> None:
    print(f"[clv] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--pymc-worker":
        pymc_worker(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
