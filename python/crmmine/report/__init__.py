"""The CRM report: the analyses of a purchase log, printed as readable tables."""

from __future__ import annotations

import pandas as pd

from crmmine.segment.rfm import rfm, rfm_segments

__all__ = ["format_segment_table", "rfm_report"]


def rfm_report(log: pd.DataFrame, **columns: object) -> str:
    """The RFM section of the report: segment sizes and revenue shares, as text."""
    table = rfm(log, **columns)
    summary = rfm_segments(table).sort_values("revenue", ascending=False)
    attrs = table.attrs
    header = [
        "RFM segmentation",
        f"  customers: {len(table):,}   analysis date: {attrs['analysis_date']:%Y-%m-%d}   "
        f"rows without a customer (left out): {attrs['dropped_rows_missing_customer']:,}",
        f"  monetary: {attrs['monetary']} spend, returns: {attrs['returns']}",
        "",
    ]
    return "\n".join(header) + format_segment_table(summary)


def format_segment_table(summary: pd.DataFrame) -> str:
    """A segment summary from ``rfm_segments`` as an aligned text table."""
    shown = pd.DataFrame(
        {
            "customers": summary["customers"].map("{:,}".format),
            "share": summary["customer_share"].map("{:.1%}".format),
            "revenue": summary["revenue"].map("{:,.0f}".format),
            "revenue share": summary["revenue_share"].map("{:.1%}".format),
            "recency (days)": summary["recency_mean"].map("{:.0f}".format),
            "frequency": summary["frequency_mean"].map("{:.1f}".format),
            "monetary": summary["monetary_mean"].map("{:,.0f}".format),
        }
    )
    total = pd.DataFrame(
        {
            "customers": [f"{summary['customers'].sum():,}"],
            "share": ["100.0%"],
            "revenue": [f"{summary['revenue'].sum():,.0f}"],
            "revenue share": ["100.0%"],
            "recency (days)": [""],
            "frequency": [""],
            "monetary": [""],
        },
        index=["Total"],
    )
    return pd.concat([shown, total]).to_string()
