"""Market-basket benchmark inputs, as lists of baskets (cached as pickles).

- ``retail``: FIMI retail.dat (88,162 Belgian supermarket baskets, 16,470 items);
- ``T10I4D100K``: FIMI T10I4D100K.dat (IBM synthetic, 100,000 baskets, 870 items);
- ``groceries``: arules' Groceries (9,835 baskets, 169 items; one basket per line,
  comma-separated item names);
- ``online_retail``: UCI Online Retail as invoice x StockCode baskets. Cancelled
  invoices (InvoiceNo starting with "C") and lines with a quantity <= 0 (stock
  write-offs without an invoice prefix) are left out: they are returns and
  corrections, not purchases. An item bought twice on one invoice counts once.
"""

from __future__ import annotations

import gzip
import pickle

import data

#: Bump when a recipe below changes, so stale cache files are not reused.
RECIPE = "v1"
DATASETS = ("retail", "T10I4D100K", "groceries", "online_retail")


def baskets(name: str) -> list[list]:
    """The dataset as a list of baskets (FIMI: int items; the others: strings)."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}")
    cached = data.CACHE_DIR / f"basket_{name}_{RECIPE}.pkl"
    if cached.is_file():
        with cached.open("rb") as file:
            return pickle.load(file)
    made = _build(name)
    data.CACHE_DIR.mkdir(exist_ok=True)
    with cached.open("wb") as file:
        pickle.dump(made, file, protocol=pickle.HIGHEST_PROTOCOL)
    return made


def _build(name: str) -> list[list]:
    folder = data.data_dir()
    if name in ("retail", "T10I4D100K"):
        with gzip.open(_require(folder / f"{name}.dat.gz"), "rt") as file:
            return [list(map(int, line.split())) for line in file]
    if name == "groceries":
        with gzip.open(_require(folder / "groceries.csv.gz"), "rt") as file:
            return [line.split(",") for line in file.read().splitlines()]
    import pandas as pd

    log = pd.read_csv(
        _require(folder / "online_retail.csv.gz"),
        usecols=["InvoiceNo", "StockCode", "Quantity"],
        dtype={"InvoiceNo": str, "StockCode": str},
    )
    kept = log[~log["InvoiceNo"].str.startswith("C") & (log["Quantity"] > 0)]
    grouped = kept.groupby("InvoiceNo", sort=True)["StockCode"].unique()
    return [list(items) for items in grouped]


def _require(path):
    if not path.is_file():
        raise SystemExit(f"{path} not found; set CRMMINE_DATA_DIR to its folder")
    return path
