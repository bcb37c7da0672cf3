"""Small bundled data, and a reader for the full public files it was drawn from."""

from __future__ import annotations

from importlib import resources
from os import PathLike

import pandas as pd

__all__ = ["load_online_retail_sample", "read_online_retail"]


def read_online_retail(path: str | PathLike) -> pd.DataFrame:
    """Read a file in the layout of UCI "Online Retail" (CSV, optionally gzipped).

    Invoice and stock codes stay text, ``InvoiceDate`` is parsed, ``CustomerID`` is a
    nullable integer (missing for anonymous sales), and ``Amount`` is added as
    ``Quantity * UnitPrice``.
    """
    frame = pd.read_csv(
        path,
        dtype={
            "InvoiceNo": "string",
            "StockCode": "string",
            "Description": "string",
            "CustomerID": "Int64",
            "Country": "string",
        },
        parse_dates=["InvoiceDate"],
    )
    frame["Amount"] = frame["Quantity"] * frame["UnitPrice"]
    return frame


def load_online_retail_sample() -> pd.DataFrame:
    """A sample of the UCI "Online Retail" data: every order line of 100 customers.

    8,724 rows from 2010-12-01 to 2011-12-09, 200 of them without a customer id, with
    cancellations (invoices starting with "C") as in the original. Columns: InvoiceNo,
    StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID, Country and
    the added Amount.

    Source: Chen, D. (2015). Online Retail [Dataset]. UCI Machine Learning Repository,
    https://doi.org/10.24432/C5BW33, licensed CC BY 4.0; the sample is a subset, made by
    ``tools/make_online_retail_sample.py``.

    Examples
    --------
    >>> import crmmine
    >>> df = crmmine.datasets.load_online_retail_sample()
    >>> df.shape
    (8724, 9)
    """
    source = resources.files(__name__).joinpath("data/online_retail_sample.csv.gz")
    with resources.as_file(source) as path:
        return read_online_retail(path)
