"""TransactionLog: a purchase log in columns, with customers and invoices as codes."""

from __future__ import annotations

from dataclasses import dataclass, field
from os import PathLike

import numpy as np
import pandas as pd

from crmmine import _convert, _validation

#: the column a log without money gets its zero amounts from
_ZERO_AMOUNT = "__crmmine_amount__"


@dataclass(frozen=True, repr=False)
class TransactionLog:
    """A purchase log: one row per order line.

    Build one with :meth:`from_frame`, :meth:`from_arrays` or :meth:`from_csv`; every
    analysis that takes a log accepts either this or a DataFrame plus column names.

    Attributes
    ----------
    customer : ndarray of int32
        Customer code per row, ``-1`` where the row has no customer.
    time : ndarray of int64
        Time per row on an integer clock with ``ticks_per_day`` ticks a day.
    amount : ndarray of float64
        Money per row; negative for returns.
    invoice : ndarray of int32
        Invoice code per row.
    invoice_cancelled : ndarray of uint8
        1 for each invoice code that is a cancellation (label starts with ``cancel_prefix``).
    customer_labels, invoice_labels : pandas.Index
        The labels the codes stand for.
    """

    customer: np.ndarray
    time: np.ndarray
    amount: np.ndarray
    invoice: np.ndarray
    invoice_cancelled: np.ndarray
    customer_labels: pd.Index
    invoice_labels: pd.Index
    ticks_per_day: int
    time_dtype: np.dtype
    customer_name: str | None = None
    dropped: dict = field(default_factory=dict)

    @classmethod
    def from_frame(
        cls,
        data: pd.DataFrame,
        customer: str,
        date: str,
        amount: str | None = None,
        invoice: str | None = None,
        *,
        quantity: str | None = None,
        price: str | None = None,
        cancel_prefix: str | None = "C",
        missing_customer: str = "drop",
    ) -> TransactionLog:
        """Build a log from a long-format DataFrame, one row per order line.

        Parameters
        ----------
        data : DataFrame
        customer, date : str
            Columns with the customer id and the purchase date (datetime or text).
        amount : str, optional
            Column with the money of each row. Give either this or ``quantity`` and
            ``price``, whose product is the amount.
        invoice : str, optional
            Column with the invoice (order) id. Without it every distinct timestamp of a
            customer counts as one order.
        cancel_prefix : str or None, default "C"
            Invoices whose label starts with this are cancellations (Online Retail's
            convention); None turns the rule off. Rows with a negative amount are returns
            either way.
        missing_customer : {"drop", "raise"}
            Rows without a customer id are left out of per-customer analyses ("drop", the
            count is kept in ``dropped``) or refused ("raise").

        Examples
        --------
        >>> import pandas as pd, crmmine
        >>> df = pd.DataFrame({"cust": ["a", "b", "a"], "day": ["2024-01-01"] * 3,
        ...                    "inv": [1, 2, 3], "spend": [5.0, 7.5, 1.0]})
        >>> log = crmmine.TransactionLog.from_frame(df, "cust", "day", "spend", "inv")
        >>> log
        TransactionLog(3 rows, 2 customers, 3 invoices)
        """
        _validation.check_columns(
            data,
            {
                "customer": customer,
                "date": date,
                "amount": amount,
                "invoice": invoice,
                "quantity": quantity,
                "price": price,
            },
        )
        _validation.check_not_empty(data)
        _validation.check_choice(
            missing_customer, "missing_customer", ("drop", "raise")
        )
        money = _amount(data, amount, quantity, price)
        dates = _convert.as_datetime(data[date], f"date (column {date!r})")
        ticks, ticks_per_day, time_dtype = _convert.clock(dates)
        customer_codes, customer_labels = _convert.factorize(data[customer], "customer")
        n_missing = int(np.count_nonzero(customer_codes < 0))
        if n_missing and missing_customer == "raise":
            raise ValueError(
                f"customer (column {customer!r}) is missing on {n_missing} row(s); drop "
                "them or pass missing_customer='drop'"
            )
        if invoice is None:
            invoice_codes, invoice_labels = _convert.factorize(
                dates, "date", sort=False
            )
        else:
            invoice_codes, invoice_labels = _convert.factorize(
                data[invoice], "invoice", sort=False
            )
            if (invoice_codes < 0).any():
                raise ValueError(
                    f"invoice (column {invoice!r}) has missing values; fill or drop them"
                )
        return cls(
            customer=customer_codes,
            time=ticks,
            amount=money,
            invoice=invoice_codes,
            invoice_cancelled=_cancelled(invoice_labels, cancel_prefix),
            customer_labels=customer_labels,
            invoice_labels=invoice_labels,
            ticks_per_day=ticks_per_day,
            time_dtype=time_dtype,
            customer_name=customer if isinstance(customer, str) else None,
            dropped={"missing_customer": n_missing},
        )

    @classmethod
    def from_arrays(
        cls,
        customer: object,
        date: object,
        amount: object,
        invoice: object | None = None,
        **options: object,
    ) -> TransactionLog:
        """Build a log from equal-length arrays (numpy, lists or Series).

        Examples
        --------
        >>> import crmmine
        >>> crmmine.TransactionLog.from_arrays([1, 1, 2], ["2024-01-01", "2024-01-05",
        ...     "2024-01-02"], [10.0, 5.0, 3.0]).n_customers
        2
        """
        columns = {"customer": customer, "date": date, "amount": amount}
        if invoice is not None:
            columns["invoice"] = invoice
        lengths = {name: len(values) for name, values in columns.items()}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"arrays must have the same length, got {lengths}")
        frame = pd.DataFrame(
            {name: np.asarray(values) for name, values in columns.items()}
        )
        return cls.from_frame(
            frame,
            "customer",
            "date",
            "amount",
            "invoice" if invoice is not None else None,
            **options,
        )

    @classmethod
    def from_csv(
        cls,
        path: str | PathLike,
        customer: str,
        date: str,
        amount: str | None = None,
        invoice: str | None = None,
        *,
        quantity: str | None = None,
        price: str | None = None,
        read_csv_options: dict | None = None,
        **options: object,
    ) -> TransactionLog:
        """Build a log from a CSV file (compressed files too, as pandas reads them)."""
        columns = {
            "customer": customer,
            "date": date,
            "amount": amount,
            "invoice": invoice,
            "quantity": quantity,
            "price": price,
        }
        frame = _convert.read_csv_columns(
            path, columns, (customer, invoice), read_csv_options or {}
        )
        return cls.from_frame(
            frame,
            customer,
            date,
            amount,
            invoice,
            quantity=quantity,
            price=price,
            **options,
        )

    @property
    def n_rows(self) -> int:
        return len(self.customer)

    @property
    def n_customers(self) -> int:
        return len(self.customer_labels)

    @property
    def n_invoices(self) -> int:
        return len(self.invoice_labels)

    def __repr__(self) -> str:
        return (
            f"TransactionLog({self.n_rows} rows, {self.n_customers} customers, "
            f"{self.n_invoices} invoices)"
        )


def _amount(
    data: pd.DataFrame, amount: str | None, quantity: str | None, price: str | None
) -> np.ndarray:
    if amount is not None and (quantity is not None or price is not None):
        raise ValueError("pass either amount or quantity and price, not both")
    if amount is not None:
        return _validation.numeric_column(data[amount], f"amount (column {amount!r})")
    if quantity is None or price is None:
        raise ValueError(
            "the money of each row is needed: pass amount='<column>' or both "
            "quantity='<column>' and price='<column>'"
        )
    units = _validation.numeric_column(
        data[quantity], f"quantity (column {quantity!r})"
    )
    unit_price = _validation.numeric_column(data[price], f"price (column {price!r})")
    return units * unit_price


def _cancelled(invoice_labels: pd.Index, cancel_prefix: str | None) -> np.ndarray:
    """Flags per invoice code; the test runs once per distinct invoice, not per row."""
    if cancel_prefix is None or not (
        pd.api.types.is_string_dtype(invoice_labels.dtype)
        or pd.api.types.is_object_dtype(invoice_labels.dtype)
    ):
        return np.zeros(len(invoice_labels), dtype=np.uint8)
    # Cutting every label to the prefix's length turns the test into one vectorised ==.
    heads = invoice_labels.to_numpy(dtype=object).astype(f"U{len(cancel_prefix)}")
    return (heads == cancel_prefix).astype(np.uint8)


def as_transaction_log(
    caller: str,
    data: pd.DataFrame | TransactionLog,
    customer: str | None,
    date: str | None,
    amount: str | None,
    invoice: str | None,
    quantity: str | None,
    price: str | None,
    cancel_prefix: str | None,
    missing_customer: str,
    *,
    money_optional: bool = False,
) -> TransactionLog:
    """The log a public function was given, built from a frame's named columns if needed.

    ``caller`` names the public function in the error that asks for the column names.
    With ``money_optional``, a frame without amount, quantity and price gives a log
    whose amounts are zeros.
    """
    if isinstance(data, TransactionLog):
        given = [
            name
            for name, value in (
                ("customer", customer),
                ("date", date),
                ("amount", amount),
                ("invoice", invoice),
                ("quantity", quantity),
                ("price", price),
            )
            if value is not None
        ]
        if given:
            raise ValueError(
                "data is a TransactionLog, which already knows its columns; drop "
                f"{', '.join(given)}"
            )
        return data
    if customer is None or date is None:
        raise ValueError(
            f"name the log's columns: {caller}(df, customer='CustomerID', "
            "date='InvoiceDate', amount='Amount', invoice='InvoiceNo', ...)"
        )
    if money_optional and amount is None and quantity is None and price is None:
        _validation.check_columns(data, {"customer": customer, "date": date})
        if _ZERO_AMOUNT in data.columns:
            raise ValueError(f"data must not have a column named {_ZERO_AMOUNT!r}")
        data = data.assign(**{_ZERO_AMOUNT: 0.0})
        amount = _ZERO_AMOUNT
    return TransactionLog.from_frame(
        data,
        customer,
        date,
        amount,
        invoice,
        quantity=quantity,
        price=price,
        cancel_prefix=cancel_prefix,
        missing_customer=missing_customer,
    )
