"""Association rules: crmmine.association_rules against mlxtend's on the same frequent
itemsets, in the same process, after checking both give the same rules and values."""

from __future__ import annotations

import os
import signal
import sys
import time
from functools import partial
from importlib import metadata

import numpy as np

import crmmine
import harness
from basket import inputs

TITLE = "Association rules: crmmine vs mlxtend"
RESULT_FILE = "basket_rules.md"
#: (dataset, min_support, consequents)
SIZES = [
    ("T10I4D100K", 0.0002, "all"),
    ("T10I4D100K", 0.0002, "single"),
    ("retail", 0.0001, "all"),
    ("retail", 0.0001, "single"),
]
QUICK_SIZES = [("groceries", 0.001, "all")]
TIME_LIMIT_S = 300
METRIC_COLUMNS = [
    "antecedent support",
    "consequent support",
    "support",
    "confidence",
    "lift",
    "leverage",
    "conviction",
    "zhangs_metric",
    "jaccard",
    "certainty",
    "kulczynski",
]
COLUMNS = [
    "data",
    "min support",
    "itemsets",
    "consequents",
    "rules",
    "threads",
    "crmmine kernel s",
    "crmmine frame s",
    "reading every set s",
    "mlxtend s",
    "mlxtend / crmmine frame",
    "crmmine frame MiB",
    "mlxtend MiB",
]


def _mlxtend_version() -> str:
    try:
        return metadata.version("mlxtend")
    except metadata.PackageNotFoundError:
        return "not installed"


NOTES = f"""
Peer: mlxtend {_mlxtend_version()} (`association_rules`, single-threaded: timed once per
case, repeated on each threads row). Both sides get the same itemset DataFrame, made
by `crmmine.fpgrowth` from the list of baskets (`benchmarks/basket/inputs.py`), and
keep every rule (`metric="confidence", min_threshold=0`) with all of mlxtend's metric
columns. mlxtend only makes every split of an itemset, so it runs on the
`consequents="all"` rows. Before timing, both rule sets are checked to hold the same
(antecedent, consequent) pairs with every metric equal to rtol 1e-9 (inf and NaN
alike).

"crmmine kernel s" is the C++ rule generator alone (`crmmine._core.association_rules`
on the itemsets' integer codes: rules and all eleven metrics as arrays); "crmmine frame
s" is the public `crmmine.association_rules`, which adds mlxtend's DataFrame. Its
`antecedents` and `consequents` columns keep integer codes (one table of the distinct
itemsets for both) and make each frozenset when it is read
(`crmmine.basket.ItemsetArray`); "reading every set s" is the time one `to_numpy()` of
both columns then takes to make all of them, which a user pays only when reading them
all. mlxtend gets the itemsets as the object column of frozensets its own miner makes
(`astype(object)`), and its time includes making its rules' frozensets. Times are
the best of 3 (mlxtend: one run); peak MiB is the resident memory one call adds at its worst moment. mlxtend runs under
a {TIME_LIMIT_S} s limit ("did not finish" past it).
"""


class _TimeUp(Exception):
    pass


def run(sizes: list, thread_counts: list[int]) -> list[dict[str, object]]:
    rows = []
    load_before = os.getloadavg()[0]
    for dataset, support, consequents in sizes:
        lists = inputs.baskets(dataset)
        items = crmmine.fpgrowth(lists, support)
        table = items.attrs["crmmine"]
        progress(f"{dataset} at {support:g}: {len(items):,} itemsets, {consequents}")
        mlxtend_s = mlxtend_mib = None
        reference = None
        if consequents == "all":
            # mlxtend gets the object column of frozensets its own miner makes
            mlxtend_items = items.astype({"itemsets": object})
            mlxtend_s, mlxtend_mib, reference = run_mlxtend(mlxtend_items, len(lists))
            del mlxtend_items
            progress(f"  mlxtend: {mlxtend_s}")
        for threads in thread_counts:
            crmmine.set_num_threads(threads)
            kernel = partial(run_kernel, table, consequents, threads)
            frame = partial(
                crmmine.association_rules,
                items,
                metric="confidence",
                min_threshold=0.0,
                consequents=consequents,
                n_jobs=threads,
            )
            ours = frame()
            began = time.perf_counter()
            ours["antecedents"].to_numpy()
            ours["consequents"].to_numpy()
            reading_s = time.perf_counter() - began
            if isinstance(reference, dict):
                check_equal(ours, reference)
            kernel()
            kernel_s = harness.best_time(kernel, 3)
            frame_s = harness.best_time(frame, 3)
            progress(
                f"  {threads} thread(s): kernel {kernel_s:.3f} s, frame {frame_s:.3f} s"
            )
            rows.append(
                {
                    "data": dataset,
                    "min support": f"{support:g}",
                    "itemsets": len(items),
                    "consequents": consequents,
                    "rules": len(ours),
                    "threads": threads,
                    "crmmine kernel s": kernel_s,
                    "crmmine frame s": frame_s,
                    "reading every set s": reading_s,
                    "mlxtend s": mlxtend_s,
                    "mlxtend / crmmine frame": (
                        mlxtend_s / frame_s if isinstance(mlxtend_s, float) else None
                    ),
                    "crmmine frame MiB": harness.peak_memory(frame),
                    "mlxtend MiB": mlxtend_mib,
                }
            )
            del ours
    crmmine.set_num_threads(None)
    global NOTES
    NOTES += harness.load_note(load_before)
    return rows


def run_kernel(table, consequents: str, threads: int) -> dict:
    return crmmine._core.association_rules(
        table.offsets,
        table.items,
        table.counts,
        table.n_transactions,
        consequents,
        "confidence",
        0.0,
        0,
        0,
        np.empty(0, dtype=np.int32),
        None,
        np.iinfo(np.int64).max,
        threads,
    )


def run_mlxtend(items, n: int):
    """(seconds or "did not finish", peak MiB, the rules keyed for comparison)."""
    from mlxtend.frequent_patterns import association_rules

    def on_alarm(signum, frame):
        raise _TimeUp

    call = partial(
        association_rules, items, num_itemsets=n, metric="confidence", min_threshold=0.0
    )
    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(TIME_LIMIT_S)
    try:
        harness.release_memory()
        before = harness._status_kib("VmRSS")
        with open("/proc/self/clear_refs", "w") as file:
            file.write("5")
        began = time.perf_counter()
        theirs = call()
        seconds = time.perf_counter() - began
        peak = (harness._status_kib("VmHWM") - before) / 1024
    except _TimeUp:
        return f"did not finish (> {TIME_LIMIT_S} s)", None, None
    except MemoryError:
        return "did not finish (MemoryError)", None, None
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return seconds, peak, keyed(theirs)


def keyed(rules) -> dict:
    keys = zip(rules["antecedents"], rules["consequents"], strict=True)
    values = np.column_stack([rules[c].to_numpy(dtype=float) for c in METRIC_COLUMNS])
    return {"index": {key: i for i, key in enumerate(keys)}, "values": values}


def check_equal(ours, reference: dict) -> None:
    index = reference["index"]
    if len(ours) != len(index):
        raise SystemExit(
            f"rule counts differ: crmmine {len(ours)}, mlxtend {len(index)}"
        )
    rows = np.fromiter(
        (
            index.get(key, -1)
            for key in zip(ours["antecedents"], ours["consequents"], strict=True)
        ),
        dtype=np.int64,
        count=len(ours),
    )
    if (rows < 0).any():
        raise SystemExit("crmmine made a rule mlxtend did not")
    theirs = reference["values"][rows]
    mine = np.column_stack([ours[c].to_numpy(dtype=float) for c in METRIC_COLUMNS])
    same = (np.isnan(mine) & np.isnan(theirs)) | np.isclose(
        mine, theirs, rtol=1e-9, atol=1e-12
    )
    same |= np.isinf(mine) & (mine == theirs)
    if not same.all():
        column = METRIC_COLUMNS[int(np.flatnonzero(~same.all(axis=0))[0])]
        raise SystemExit(f"metric {column!r} differs between crmmine and mlxtend")


def progress(message: str) -> None:
    print(f"[basket-rules] {message}", file=sys.stderr, flush=True)
