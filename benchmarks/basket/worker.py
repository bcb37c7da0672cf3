"""One miner on one input in a fresh process: its time, its peak memory and its
itemsets' fingerprint (for the parent to compare). Run by ``bench_itemsets`` as

    python -c "...; from basket import worker; worker.main()" '<json spec>'

and prints one JSON line. The parent enforces the time and memory budget.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path

import harness
from basket import inputs

#: Keep timing a fast miner until this many seconds are spent (best of the runs), or
#: this many runs: a call of a few milliseconds on a shared machine is often slowed
#: by its neighbours, and five runs left its best up to a third above its cost.
TIMING_BUDGET_S = 5.0
MAX_REPEATS = 20


def main() -> None:
    spec = json.loads(sys.argv[1])
    lists = inputs.baskets(spec["dataset"])
    call, normalise = prepare(spec["peer"], lists, spec)
    harness.release_memory()
    before = harness._status_kib("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")
    began = time.perf_counter()
    result = call()
    times = [time.perf_counter() - began]
    peak_mib = (harness._status_kib("VmHWM") - before) / 1024
    outcome = {}
    if spec["peer"] == "crmmine-frame":
        # the itemsets column makes its frozensets when read: time reading them all
        began = time.perf_counter()
        result["itemsets"].to_numpy()
        outcome["reading_sets_seconds"] = time.perf_counter() - began
    n_itemsets, digest = fingerprint(normalise(result))
    del result
    while sum(times) < TIMING_BUDGET_S and len(times) < MAX_REPEATS:
        times.append(harness.best_time(call, 1))
    outcome.update(
        seconds=min(times),
        runs=len(times),
        peak_mib=peak_mib,
        itemsets=n_itemsets,
        fingerprint=digest,
    )
    print(json.dumps(outcome))


def fingerprint(found) -> tuple[int, str]:
    """(number of itemsets, an order-independent digest of every (itemset, count)):
    two miners agree when both match. Each itemset is written canonically (labels as
    text, sorted) and hashed with BLAKE2b; the 64-bit hashes are summed mod 2^64, so
    millions of itemsets are compared without holding two copies in one process."""
    total, count = 0, 0
    for itemset, support_count in found:
        text = "\x1f".join(sorted(map(str, itemset))) + f"\x1e{support_count}"
        digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
        total = (total + int.from_bytes(digest, "little")) % (1 << 64)
        count += 1
    return count, f"{total:016x}"


def prepare(peer: str, lists: list[list], spec: dict):
    """(the timed call, result -> {frozenset of labels: count}) for one peer; input
    preparation in the peer's native format happens here, untimed."""
    min_count, support, threads = (
        spec["min_count"],
        spec["min_support"],
        spec["threads"],
    )
    n = len(lists)
    if peer.startswith("crmmine"):
        import crmmine

        crmmine.set_num_threads(threads)
        if peer == "crmmine-codes":
            baskets = crmmine.Baskets.from_lists(lists)

            def call():
                return crmmine.frequent_itemsets(baskets, min_count, n_jobs=threads)

            def normalise(found):
                return zip(found.to_lists(), found.counts.tolist(), strict=True)

            return call, normalise

        if peer == "crmmine-onehot":
            onehot = onehot_frame(lists)

            def call():  # mlxtend's call, import changed
                return crmmine.fpgrowth(
                    onehot, min_count, use_colnames=True, n_jobs=threads
                )

        else:

            def call():
                return crmmine.fpgrowth(lists, min_count, n_jobs=threads)

        def normalise(frame):
            return frame_counts(frame, n)

        return call, normalise
    if peer.startswith("pyfim"):
        import fim

        miner = fim.fpgrowth if peer == "pyfim-fpgrowth" else fim.eclat

        def call():
            return miner(lists, target="s", supp=-min_count, zmin=1, report="a")

        def normalise(found):
            return found

        return call, normalise
    if peer.startswith("mlxtend"):
        from mlxtend import frequent_patterns

        onehot = onehot_frame(lists)
        miner = (
            frequent_patterns.fpgrowth
            if peer == "mlxtend-fpgrowth"
            else frequent_patterns.apriori
        )

        def call():
            return miner(onehot, min_support=support, use_colnames=True)

        def normalise(frame):
            return frame_counts(frame, n)

        return call, normalise
    if peer == "efficient-apriori":
        from efficient_apriori import itemsets_from_transactions

        def call():
            return itemsets_from_transactions(
                lists, min_support=support, max_length=1_000
            )

        def normalise(found):
            by_length, _ = found
            return (pair for level in by_length.values() for pair in level.items())

        return call, normalise
    raise SystemExit(f"unknown peer {peer!r}")


def onehot_frame(lists: list[list]):
    """mlxtend's input: the dense one-hot bool table TransactionEncoder makes (one
    byte a cell, built without a wider intermediate)."""
    import numpy as np
    import pandas as pd

    import crmmine

    coded = crmmine.Baskets.from_lists(lists)
    table = np.zeros((coded.n_baskets, coded.n_items), dtype=bool)
    lengths = np.diff(coded.indptr)
    table[np.repeat(np.arange(coded.n_baskets), lengths), coded.items] = True
    return pd.DataFrame(table, columns=coded.item_labels.tolist())


def frame_counts(frame, n: int):
    counts = (frame["support"].to_numpy() * n).round().astype(int).tolist()
    return zip(frame["itemsets"], counts, strict=True)


if __name__ == "__main__":
    main()
