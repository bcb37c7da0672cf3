"""RFM on the scaled Online Retail log: ``crmmine.rfm`` against the idiomatic pandas
pipeline, in the same process on the same DataFrame, after checking they agree."""

from __future__ import annotations

import sys
from functools import partial

import numpy as np
import pandas as pd

import crmmine
import data
import harness

TITLE = "RFM: crmmine.rfm vs the pandas pipeline"
RESULT_FILE = "segment_rfm.md"
SIZES = [1_000_000, 10_000_000]
QUICK_SIZES = [100_000]
COLUMNS = [
    "dataset",
    "rows",
    "customers",
    "threads",
    "crmmine s",
    "pandas s",
    "speed-up (pandas/crmmine)",
    "crmmine peak MiB",
    "pandas peak MiB",
    "memory ratio (pandas/crmmine)",
]
NOTES = """
Input: the UCI Online Retail log (541,909 rows) repeated end to end with new customer
ids and invoice numbers per copy, cut to the row count (`benchmarks/data.py`); columns
InvoiceNo (string), InvoiceDate (datetime64[us]), CustomerID (Int64, with missing
values), Amount (float64). Both sides drop rows without a customer, ignore returns
(negative amount or an invoice starting with "C") and measure recency to the last
purchase + 1 day; both results are checked equal (recency, frequency, the three scores
exactly, monetary to rtol 1e-9) before timing.

Times are the best of several runs after a warm-up; peak MiB is the resident memory a
single call adds at its worst moment (VmHWM after the call - VmRSS before it). pandas is
single-threaded, so it is measured once per dataset and repeated on each threads row.
Ratios above 1 favour crmmine.
"""


def crmmine_rfm(df: pd.DataFrame, threads: int) -> pd.DataFrame:
    # n_jobs covers the C++ kernel; the global setting covers every other parallel step
    crmmine.set_num_threads(threads)
    return crmmine.rfm(
        df,
        customer="CustomerID",
        date="InvoiceDate",
        amount="Amount",
        invoice="InvoiceNo",
        n_jobs=threads,
    )


def pandas_rfm(df: pd.DataFrame) -> pd.DataFrame:
    """The pipeline the tutorials teach, written the way a pandas user would."""
    d = df[df.CustomerID.notna() & ~df.InvoiceNo.str.startswith("C") & (df.Amount >= 0)]
    snapshot = d.InvoiceDate.max() + pd.Timedelta(days=1)
    t = d.groupby("CustomerID").agg(
        last=("InvoiceDate", "max"),
        frequency=("InvoiceNo", "nunique"),
        monetary=("Amount", "sum"),
    )
    t["recency"] = (snapshot - t["last"]).dt.days
    t["r_score"] = pd.qcut(t.recency.rank(method="first"), 5, labels=[5, 4, 3, 2, 1])
    t["f_score"] = pd.qcut(t.frequency.rank(method="first"), 5, labels=[1, 2, 3, 4, 5])
    t["m_score"] = pd.qcut(t.monetary.rank(method="first"), 5, labels=[1, 2, 3, 4, 5])
    return t


def check_same(ours: pd.DataFrame, theirs: pd.DataFrame) -> None:
    """Raise unless crmmine and pandas give the same table (timing a wrong answer
    would be worthless)."""
    same = np.testing.assert_array_equal
    same(ours.index.to_numpy(np.int64), theirs.index.to_numpy(np.int64))
    for column in ["recency", "frequency", "r_score", "f_score", "m_score"]:
        same(ours[column].to_numpy(np.int64), theirs[column].to_numpy(np.int64))
    np.testing.assert_allclose(ours["monetary"], theirs["monetary"], rtol=1e-9)


def repeats_for(n_rows: int) -> int:
    # small inputs run in milliseconds and are noisy on a shared machine, so they get
    # more repeats; at 10M rows crmmine still varies by ~20% run to run (hashing 10M
    # Python strings is memory-bound), so even there 3 would not be enough
    return 10 if n_rows < 1_000_000 else 5


def label(n_rows: int) -> str:
    if n_rows % 1_000_000 == 0:
        return f"online-retail-{n_rows // 1_000_000}M"
    if n_rows % 1_000 == 0:
        return f"online-retail-{n_rows // 1_000}k"
    return f"online-retail-{n_rows}"


def run(sizes: list[int], thread_counts: list[int]) -> list[dict[str, object]]:
    """One table row per (size, thread count)."""
    rows = []
    for n_rows in sizes:
        progress(f"{label(n_rows)}: building or loading the data")
        df = data.scaled_online_retail(n_rows)
        rows += compare(label(n_rows), df, thread_counts, repeats_for(n_rows))
    return rows


def compare(
    name: str, df: pd.DataFrame, thread_counts: list[int], repeats: int
) -> list[dict[str, object]]:
    """Check crmmine against pandas on ``df``, then time both and take their peaks."""
    progress(f"{name}: checking crmmine against pandas")
    expected = pandas_rfm(df)  # the reference, and pandas' warm-up run
    customers = len(expected)
    for threads in thread_counts:
        check_same(crmmine_rfm(df, threads), expected)  # also crmmine's warm-ups
    del expected  # not held while the others are measured

    progress(f"{name}: pandas")
    pandas_call = partial(pandas_rfm, df)
    pandas_s = harness.best_time(pandas_call, repeats)
    pandas_mib = harness.peak_memory(pandas_call)
    rows = []
    for threads in thread_counts:
        progress(f"{name}: crmmine, {threads} thread(s)")
        crmmine_call = partial(crmmine_rfm, df, threads)
        crmmine_s = harness.best_time(crmmine_call, repeats)
        crmmine_mib = harness.peak_memory(crmmine_call)
        rows.append(
            {
                "dataset": name,
                "rows": len(df),
                "customers": customers,
                "threads": threads,
                "crmmine s": crmmine_s,
                "pandas s": pandas_s,
                "speed-up (pandas/crmmine)": pandas_s / crmmine_s,
                "crmmine peak MiB": crmmine_mib,
                "pandas peak MiB": pandas_mib,
                "memory ratio (pandas/crmmine)": ratio(pandas_mib, crmmine_mib),
            }
        )
    return rows


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def progress(message: str) -> None:
    print(f"[rfm] {message}", file=sys.stderr, flush=True)
