"""Frequent itemsets: crmmine against pyfim (FP-growth, Eclat), mlxtend (FP-growth,
Apriori) and efficient-apriori on the same baskets, each run in a fresh process under a
time and memory budget, with every finished peer's itemsets and counts checked equal to
crmmine's."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import psutil

import harness
from basket import inputs, worker

TITLE = "Frequent itemsets: crmmine vs pyfim, mlxtend and efficient-apriori"
RESULT_FILE = "basket_itemsets.md"
#: (dataset, min_support) cases, in decreasing support per dataset: a peer that does
#: not finish at one support is not started at the lower ones.
SIZES = [
    ("retail", 0.001),
    ("retail", 0.0005),
    ("retail", 0.0002),
    ("T10I4D100K", 0.001),
    ("T10I4D100K", 0.0005),
    ("groceries", 0.001),
    ("online_retail", 0.01),
    ("online_retail", 0.005),
    ("online_retail", 0.002),
]
QUICK_SIZES = [("groceries", 0.01), ("online_retail", 0.02)]
#: crmmine's inputs: integer codes, the list of baskets, mlxtend's one-hot table
PATHS = ("codes", "frame", "onehot")
ALL_PEERS = (
    "pyfim-fpgrowth",
    "pyfim-eclat",
    "mlxtend-fpgrowth",
    "mlxtend-apriori",
    "efficient-apriori",
)
#: CRMMINE_BENCH_PEERS=pyfim-fpgrowth,pyfim-eclat runs only those (the others read
#: "not run"): a quick rerun of the fast peers
PEERS = [
    peer
    for peer in os.environ.get("CRMMINE_BENCH_PEERS", ",".join(ALL_PEERS)).split(",")
    if peer in ALL_PEERS
]
TIME_LIMIT_S = float(os.environ.get("CRMMINE_BENCH_TIME_LIMIT", 300))
MEMORY_LIMIT_MIB = 8 * 1024
BENCH_DIR = Path(__file__).resolve().parents[1]
COLUMNS = [
    "data",
    "min support",
    "min count",
    "itemsets",
    "threads",
    "crmmine codes s",
    "crmmine frame s",
    "crmmine one-hot s",
    "reading every set s",
    "pyfim fpgrowth s",
    "pyfim eclat s",
    "mlxtend fpgrowth s",
    "mlxtend apriori s",
    "efficient-apriori s",
    "codes / pyfim-fp",
    "frame / pyfim-fp",
    "mlxtend-fp / frame",
    "mlxtend-fp / one-hot",
    "crmmine codes MiB",
    "crmmine frame MiB",
    "pyfim fp MiB",
    "mlxtend fp MiB",
]


def _versions() -> str:
    names = ["pyfim", "mlxtend", "efficient-apriori", "psutil"]
    found = []
    for name in names:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} not installed")
    return ", ".join(found)


NOTES = f"""
Peers: {_versions()}. pyfim, mlxtend and efficient-apriori are single-threaded; they
run once per case and their numbers repeat on each threads row. crmmine runs at each
listed thread count.

Data (`benchmarks/basket/inputs.py`): FIMI retail (88,162 baskets, 16,470 items) and
T10I4D100K (100,000 baskets, 870 items); arules' Groceries (9,835 baskets, 169 items);
UCI Online Retail as invoice x StockCode baskets (20,728 invoices, 3,941 items) —
cancelled invoices ("C..." InvoiceNo) and lines with quantity <= 0 are left out as
returns and stock corrections, and an item bought twice on one invoice counts once.

Each miner runs in a fresh Python process on the input in its own native form, built
before timing: a list of baskets (crmmine frame, pyfim, efficient-apriori), the dense
one-hot bool DataFrame mlxtend needs (as `TransactionEncoder` makes it), and
`crmmine.Baskets` for the codes path. "crmmine codes" is `crmmine.frequent_itemsets`
(integer codes, no Python object per itemset); "crmmine frame" is `crmmine.fpgrowth`
on the list of baskets, so it includes turning labels into codes and building
mlxtend's DataFrame; "crmmine one-hot" is `crmmine.fpgrowth` on the very one-hot
DataFrame mlxtend gets, the call of a user who only changes the import. Its `itemsets` column keeps the codes and makes each frozenset
when it is read (`crmmine.basket.ItemsetArray`); "reading every set" is the time one
`frame["itemsets"].to_numpy()` then takes to make all of them, which a user pays only
when reading them all (mlxtend's time includes making its sets). The threshold is
the same count everywhere: crmmine and pyfim get it as a count, mlxtend and efficient-apriori as the fraction
(`count / n >= min_support`, which gives the same count). Before a time is reported,
the peer's itemsets and counts are compared with crmmine's and must be identical (the
number of itemsets and an order-independent BLAKE2b digest of every sorted itemset
with its count). mlxtend's apriori runs with its defaults (`low_memory=False`).

Time: the first run, then more runs up to {worker.TIMING_BUDGET_S:.0f} s in total (at most
{worker.MAX_REPEATS}), the same rule for every miner; the best.
Peak MiB: resident memory the first run adds at its worst moment (VmHWM after the
call - VmRSS before it, the input already loaded). "did not finish": the process
passed {TIME_LIMIT_S:.0f} s or {MEMORY_LIMIT_MIB // 1024} GiB resident and was killed;
a miner that did not finish at one support is not started at the lower supports of
the same data ("skipped"). Ratios: codes / pyfim-fp and frame / pyfim-fp below 1 mean
crmmine is faster; mlxtend-fp / frame and mlxtend-fp / one-hot are how many times
faster crmmine's DataFrame path is than mlxtend's fpgrowth, from the list of baskets
and from mlxtend's own input.
"""


def run(sizes: list, thread_counts: list[int]) -> list[dict[str, object]]:
    rows = []
    load_before = os.getloadavg()[0]
    failed: dict[tuple[str, str], str] = {}
    for dataset, support in sizes:
        n = len(inputs.baskets(dataset))
        min_count = count_for(support, n)
        progress(f"{dataset} at {support:g} (count >= {min_count:,})")
        crmmine_runs = {}
        reference = None
        for threads in thread_counts:
            for path in PATHS:
                outcome = measure(
                    f"crmmine-{path}", dataset, support, min_count, threads
                )
                if "error" in outcome and not outcome["error"].startswith(
                    "did not finish"
                ):
                    raise SystemExit(f"crmmine failed: {outcome['error']}")
                if "error" not in outcome:
                    found = answer(outcome)
                    if reference is None:
                        reference = found
                    elif found != reference:
                        raise SystemExit(f"crmmine {path} at {threads} threads differs")
                crmmine_runs[(path, threads)] = outcome
        peers = {}
        for peer in PEERS:
            if (dataset, peer) in failed:
                peers[peer] = {"error": "skipped"}
                continue
            outcome = measure(peer, dataset, support, min_count, 1)
            if "error" in outcome:
                failed[(dataset, peer)] = outcome["error"]
            elif answer(outcome) != reference:
                raise SystemExit(
                    f"{peer} on {dataset} at {support}: itemsets differ from crmmine"
                )
            peers[peer] = outcome
            progress(f"  {peer}: {describe(outcome)}")
        for threads in thread_counts:
            ours = {path: crmmine_runs[(path, threads)] for path in PATHS}
            progress(
                f"  crmmine {threads} thread(s): "
                + ", ".join(f"{path} {describe(ours[path])}" for path in PATHS)
            )
            rows.append(row(dataset, support, min_count, threads, ours, peers))
            rows[-1]["itemsets"] = reference[0] if reference else None
    global NOTES
    NOTES += harness.load_note(load_before)
    return rows


def row(dataset, support, min_count, threads, ours_by_path, peers) -> dict:
    def seconds(peer):
        outcome = peers.get(peer, {"error": "not run"})
        return outcome.get("seconds", outcome.get("error"))

    def ours(outcome):
        return outcome.get("seconds", outcome.get("error"))

    def ratio(numerator, denominator):
        if isinstance(numerator, float) and isinstance(denominator, float):
            return numerator / denominator
        return None

    codes, frame, onehot = (ours_by_path[path] for path in PATHS)
    pyfim_fp = seconds("pyfim-fpgrowth")
    mlxtend_fp = seconds("mlxtend-fpgrowth")
    return {
        "data": dataset,
        "min support": f"{support:g}",
        "min count": min_count,
        "itemsets": None,
        "threads": threads,
        "crmmine codes s": ours(codes),
        "crmmine frame s": ours(frame),
        "crmmine one-hot s": ours(onehot),
        "reading every set s": frame.get("reading_sets_seconds"),
        "pyfim fpgrowth s": pyfim_fp,
        "pyfim eclat s": seconds("pyfim-eclat"),
        "mlxtend fpgrowth s": mlxtend_fp,
        "mlxtend apriori s": seconds("mlxtend-apriori"),
        "efficient-apriori s": seconds("efficient-apriori"),
        "codes / pyfim-fp": ratio(ours(codes), pyfim_fp),
        "frame / pyfim-fp": ratio(ours(frame), pyfim_fp),
        "mlxtend-fp / frame": ratio(mlxtend_fp, ours(frame)),
        "mlxtend-fp / one-hot": ratio(mlxtend_fp, ours(onehot)),
        "crmmine codes MiB": codes.get("peak_mib"),
        "crmmine frame MiB": frame.get("peak_mib"),
        "pyfim fp MiB": peers.get("pyfim-fpgrowth", {}).get("peak_mib"),
        "mlxtend fp MiB": peers.get("mlxtend-fpgrowth", {}).get("peak_mib"),
    }


def count_for(support: float, n: int) -> int:
    """The smallest count c with c / n >= support (crmmine's and mlxtend's rule)."""
    count = max(1, math.ceil(support * n))
    while count > 1 and (count - 1) / n >= support:
        count -= 1
    while count / n < support:
        count += 1
    return count


def measure(peer, dataset, support, min_count, threads) -> dict:
    """Run one miner in a fresh process under the time and memory budget."""
    spec = {
        "peer": peer,
        "dataset": dataset,
        "min_support": support,
        "min_count": min_count,
        "threads": threads,
    }
    code = (
        f"import sys; sys.path.insert(0, {str(BENCH_DIR)!r}); "
        "from basket import worker; worker.main()"
    )
    environment = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    process = subprocess.Popen(
        [sys.executable, "-c", code, json.dumps(spec)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )
    watched = psutil.Process(process.pid)
    began = time.monotonic()
    peak_rss = 0
    while process.poll() is None:
        try:
            peak_rss = max(peak_rss, watched.memory_info().rss)
        except psutil.Error:
            pass
        overtime = time.monotonic() - began > TIME_LIMIT_S
        if overtime or peak_rss > MEMORY_LIMIT_MIB * harness.MIB:
            process.kill()
            process.communicate()
            reason = f"> {TIME_LIMIT_S:.0f} s" if overtime else "> 8 GiB"
            return {"error": f"did not finish ({reason})"}
        time.sleep(0.1)
    stdout, stderr = process.communicate()
    if process.returncode != 0:
        last = stderr.strip().splitlines()[-1:] or ["?"]
        if "MemoryError" in last[0]:
            return {"error": "did not finish (MemoryError)"}
        return {"error": f"failed: {last[0]}"}
    return json.loads(stdout.strip().splitlines()[-1])


def answer(outcome: dict) -> tuple[int, str]:
    return outcome["itemsets"], outcome["fingerprint"]


def describe(outcome: dict) -> str:
    if "error" in outcome:
        return outcome["error"]
    return f"{outcome['seconds']:.3f} s, {outcome['peak_mib']:.1f} MiB"


def progress(message: str) -> None:
    print(f"[basket] {message}", file=sys.stderr, flush=True)
