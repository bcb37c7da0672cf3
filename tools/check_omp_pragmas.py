"""Fails when an OpenMP parallel region lacks an explicit num_threads(...) clause: every
region must use the thread count crmmine resolved, never OpenMP's own default."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRAGMA = re.compile(r"#\s*pragma\s+omp\s+parallel\b(?P<rest>.*)")


def main() -> int:
    bad = []
    for path in sorted([*ROOT.glob("include/**/*.hpp"), *ROOT.glob("src/**/*.cpp")]):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            match = PRAGMA.search(line)
            if match and "num_threads(" not in match.group("rest"):
                bad.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    for entry in bad:
        print(f"OpenMP region without num_threads: {entry}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
