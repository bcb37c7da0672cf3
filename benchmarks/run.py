"""Run the benchmark suites and write their tables to benchmarks/results/.

    python benchmarks/run.py [--only rfm] [--quick] [--threads N]

Each suite runs at N threads (default: crmmine's default, every core) and at 1 thread.
``--quick`` runs small inputs only, as a smoke test of the harness; its tables go to
benchmarks/.cache/results/, not to the published results.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

import crmmine
import harness
from basket import bench_itemsets, bench_rules
from churn import bench_decision_tree, bench_logistic_regression, bench_metrics
from clv import bench_clv
from segment import bench_kmeans, bench_rfm

REPO = Path(__file__).resolve().parents[1]
RESULTS_DIR = REPO / "benchmarks" / "results"
#: --quick tables go to the git-ignored cache, so a smoke run never overwrites (and
#: cannot get committed as) the published numbers
QUICK_RESULTS_DIR = REPO / "benchmarks" / ".cache" / "results"

#: name -> module with TITLE, RESULT_FILE, SIZES, QUICK_SIZES, COLUMNS, NOTES and run()
SUITES = {
    "rfm": bench_rfm,
    "kmeans": bench_kmeans,
    "metrics": bench_metrics,
    "logistic": bench_logistic_regression,
    "tree": bench_decision_tree,
    "basket": bench_itemsets,
    "basket-rules": bench_rules,
    "clv": bench_clv,
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only",
        choices=sorted(SUITES),
        action="append",
        help="run only this suite (repeatable); default: all",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small inputs only: a smoke run, not for publishing",
    )
    parser.add_argument(
        "--max-rows",
        type=int,
        help="leave out the inputs larger than this many rows (a partial run; the "
        "table says so in its command line)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=crmmine.get_num_threads(),
        help="thread count besides 1 (default: %(default)s)",
    )
    return parser.parse_args()


def header(thread_counts: list[int]) -> dict[str, str]:
    """The facts a reader needs to reproduce or compare a table."""
    openmp = "on" if crmmine._core.openmp_enabled() else "off"
    compiler = harness.compiler_of(crmmine._core.__file__) or "unknown"
    compiler += f", flags `{crmmine._core._build_flags or 'none'}`"
    return {
        "Command": f"`{harness.command_line()}`",
        "Date": harness.now(),
        "Machine": harness.machine(),
        "Threads": f"crmmine at {', '.join(map(str, thread_counts))} "
        f"(OpenMP {openmp}); pandas single-threaded",
        "Source": harness.source_revision(REPO),
        "Versions": harness.versions([crmmine, np, pd, *extra_modules()])
        + f"; compiler {compiler}",
    }


def extra_modules() -> list[object]:
    """Peer libraries a suite compares against, when installed."""
    try:
        import sklearn
    except ImportError:
        return []
    return [sklearn]


def rows_of(size) -> int:
    """The row count of a suite's size entry (a count, or (dataset, count)); 0 for
    suites sized otherwise (basket supports), which --max-rows leaves whole."""
    count = size[1] if isinstance(size, tuple) else size
    return count if isinstance(count, int) else 0


def main() -> None:
    args = parse_args()
    if args.threads < 1:
        sys.exit("--threads must be at least 1")
    thread_counts = sorted({args.threads, 1}, reverse=True)
    for name in args.only or list(SUITES):
        suite = SUITES[name]
        sizes = suite.QUICK_SIZES if args.quick else suite.SIZES
        if args.max_rows is not None:
            sizes = [s for s in sizes if rows_of(s) <= args.max_rows]
        facts = header(thread_counts)  # before the run: its date is when it started
        rows = suite.run(sizes, thread_counts)
        path = (QUICK_RESULTS_DIR if args.quick else RESULTS_DIR) / suite.RESULT_FILE
        harness.write_report(path, suite.TITLE, facts, suite.COLUMNS, rows, suite.NOTES)
        print(harness.markdown_table(suite.COLUMNS, rows))
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
