"""Value tiers: key, ordinary and small customers by cumulative share of value (the
80/20 or ABC analysis)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crmmine._validation import numeric_column

_NAMES = {"crm": ("key", "ordinary", "small"), "abc": ("A", "B", "C")}


def value_tiers(
    values: pd.Series | Sequence[float] | np.ndarray,
    cuts: Sequence[float] = (0.8, 0.95),
    names: str | Sequence[str] = "crm",
) -> pd.DataFrame:
    """Rank customers by value and cut by cumulative share of the total.

    A customer belongs to the first tier whose cut its predecessors' cumulative share has
    not reached yet: the key tier is the smallest set of top customers that together make
    ``cuts[0]`` of the value. Customers with zero or negative value (net returns) rank
    last and fall in the last tier; shares are of the positive total.

    Parameters
    ----------
    values : Series or array
        One value per customer (monetary, or lifetime value), indexed by customer.
    cuts : increasing fractions in (0, 1)
        Cumulative shares closing each tier but the last; ``len(cuts) + 1`` tiers.
    names : "crm", "abc" or a sequence of ``len(cuts) + 1`` names
        "crm": key / ordinary / small; "abc": A / B / C.

    Returns
    -------
    DataFrame
        Indexed like ``values``, sorted by value (highest first), with columns
        ``value``, ``share``, ``cumulative_share``, ``rank`` and ``tier`` (ordered
        categorical).

    Examples
    --------
    >>> import pandas as pd, crmmine
    >>> spend = pd.Series([500, 300, 100, 60, 40], index=list("abcde"))
    >>> crmmine.value_tiers(spend)["tier"].tolist()
    ['key', 'key', 'ordinary', 'ordinary', 'small']
    """
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    if len(series) == 0:
        raise ValueError("values is empty; pass one value per customer")
    amounts = numeric_column(series, "values")
    tier_names = _tier_names(names, cuts)
    order = np.argsort(-amounts, kind="stable")
    ranked = amounts[order]
    positive_total = ranked[ranked > 0].sum()
    if positive_total <= 0:
        raise ValueError("values has no positive value to share out; check the column")
    share = np.where(ranked > 0, ranked, 0.0) / positive_total
    cumulative = np.cumsum(share)
    # the share of all higher-ranked customers
    before = np.concatenate(([0.0], cumulative[:-1]))
    tier = np.searchsorted(np.asarray(cuts, dtype=float), before, side="right")
    tier[ranked <= 0] = len(cuts)
    return pd.DataFrame(
        {
            "value": ranked,
            "share": share,
            "cumulative_share": cumulative,
            "rank": np.arange(1, len(ranked) + 1),
            "tier": pd.Categorical.from_codes(
                tier, categories=tier_names, ordered=True
            ),
        },
        index=series.index[order],
    )


def value_tier_summary(tiers: pd.DataFrame) -> pd.DataFrame:
    """Customers and value per tier of a ``value_tiers`` table: the Pareto check.

    Examples
    --------
    >>> import pandas as pd, crmmine
    >>> spend = pd.Series([500, 300, 100, 60, 40], index=list("abcde"))
    >>> crmmine.value_tier_summary(crmmine.value_tiers(spend))["customer_share"].tolist()
    [0.4, 0.4, 0.2]
    """
    if not {"value", "tier"} <= set(tiers.columns):
        raise ValueError("tiers must be the table value_tiers() returns")
    grouped = tiers.groupby("tier", observed=False)
    summary = pd.DataFrame(
        {"customers": grouped.size(), "value": grouped["value"].sum()}
    )
    summary.insert(
        1, "customer_share", summary["customers"] / summary["customers"].sum()
    )
    positive = tiers["value"].clip(lower=0).sum()
    summary["value_share"] = (
        grouped["value"].apply(lambda v: v.clip(lower=0).sum()) / positive
    )
    summary.index = summary.index.astype(str)
    return summary


def _tier_names(names: str | Sequence[str], cuts: Sequence[float]) -> list[str]:
    cut_values = np.asarray(cuts, dtype=float)
    if cut_values.ndim != 1 or len(cut_values) == 0:
        raise ValueError(
            f"cuts must be a non-empty sequence of fractions, got {cuts!r}"
        )
    if (
        not ((cut_values > 0) & (cut_values < 1)).all()
        or (np.diff(cut_values) <= 0).any()
    ):
        raise ValueError(
            f"cuts must increase strictly within (0, 1), got {list(cuts)}; e.g. (0.8, 0.95)"
        )
    if isinstance(names, str):
        if names not in _NAMES:
            raise ValueError(
                f"names must be 'crm', 'abc' or a list of names, got {names!r}"
            )
        chosen = list(_NAMES[names])
        if len(chosen) != len(cut_values) + 1:
            raise ValueError(
                f"names={names!r} has {len(chosen)} tiers but {len(cut_values)} cuts make "
                f"{len(cut_values) + 1}; pass your own list of names"
            )
        return chosen
    chosen = [str(name) for name in names]
    if len(chosen) != len(cut_values) + 1 or len(set(chosen)) != len(chosen):
        raise ValueError(
            f"names needs {len(cut_values) + 1} distinct names for {len(cut_values)} cuts"
        )
    return chosen
