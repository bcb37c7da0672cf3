"""Command line: ``crmmine report [LOG.csv]`` (or ``python -m crmmine report``)."""

from __future__ import annotations

import argparse
import sys

from crmmine import datasets
from crmmine.report import clv_report, rfm_report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="crmmine", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    report = commands.add_parser(
        "report",
        help="analyse a purchase log (default: the bundled Online Retail sample)",
    )
    report.add_argument("log", nargs="?", help="CSV in the Online Retail layout")
    report.add_argument("--customer", default="CustomerID")
    report.add_argument("--date", default="InvoiceDate")
    report.add_argument("--invoice", default="InvoiceNo")
    report.add_argument(
        "--amount",
        default="Amount",
        help="money per row (default: Quantity x UnitPrice)",
    )
    arguments = parser.parse_args(argv)

    if arguments.log:
        log = datasets.read_online_retail(arguments.log)
        source = arguments.log
    else:
        log = datasets.load_online_retail_sample()
        source = "bundled Online Retail sample (UCI, CC BY 4.0)"
    print(f"crmmine report on {source}: {len(log):,} rows\n")
    columns = dict(
        customer=arguments.customer,
        date=arguments.date,
        amount=arguments.amount,
        invoice=arguments.invoice,
    )
    try:
        print(rfm_report(log, **columns))
        print()
        print(clv_report(log, **columns))
    except (ValueError, TypeError) as error:
        print(f"crmmine: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
