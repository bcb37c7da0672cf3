"""Rebuild python/crmmine/datasets/data/online_retail_sample.csv.gz from the full
UCI Online Retail file: every row of a seeded random set of customers (so their RFM
values are exact), plus some rows without a customer id.

    python tools/make_online_retail_sample.py [path/to/online_retail.csv.gz]
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "python/crmmine/datasets/data/online_retail_sample.csv.gz"
N_CUSTOMERS = 100
N_ANONYMOUS_ROWS = 200


def main() -> None:
    data_dir = Path(os.environ.get("CRMMINE_DATA_DIR", ROOT.parent / "shared" / "data"))
    source = (
        Path(sys.argv[1]) if len(sys.argv) > 1 else data_dir / "online_retail.csv.gz"
    )
    full = pd.read_csv(source, dtype={"InvoiceNo": str, "StockCode": str})
    rng = np.random.default_rng(2011)
    customers = full["CustomerID"].dropna().unique()
    chosen = rng.choice(np.sort(customers), size=N_CUSTOMERS, replace=False)
    anonymous = full.index[full["CustomerID"].isna()]
    keep = full["CustomerID"].isin(chosen)
    keep[rng.choice(anonymous, size=N_ANONYMOUS_ROWS, replace=False)] = True
    sample = full[keep]
    sample.to_csv(TARGET, index=False, compression={"method": "gzip", "mtime": 0})
    print(f"{len(sample)} rows, {sample['CustomerID'].nunique()} customers -> {TARGET}")


if __name__ == "__main__":
    main()
