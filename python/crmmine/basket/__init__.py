"""Market baskets: frequent itemsets (Apriori, FP-growth, Eclat), association rules
with mlxtend's metrics, and cross-sell recommendations."""

from crmmine.basket._frames import FrequentItemsets
from crmmine.basket.itemset_array import ItemsetArray, ItemsetDtype
from crmmine.basket.itemsets import apriori, eclat, fpgrowth, frequent_itemsets
from crmmine.basket.recommend import recommend
from crmmine.basket.rules import association_rules

__all__ = [
    "FrequentItemsets",
    "ItemsetArray",
    "ItemsetDtype",
    "apriori",
    "association_rules",
    "eclat",
    "fpgrowth",
    "frequent_itemsets",
    "recommend",
]
