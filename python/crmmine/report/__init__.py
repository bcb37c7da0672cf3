"""The CRM report: the analyses of a purchase log, printed as readable tables."""

from __future__ import annotations

import warnings

import pandas as pd

from crmmine._compat import ConvergenceWarning
from crmmine.segment.rfm import rfm, rfm_segments
from crmmine.segment.value_tiers import value_tier_summary, value_tiers

__all__ = ["clv_report", "format_segment_table", "format_tier_table", "rfm_report"]


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


def clv_report(log: pd.DataFrame, *, months: int = 12, top: int = 10, **columns) -> str:
    """The lifetime-value section: BG/NBD and Gamma-Gamma fitted on the whole log (in
    days), the expected value of the next ``months`` months per value tier and for
    the ``top`` customers. A log the models cannot be fitted on gives a note instead,
    so the rest of the report still prints."""
    from crmmine import clv

    title = f"Customer lifetime value (BG/NBD + Gamma-Gamma, next {months} months)"
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            summary = clv.summary(log, **columns)
            purchases = clv.BetaGeo().fit(summary)
            spend = clv.GammaGamma().fit(summary)
            value = clv.lifetime_value(purchases, spend, summary, time=months)
            alive = purchases.conditional_probability_alive(summary)
            tiers = value_tiers(rfm(log, **columns)["monetary"])
    except (ValueError, ArithmeticError) as error:
        return f"{title}\n  not available for this log: {error}"
    notes = [
        f"  {type(w.message).__name__}: {w.message}"
        for w in caught
        if issubclass(w.category, ConvergenceWarning)
    ]
    r, alpha, a, b = purchases.params_
    p, q, v = spend.params_
    header = [
        title,
        f"  BG/NBD r={r:.3f} alpha={alpha:.2f} a={a:.3f} b={b:.3f} on "
        f"{purchases.n_customers_:,} customers; Gamma-Gamma p={p:.2f} q={q:.2f} "
        f"v={v:.2f} on {spend.n_customers_:,} repeat buyers; 1% monthly discount",
        f"  expected value of the next {months} months: {value.sum():,.0f}",
        *notes,
        "",
    ]
    by_tier = pd.DataFrame(
        {"clv": value, "alive": alive, "tier": tiers["tier"].reindex(value.index)}
    ).groupby("tier", observed=False)
    tier_table = pd.DataFrame(
        {
            "customers": by_tier.size().map("{:,}".format),
            "expected CLV": by_tier["clv"].sum().map("{:,.0f}".format),
            "share of CLV": (by_tier["clv"].sum() / value.sum()).map("{:.1%}".format),
            "CLV per customer": by_tier["clv"].mean().map("{:,.0f}".format),
            "P(alive) mean": by_tier["alive"].mean().map("{:.2f}".format),
        }
    )
    tier_table.index = tier_table.index.astype(str)
    best = value.sort_values(ascending=False).index[:top]
    top_table = pd.DataFrame(
        {
            "frequency": summary.loc[best, "frequency"].map("{:.0f}".format),
            "recency (days)": summary.loc[best, "recency"].map("{:.0f}".format),
            "age T (days)": summary.loc[best, "T"].map("{:.0f}".format),
            "P(alive)": alive.loc[best].map("{:.2f}".format),
            "expected CLV": value.loc[best].map("{:,.0f}".format),
        }
    )
    return (
        "\n".join(header)
        + "\nExpected CLV by value tier\n"
        + tier_table.to_string()
        + f"\n\nTop {len(best)} customers by expected CLV\n"
        + top_table.to_string()
    )
