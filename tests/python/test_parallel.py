"""Thread settings, the GIL and Ctrl-C around long C++ work."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import crmmine
from crmmine import _core


def test_set_and_get_num_threads():
    crmmine.set_num_threads(1)
    assert crmmine.get_num_threads() == 1
    crmmine.set_num_threads(2)
    assert crmmine.get_num_threads() == (2 if _core.openmp_enabled() else 1)
    crmmine.set_num_threads(None)
    assert crmmine.get_num_threads() >= 1


@pytest.mark.skipif(not _core.openmp_enabled(), reason="built without OpenMP")
def test_omp_num_threads_is_the_default():
    script = "import crmmine; print(crmmine.get_num_threads())"
    env = {**os.environ, "OMP_NUM_THREADS": "3"}
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "3"


def big_log(n_rows: int = 20_000_000):
    rng = np.random.default_rng(5)
    return dict(
        customer=rng.integers(0, 100_000, n_rows, dtype=np.int32),
        time=np.sort(rng.integers(0, 10**6, n_rows)).astype(np.int64),
        amount=rng.random(n_rows),
        invoice=np.arange(n_rows, dtype=np.int32),
        invoice_cancelled=None,
        n_customers=100_000,
        n_invoices=n_rows,
        analysis_time=None,
        ticks_per_day=1,
        monetary="total",
        returns="exclude",
        n_jobs=2,
    )


@pytest.fixture(scope="module")
def long_work():
    return big_log()


def test_long_work_releases_the_gil(long_work):
    worker = threading.Thread(target=_core.rfm_table, kwargs=long_work)
    ticks = 0
    worker.start()
    while worker.is_alive():
        ticks += 1
        time.sleep(0.001)
    worker.join()
    assert ticks > 5  # the main thread kept running Python while C++ worked


def test_ctrl_c_stops_long_work(long_work):
    started = time.perf_counter()
    _core.rfm_table(**long_work)
    full = time.perf_counter() - started
    if full < 0.2:
        pytest.skip(f"the work takes {full:.3f}s here, too short to interrupt reliably")
    # A process started in the background (nohup, `cmd &` without job control) ignores
    # SIGINT, so Python installs no handler; install the one an interactive session has.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        stopped_times = interrupted_times(long_work, full)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert min(stopped_times) < 0.75 * full  # stopped early, not when the work was done
    # and the module still works afterwards
    assert len(_core.rfm_table(**{**long_work, "n_jobs": 1})["customer"]) == 100_000


def interrupted_times(long_work, full: float) -> list[float]:
    """Seconds until SIGINT stopped the work, over up to three attempts: a busy
    machine can stall any single one, and stopping early once proves the point."""
    stopped_times = []
    for _ in range(3):
        timer = threading.Timer(0.02, os.kill, (os.getpid(), signal.SIGINT))
        started = time.perf_counter()
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            _core.rfm_table(**long_work)
        stopped_times.append(time.perf_counter() - started)
        timer.join()
        if stopped_times[-1] < 0.75 * full:
            break
    return stopped_times


@pytest.mark.parametrize("estimator", ["DecisionTreeClassifier", "LogisticRegression"])
def test_large_predictions_are_ordinary_arrays(estimator):
    """Predictions of 2 MiB or more live in their own huge-page mapping: they must
    equal the ones made in small batches (numpy's memory), be writeable C-ordered
    float64 arrays, outlive the model, and pickle."""
    import gc
    import pickle

    rng = np.random.default_rng(0)
    X = rng.normal(size=(150_000, 5))
    y = (X[:, 0] + rng.normal(size=len(X)) > 0).astype(int)
    model = getattr(crmmine, estimator)().fit(X[:5000], y[:5000])
    whole = model.predict_proba(X)
    assert whole.nbytes >= 2 << 20
    batches = np.vstack(
        [model.predict_proba(X[i : i + 10_000]) for i in range(0, len(X), 10_000)]
    )
    del model
    gc.collect()
    np.testing.assert_array_equal(whole, batches)
    assert (
        whole.dtype == np.float64 and whole.flags.c_contiguous and whole.flags.writeable
    )
    whole[0] = [0.25, 0.75]
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(whole)), whole)
