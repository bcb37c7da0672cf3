"""The CRM report: the analyses of a purchase log, printed as readable tables."""

from __future__ import annotations

import pandas as pd

from crmmine.segment.rfm import rfm, rfm_segments
from crmmine.segment.value_tiers import value_tier_summary, value_tiers

__all__ = ["format_segment_table", "format_tier_table", "rfm_report"]


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
    tiers = value_tier_summary(value_tiers(table["monetary"]))
    return (
        "\n".join(header)
        + format_segment_table(summary)
        + "\n\nValue tiers (customers ranked by spend; key = the top who make 80% of it)\n"
        + format_tier_table(tiers)
    )


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


def format_tier_table(summary: pd.DataFrame) -> str:
    """A tier summary from ``value_tier_summary`` as an aligned text table."""
    shown = pd.DataFrame(
        {
            "customers": summary["customers"].map("{:,}".format),
            "share of customers": summary["customer_share"].map("{:.1%}".format),
            "value": summary["value"].map("{:,.0f}".format),
            "share of value": summary["value_share"].map("{:.1%}".format),
        }
    )
    return shown.to_string()
