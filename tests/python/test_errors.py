"""The table of bad inputs: every public entry point refuses them with the right error
type and a message that names the argument."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

import crmmine

LOG = pd.DataFrame(
    {
        "cust": [1, 2, 3, 1],
        "day": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-09"]),
        "spend": [10.0, 20.0, 5.0, 7.0],
        "inv": ["a", "b", "c", "d"],
    }
)
COLUMNS = dict(customer="cust", date="day", amount="spend", invoice="inv")
FILES = {}  # written afresh for every test by the _files fixture
BASKETS = [["milk", "bread"], ["milk", "eggs"], ["milk", "bread", "eggs"], ["bread"]]


def small_itemsets():
    return crmmine.fpgrowth(BASKETS, min_support=2)


def small_rules():
    return crmmine.association_rules(small_itemsets(), min_threshold=0.1)


def foreign_itemsets():
    """Itemsets as mlxtend makes them: no crmmine codes attached."""
    return pd.DataFrame(
        {"support": [0.5, 0.5, 0.25], "itemsets": [{"a"}, {"b"}, {"a", "b"}]}
    ).assign(itemsets=lambda f: f["itemsets"].map(frozenset))


def sparse_with_negative():
    from scipy import sparse

    return sparse.csr_matrix(np.array([[1, -1], [0, 1]]))


def sparse_with_nan():
    from scipy import sparse

    return sparse.csr_matrix(np.array([[1.0, np.nan], [0.0, 1.0]]))


def log_with(**changes):
    return LOG.assign(**changes)


def rfm(data=LOG, **options):
    return crmmine.rfm(data, **{**COLUMNS, **options})


def churn(data=LOG, **options):
    options = {"cutoff": "2024-01-05", "horizon_days": 2, **options}
    return crmmine.churn_features(data, **{**COLUMNS, **options})


CASES = {
    # purchase logs
    "empty log": (lambda: rfm(LOG.iloc[:0]), ValueError, "data is empty"),
    "not a DataFrame": (
        lambda: rfm(LOG.to_numpy()),
        TypeError,
        "data must be a pandas",
    ),
    "unknown column": (
        lambda: rfm(customer="client"),
        ValueError,
        "customer='client' is not a column",
    ),
    "NaN amount": (
        lambda: rfm(log_with(spend=[1.0, np.nan, 2.0, 3.0])),
        ValueError,
        "amount .*missing or infinite",
    ),
    "inf amount": (
        lambda: rfm(log_with(spend=[1.0, np.inf, 2.0, 3.0])),
        ValueError,
        "amount .*infinite",
    ),
    "text amount": (
        lambda: rfm(log_with(spend=["1", "2", "3", "4"])),
        TypeError,
        "amount .*numeric",
    ),
    "bool amount": (
        lambda: rfm(log_with(spend=[True, False, True, True])),
        TypeError,
        "amount .*numeric",
    ),
    "no amount": (
        lambda: crmmine.rfm(LOG, "cust", "day"),
        ValueError,
        "amount='<column>'",
    ),
    "amount and price": (
        lambda: rfm(price="spend"),
        ValueError,
        "either amount or quantity",
    ),
    "dates that do not parse": (
        lambda: rfm(log_with(day=["2024-01-01", "soon", "2024-01-02", "2024-01-03"])),
        ValueError,
        "date .*do not parse",
    ),
    "missing dates": (
        lambda: rfm(
            log_with(
                day=pd.to_datetime(["2024-01-01", None, "2024-01-02", "2024-01-03"])
            )
        ),
        ValueError,
        "date .*missing",
    ),
    "numbers as dates": (
        lambda: rfm(log_with(day=[1, 2, 3, 4])),
        TypeError,
        "date .*numbers",
    ),
    "missing invoice": (
        lambda: rfm(log_with(inv=["a", None, "c", "d"])),
        ValueError,
        "invoice .*missing",
    ),
    "missing customer refused": (
        lambda: rfm(log_with(cust=[1, None, 3, 1]), missing_customer="raise"),
        ValueError,
        "customer .*missing",
    ),
    "unknown missing_customer": (
        lambda: rfm(missing_customer="keep"),
        ValueError,
        "missing_customer must be one of",
    ),
    "analysis date too early": (
        lambda: rfm(analysis_date="2024-01-05"),
        ValueError,
        "analysis_date: precedes",
    ),
    "analysis date not a date": (
        lambda: rfm(analysis_date="next tuesday"),
        ValueError,
        "analysis_date=.*does not parse",
    ),
    "zero bins": (lambda: rfm(bins=0), ValueError, "bins must be at least 1"),
    "text bins": (lambda: rfm(bins="5"), TypeError, "bins must be an integer"),
    "unknown monetary": (
        lambda: rfm(monetary="median"),
        ValueError,
        "monetary must be one of",
    ),
    "unknown returns": (
        lambda: rfm(returns="keep"),
        ValueError,
        "returns must be one of",
    ),
    "segment map with gaps": (
        lambda: rfm(segment_map={"5[1-5]": "Best"}),
        ValueError,
        "segment_map leaves 20",
    ),
    "segment map bad key": (
        lambda: rfm(segment_map={5: "Best"}),
        TypeError,
        "segment_map keys",
    ),
    "segment map bad pattern": (
        lambda: rfm(segment_map={"[": "Best"}),
        ValueError,
        "segment_map key",
    ),
    "n_jobs zero": (lambda: rfm(n_jobs=0), ValueError, "n_jobs must not be 0"),
    "n_jobs text": (lambda: rfm(n_jobs="2"), TypeError, "n_jobs must be an integer"),
    "one customer": (
        lambda: rfm(log_with(cust=[1, 1, 1, 1])),
        ValueError,
        "bins: quantile scores need at least 2",
    ),
    "only returns": (
        lambda: rfm(log_with(spend=[-1.0, -2.0, -3.0, -4.0])),
        ValueError,
        "log: holds no purchase",
    ),
    "options for a finished table": (
        lambda: crmmine.rfm_segments(rfm(), bins=3),
        ValueError,
        "already an RFM table",
    ),
    "columns with a TransactionLog": (
        lambda: crmmine.rfm(
            crmmine.TransactionLog.from_frame(LOG, **COLUMNS), customer="cust"
        ),
        ValueError,
        "drop customer",
    ),
    "mismatched arrays": (
        lambda: crmmine.TransactionLog.from_arrays([1, 2], ["2024-01-01"], [1.0, 2.0]),
        ValueError,
        "same length",
    ),
    "log csv unknown column": (
        lambda: crmmine.TransactionLog.from_csv(FILES["csv"], "client", "day", "spend"),
        ValueError,
        "customer='client' is not a column",
    ),
    # baskets
    "empty long frame": (
        lambda: crmmine.Baskets.from_long(LOG.iloc[:0], "inv", "cust"),
        ValueError,
        "data is empty",
    ),
    "basket unknown column": (
        lambda: crmmine.Baskets.from_long(LOG, "invoice", "cust"),
        ValueError,
        "transaction='invoice' is not a column",
    ),
    "missing item": (
        lambda: crmmine.Baskets.from_long(
            log_with(cust=[1, None, 3, 1]), "inv", "cust"
        ),
        ValueError,
        "item .*missing",
    ),
    "negative quantity": (
        lambda: crmmine.Baskets.from_long(
            log_with(spend=[1.0, -2.0, 3.0, 4.0]), "inv", "cust", "spend"
        ),
        ValueError,
        "quantity: .*non-negative",
    ),
    "NaN quantity": (
        lambda: crmmine.Baskets.from_long(
            log_with(spend=[1.0, np.nan, 3.0, 4.0]), "inv", "cust", "spend"
        ),
        ValueError,
        "quantity .*missing",
    ),
    "mismatched basket arrays": (
        lambda: crmmine.Baskets.from_arrays([1, 2, 3], [1, 2]),
        ValueError,
        "same length",
    ),
    "2-d basket arrays": (
        lambda: crmmine.Baskets.from_arrays([[1, 2]], [[1, 2]]),
        ValueError,
        "one-dimensional",
    ),
    "empty basket arrays": (
        lambda: crmmine.Baskets.from_arrays([], []),
        ValueError,
        "empty",
    ),
    "a string as a basket": (
        lambda: crmmine.Baskets.from_lists(["milk", ["bread"]]),
        TypeError,
        r"transactions\[0\] is str",
    ),
    "a None item": (
        lambda: crmmine.Baskets.from_lists([["milk", None]]),
        ValueError,
        "missing items",
    ),
    "one-hot with NaN": (
        lambda: crmmine.Baskets.from_onehot(pd.DataFrame({"a": [1.0, np.nan]})),
        ValueError,
        "NaN",
    ),
    "one-hot with counts": (
        lambda: crmmine.Baskets.from_onehot(pd.DataFrame({"a": [1, 2]})),
        ValueError,
        "only True/False or 0/1",
    ),
    "one-hot with text": (
        lambda: crmmine.Baskets.from_onehot(pd.DataFrame({"a": ["x", "y"]})),
        TypeError,
        "column 'a' has dtype",
    ),
    "one-hot not a frame": (
        lambda: crmmine.Baskets.from_onehot(np.ones((2, 2))),
        TypeError,
        "one-hot pandas DataFrame",
    ),
    "one-hot empty": (
        lambda: crmmine.Baskets.from_onehot(pd.DataFrame()),
        ValueError,
        "empty",
    ),
    "fimi missing file": (
        lambda: crmmine.Baskets.from_fimi("/no/such/file.dat"),
        ValueError,
        "path .*is not a file",
    ),
    "fimi bad token": (
        lambda: crmmine.Baskets.from_fimi(FILES["bad_fimi"]),
        ValueError,
        "path: line 2",
    ),
    "basket csv unknown column": (
        lambda: crmmine.Baskets.from_csv(FILES["csv"], "tid", "cust"),
        ValueError,
        "transaction='tid' is not a column",
    ),
    "item_counts n_jobs": (
        lambda: crmmine.Baskets.from_lists([["a"]]).item_counts(n_jobs=0),
        ValueError,
        "n_jobs",
    ),
    # churn features
    "churn without cutoff": (
        lambda: crmmine.churn_features(LOG, **COLUMNS, horizon_days=5),
        TypeError,
        "cutoff",
    ),
    "churn cutoff not a date": (
        lambda: churn(cutoff="someday"),
        ValueError,
        "cutoff=.*does not parse",
    ),
    "churn cutoff before every purchase": (
        lambda: churn(cutoff="2023-01-01"),
        ValueError,
        "cutoff: no customer has a purchase",
    ),
    "churn window past the log": (
        lambda: churn(horizon_days=30),
        ValueError,
        "horizon_days: the label window",
    ),
    "churn zero horizon": (
        lambda: churn(horizon_days=0),
        ValueError,
        "horizon_days must be at least 1",
    ),
    "churn fractional horizon": (
        lambda: churn(horizon_days=2.5),
        TypeError,
        "horizon_days must be a whole number",
    ),
    "churn unknown returns": (
        lambda: churn(returns="keep"),
        ValueError,
        "returns must be one of",
    ),
    "churn unknown quantity column": (
        lambda: churn(quantity="units"),
        ValueError,
        "quantity='units' is not a column",
    ),
    "churn text quantity": (
        lambda: churn(data=log_with(units=["1", "2", "3", "4"]), quantity="units"),
        TypeError,
        "quantity .*numeric",
    ),
    "churn columns with a TransactionLog": (
        lambda: crmmine.churn_features(
            crmmine.TransactionLog.from_frame(LOG, **COLUMNS),
            quantity="spend",
            cutoff="2024-01-05",
            horizon_days=2,
        ),
        ValueError,
        "drop quantity",
    ),
    "churn unnamed columns": (
        lambda: crmmine.churn_features(LOG, cutoff="2024-01-05", horizon_days=2),
        ValueError,
        "name the log's columns",
    ),
    # metrics
    "roc auc of one class": (
        lambda: crmmine.metrics.roc_auc_score([1, 1], [0.2, 0.4]),
        ValueError,
        "y_true holds only one class",
    ),
    "roc auc of three classes": (
        lambda: crmmine.metrics.roc_auc_score([0, 1, 2], [0.2, 0.4, 0.5]),
        ValueError,
        "y_true has 3 classes",
    ),
    "roc auc NaN score": (
        lambda: crmmine.metrics.roc_auc_score([0, 1], [0.2, np.nan]),
        ValueError,
        "y_score: contains NaN",
    ),
    "roc auc short scores": (
        lambda: crmmine.metrics.roc_auc_score([0, 1, 1], [0.2, 0.4]),
        ValueError,
        "y_score has 2 rows but y_true has 3",
    ),
    "roc auc text scores": (
        lambda: crmmine.metrics.roc_auc_score([0, 1], ["a", "b"]),
        TypeError,
        "y_score must be numeric",
    ),
    "roc auc two score columns": (
        lambda: crmmine.metrics.roc_auc_score([0, 1], [[0.8, 0.2], [0.4, 0.6]]),
        ValueError,
        r"y_score has two columns.*\[:, 1\]",
    ),
    "roc auc bad max_fpr": (
        lambda: crmmine.metrics.roc_auc_score([0, 1], [0.2, 0.4], max_fpr=0),
        ValueError,
        "max_fpr must lie in",
    ),
    "roc auc negative weight": (
        lambda: crmmine.metrics.roc_auc_score(
            [0, 1], [0.2, 0.4], sample_weight=[1, -1]
        ),
        ValueError,
        "sample_weight must be non-negative",
    ),
    "roc auc NaN label": (
        lambda: crmmine.metrics.roc_auc_score([0, np.nan], [0.2, 0.4]),
        ValueError,
        "y_true contains NaN",
    ),
    "roc auc empty": (
        lambda: crmmine.metrics.roc_auc_score([], []),
        ValueError,
        "y_true is empty",
    ),
    "average precision without positives": (
        lambda: crmmine.metrics.average_precision_score([0, 0], [0.2, 0.4]),
        ValueError,
        "y_true: holds no positive",
    ),
    "average precision unknown pos_label": (
        lambda: crmmine.metrics.average_precision_score(["a", "b"], [0.2, 0.4]),
        ValueError,
        "pos_label=1 is not a label of y_true",
    ),
    "log loss of one label": (
        lambda: crmmine.metrics.log_loss([1, 1], [0.2, 0.4]),
        ValueError,
        "y_true contains only one label.*labels=",
    ),
    "log loss probability above one": (
        lambda: crmmine.metrics.log_loss([0, 1], [0.2, 1.4]),
        ValueError,
        "y_proba: must hold probabilities",
    ),
    "log loss rows not summing to one": (
        lambda: crmmine.metrics.log_loss([0, 1], [[0.5, 0.2], [0.4, 0.6]]),
        ValueError,
        "y_proba rows must sum to one",
    ),
    "log loss labels outside": (
        lambda: crmmine.metrics.log_loss([0, 2], [0.2, 0.4], labels=[0, 1]),
        ValueError,
        "y_true has labels outside labels",
    ),
    "brier negative probability": (
        lambda: crmmine.metrics.brier_score_loss([0, 1], [-0.2, 0.4]),
        ValueError,
        "y_proba: must hold probabilities",
    ),
    "brier text labels without pos_label": (
        lambda: crmmine.metrics.brier_score_loss(["a", "b"], [0.2, 0.4]),
        ValueError,
        "y_true takes values in .*pos_label",
    ),
    "brier zero weights": (
        lambda: crmmine.metrics.brier_score_loss(
            [0, 1], [0.2, 0.4], sample_weight=[0, 0]
        ),
        ValueError,
        "sample_weight: sums to zero",
    ),
    "confusion of scores without threshold": (
        lambda: crmmine.metrics.confusion_matrix([0, 1], [0.2, 0.7]),
        ValueError,
        "y_pred holds continuous scores.*threshold=",
    ),
    "confusion bad normalize": (
        lambda: crmmine.metrics.confusion_matrix([0, 1], [0, 1], normalize="rows"),
        ValueError,
        "normalize must be one of",
    ),
    "confusion threshold on text labels": (
        lambda: crmmine.metrics.confusion_matrix(["a", "b"], [0.2, 0.7], threshold=0.5),
        ValueError,
        r"labels=\[negative, positive\]",
    ),
    "confusion labels absent from y_true": (
        lambda: crmmine.metrics.confusion_matrix([0, 1], [0, 1], labels=[5]),
        ValueError,
        "At least one label specified must be in y_true",
    ),
    "confusion mixed label types": (
        lambda: crmmine.metrics.confusion_matrix(["a", "b"], [0, 1]),
        ValueError,
        "y_true and y_pred mix label types",
    ),
    "lift with more bins than rows": (
        lambda: crmmine.metrics.lift_table([0, 1, 1], [0.2, 0.4, 0.5]),
        ValueError,
        "n_bins: needs at least as many rows as bins",
    ),
    "lift without churners": (
        lambda: crmmine.metrics.lift_table([0] * 20, np.arange(20.0)),
        ValueError,
        "y_true holds no churner",
    ),
    "lift text n_bins": (
        lambda: crmmine.metrics.lift_table([0, 1], [0.2, 0.4], n_bins="10"),
        TypeError,
        "n_bins must be an integer",
    ),
    "profit acceptance above one": (
        lambda: crmmine.metrics.profit_curve(
            [0, 1], [0.2, 0.4], cost_per_contact=1, value_saved=5, acceptance_rate=2
        ),
        ValueError,
        "acceptance_rate: must lie in",
    ),
    "profit negative cost": (
        lambda: crmmine.metrics.profit_curve(
            [0, 1], [0.2, 0.4], cost_per_contact=-1, value_saved=5
        ),
        ValueError,
        "cost_per_contact: must be a non-negative",
    ),
    "profit expected with outcomes": (
        lambda: crmmine.metrics.profit_curve(
            [0, 1], [0.2, 0.4], cost_per_contact=1, value_saved=5, expected=True
        ),
        ValueError,
        "y_true must be None with expected=True",
    ),
    "profit expected with scores above one": (
        lambda: crmmine.metrics.profit_curve(
            None, [0.2, 4.0], cost_per_contact=1, value_saved=5, expected=True
        ),
        ValueError,
        "y_proba: must hold probabilities",
    ),
    "profit without outcomes": (
        lambda: crmmine.metrics.profit_curve(
            None, [0.2, 0.4], cost_per_contact=1, value_saved=5
        ),
        ValueError,
        "y_true is None",
    ),
    "profit zero points": (
        lambda: crmmine.metrics.profit_curve(
            [0, 1], [0.2, 0.4], cost_per_contact=1, value_saved=5, n_points=0
        ),
        ValueError,
        "n_points must be at least 1",
    ),
    "metric n_jobs zero": (
        lambda: crmmine.metrics.roc_auc_score([0, 1], [0.2, 0.4], n_jobs=0),
        ValueError,
        "n_jobs must not be 0",
    ),
    "profit text value": (
        lambda: crmmine.metrics.profit_curve(
            [0, 1], [0.2, 0.4], cost_per_contact=1, value_saved="5"
        ),
        TypeError,
        "value_saved must be a number",
    ),
    # frequent itemsets
    "itemsets from nothing": (
        lambda: crmmine.fpgrowth([]),
        ValueError,
        "data is empty",
    ),
    "min_support zero": (
        lambda: crmmine.fpgrowth(BASKETS, min_support=0.0),
        ValueError,
        r"min_support must be a fraction in \(0, 1\]",
    ),
    "min_support above one": (
        lambda: crmmine.apriori(BASKETS, min_support=1.5),
        ValueError,
        "min_support must be a fraction",
    ),
    "min_support NaN": (
        lambda: crmmine.eclat(BASKETS, min_support=float("nan")),
        ValueError,
        "min_support must be a fraction",
    ),
    "min_support count zero": (
        lambda: crmmine.frequent_itemsets(BASKETS, min_support=0),
        ValueError,
        "min_support=0 as an integer is an absolute count",
    ),
    "min_support text": (
        lambda: crmmine.fpgrowth(BASKETS, min_support="0.1"),
        TypeError,
        "min_support must be a number",
    ),
    "max_len below min_len": (
        lambda: crmmine.fpgrowth(BASKETS, max_len=1, min_len=2),
        ValueError,
        "max_len=1 is below min_len=2",
    ),
    "max_len zero": (
        lambda: crmmine.fpgrowth(BASKETS, max_len=0),
        ValueError,
        "max_len must be at least 1",
    ),
    "unknown kind": (
        lambda: crmmine.fpgrowth(BASKETS, kind="frequent"),
        ValueError,
        "kind must be one of",
    ),
    "unknown algorithm": (
        lambda: crmmine.frequent_itemsets(BASKETS, algorithm="fp-growth"),
        ValueError,
        "algorithm must be one of",
    ),
    "itemset explosion": (
        lambda: crmmine.fpgrowth(BASKETS, min_support=1, max_itemsets=2),
        crmmine.ResourceLimitError,
        "min_support=1 .*max_len=None",
    ),
    "itemsets n_jobs": (
        lambda: crmmine.fpgrowth(BASKETS, n_jobs=0),
        ValueError,
        "n_jobs must not be 0",
    ),
    "NaN label in a basket": (
        lambda: crmmine.fpgrowth([["milk", np.nan]]),
        ValueError,
        "missing items",
    ),
    "a string as the baskets": (
        lambda: crmmine.fpgrowth("milk bread"),
        ValueError,
        "path .*is not a file",
    ),
    "a number as the baskets": (
        lambda: crmmine.fpgrowth(3),
        TypeError,
        "data must be a one-hot or long DataFrame",
    ),
    "item without transaction": (
        lambda: crmmine.fpgrowth(LOG, item="cust"),
        ValueError,
        "transaction and item go together",
    ),
    "one-hot with text columns": (
        lambda: crmmine.fpgrowth(pd.DataFrame({"a": ["x", "y"]})),
        TypeError,
        "column 'a' has dtype",
    ),
    "null_values": (
        lambda: crmmine.fpgrowth(pd.DataFrame({"a": [True]}), null_values=True),
        ValueError,
        "null_values=True is not supported",
    ),
    "sparse matrix with NaN": (
        lambda: crmmine.fpgrowth(sparse_with_nan()),
        ValueError,
        "data holds NaN",
    ),
    "sparse matrix with negative entries": (
        lambda: crmmine.fpgrowth(sparse_with_negative()),
        ValueError,
        "data holds negative entries",
    ),
    "baskets of equal unhashable items": (
        lambda: crmmine.fpgrowth([[["milk"]], [["bread"]]]),
        TypeError,
        r"transactions\[0\] holds an unhashable item of type list",
    ),
    "a dict of items": (
        lambda: crmmine.fpgrowth({"milk": 1, "bread": 0}),
        TypeError,
        "got dict",
    ),
    "3-d array": (
        lambda: crmmine.fpgrowth(np.ones((2, 2, 2), dtype=bool)),
        ValueError,
        "2-d one-hot matrix",
    ),
    # association rules
    "rules from a list": (
        lambda: crmmine.association_rules([frozenset({"a"})]),
        TypeError,
        "df must be a DataFrame of frequent itemsets",
    ),
    "rules without itemsets column": (
        lambda: crmmine.association_rules(pd.DataFrame({"support": [0.5]})),
        ValueError,
        "missing: itemsets",
    ),
    "rules from no itemsets": (
        lambda: crmmine.association_rules(crmmine.fpgrowth(BASKETS, 1.0)),
        ValueError,
        "df holds no itemsets",
    ),
    "unknown metric": (
        lambda: crmmine.association_rules(small_itemsets(), metric="interest"),
        ValueError,
        "metric must be one of",
    ),
    "text threshold": (
        lambda: crmmine.association_rules(small_itemsets(), min_threshold="high"),
        TypeError,
        "min_threshold must be a number",
    ),
    "NaN threshold": (
        lambda: crmmine.association_rules(small_itemsets(), min_threshold=float("nan")),
        ValueError,
        "min_threshold must be a number, got NaN",
    ),
    "unknown return metric": (
        lambda: crmmine.association_rules(small_itemsets(), return_metrics=["odds"]),
        ValueError,
        "return_metrics holds 'odds'",
    ),
    "unknown consequents": (
        lambda: crmmine.association_rules(small_itemsets(), consequents="one"),
        ValueError,
        "consequents must be one of",
    ),
    "unknown label in must_contain": (
        lambda: crmmine.association_rules(small_itemsets(), must_contain=["caviar"]),
        ValueError,
        "must_contain holds 'caviar'",
    ),
    "unknown label in consequent_in": (
        lambda: crmmine.association_rules(
            small_itemsets(), consequent_in=["milk", "tea"]
        ),
        ValueError,
        "consequent_in holds 'tea'",
    ),
    "zero max_antecedent_len": (
        lambda: crmmine.association_rules(small_itemsets(), max_antecedent_len=0),
        ValueError,
        "max_antecedent_len must be at least 1",
    ),
    "rule explosion": (
        lambda: crmmine.association_rules(
            small_itemsets(), min_threshold=0, max_rules=1
        ),
        crmmine.ResourceLimitError,
        "max_rules=1",
    ),
    "foreign itemsets without num_itemsets": (
        lambda: crmmine.association_rules(foreign_itemsets()),
        ValueError,
        "num_itemsets: these itemsets do not carry",
    ),
    "num_itemsets that disagrees": (
        lambda: crmmine.association_rules(small_itemsets(), num_itemsets=99),
        ValueError,
        "num_itemsets=99 but the itemsets were mined from 4",
    ),
    "supports that are not counts": (
        lambda: crmmine.association_rules(foreign_itemsets(), num_itemsets=7),
        ValueError,
        "support .*not a whole number of the 7 transactions; check num_itemsets",
    ),
    "an itemset column with a missing itemset": (
        lambda: crmmine.recommend(
            crmmine.association_rules(crmmine.fpgrowth(BASKETS, 1)).reindex(range(99)),
            ["a"],
        ),
        ValueError,
        r"rules holds a missing itemset \(first at row \d+\); drop it first",
    ),
    "itemsets of unhashable labels": (
        lambda: pd.array([[["a"]]], dtype="itemset"),
        TypeError,
        "itemsets: every item label must be hashable",
    ),
    "closed itemsets for rules": (
        lambda: crmmine.association_rules(crmmine.fpgrowth(BASKETS, 1, kind="closed")),
        ValueError,
        "itemsets",
    ),
    "null_values for rules": (
        lambda: crmmine.association_rules(small_itemsets(), null_values=True),
        ValueError,
        "null_values / df_orig",
    ),
    # recommendations
    "recommend from itemsets": (
        lambda: crmmine.recommend(small_itemsets(), ["milk"]),
        ValueError,
        "rules needs the columns 'antecedents' and 'consequents'",
    ),
    "recommend NaN label": (
        lambda: crmmine.recommend(small_rules(), ["milk", np.nan]),
        ValueError,
        "basket holds 1 missing label",
    ),
    "recommend a string": (
        lambda: crmmine.recommend(small_rules(), "milk"),
        TypeError,
        "basket must be a list of item labels",
    ),
    "recommend top_n zero": (
        lambda: crmmine.recommend(small_rules(), ["milk"], top_n=0),
        ValueError,
        "top_n must be at least 1",
    ),
    "recommend unknown metric": (
        lambda: crmmine.recommend(small_rules(), ["milk"], metric="score"),
        ValueError,
        "metric must be one of",
    ),
    "recommend metric not in rules": (
        lambda: crmmine.recommend(
            small_rules()[["antecedents", "consequents"]], ["milk"]
        ),
        ValueError,
        "metric='lift' is not a column of rules",
    ),
    "recommend NaN scores": (
        lambda: crmmine.recommend(
            crmmine.association_rules(
                small_itemsets(), support_only=True, min_threshold=0
            ),
            ["milk"],
        ),
        ValueError,
        "metric='lift': the column holds NaN",
    ),
    "recommend unknown aggregate": (
        lambda: crmmine.recommend(small_rules(), ["milk"], aggregate="mean"),
        ValueError,
        "aggregate must be one of",
    ),
    "recommend long frame without columns": (
        lambda: crmmine.recommend(small_rules(), LOG),
        ValueError,
        "transaction= and item=",
    ),
    "recommend missing basket id": (
        lambda: crmmine.recommend(
            small_rules(),
            log_with(inv=["a", None, "c", "d"]),
            transaction="inv",
            item="cust",
        ),
        ValueError,
        "transaction .*missing",
    ),
    # customer lifetime value
    "clv summary unknown column": (
        lambda: crmmine.clv.summary(LOG, "client", "day", "spend"),
        ValueError,
        "customer='client' is not a column",
    ),
    "clv summary unknown freq": (
        lambda: crmmine.clv.summary(LOG, "cust", "day", "spend", freq="fortnight"),
        ValueError,
        "freq='fortnight' is not supported",
    ),
    "clv summary bad week": (
        lambda: crmmine.clv.summary(LOG, "cust", "day", "spend", freq="W-XYZ"),
        ValueError,
        "freq='W-XYZ'",
    ),
    "clv summary zero multiplier": (
        lambda: crmmine.clv.summary(LOG, "cust", "day", "spend", freq_multiplier=0),
        ValueError,
        "freq_multiplier must be positive",
    ),
    "clv summary early end": (
        lambda: crmmine.clv.summary(
            LOG, "cust", "day", "spend", observation_end="2023-12-01"
        ),
        ValueError,
        "observation_end: leaves no purchase",
    ),
    "clv summary only returns": (
        lambda: crmmine.clv.summary(
            log_with(spend=[-1.0, -2.0, -3.0, -4.0]), "cust", "day", "spend"
        ),
        ValueError,
        "log: holds no purchase",
    ),
    "clv calibration end too late": (
        lambda: crmmine.clv.calibration_and_holdout(
            LOG, "cust", "day", "spend", calibration_end="2024-02-01"
        ),
        ValueError,
        "calibration_end: must precede observation_end",
    ),
    "clv calibration end too early": (
        lambda: crmmine.clv.calibration_and_holdout(
            LOG, "cust", "day", "spend", calibration_end="2023-01-01"
        ),
        ValueError,
        "calibration_end: precedes every purchase",
    ),
    "clv calibration end not a date": (
        lambda: crmmine.clv.calibration_and_holdout(
            LOG, "cust", "day", "spend", calibration_end="soon"
        ),
        ValueError,
        "calibration_end=.*does not parse",
    ),
    "clv negative frequency": (
        lambda: crmmine.clv.BetaGeo().fit([1, -1], [1.0, 0.0], [5.0, 5.0]),
        ValueError,
        "frequency must not be negative",
    ),
    "clv recency after T": (
        lambda: crmmine.clv.BetaGeo().fit([1, 2], [1.0, 6.0], [5.0, 5.0]),
        ValueError,
        "recency must not exceed T",
    ),
    "clv NaN recency": (
        lambda: crmmine.clv.ParetoNBD().fit([1, 2], [1.0, np.nan], [5.0, 5.0]),
        ValueError,
        "recency has 1 missing",
    ),
    "clv fractional frequency": (
        lambda: crmmine.clv.BetaGeo().fit([1.5, 2], [1.0, 2.0], [5.0, 5.0]),
        ValueError,
        "frequency must hold whole numbers",
    ),
    "clv recency without repeats": (
        lambda: crmmine.clv.BetaGeo().fit([0, 2], [1.0, 2.0], [5.0, 5.0]),
        ValueError,
        "recency must be 0 where frequency is 0",
    ),
    "clv lengths differ": (
        lambda: crmmine.clv.BetaGeo().fit([1, 2, 3], [1.0, 2.0], [5.0, 5.0]),
        ValueError,
        "recency has 2 values",
    ),
    "clv text frequency": (
        lambda: crmmine.clv.BetaGeo().fit(["1", "2"], [1.0, 2.0], [5.0, 5.0]),
        TypeError,
        "frequency must be numeric",
    ),
    "clv table without T": (
        lambda: crmmine.clv.BetaGeo().fit(
            pd.DataFrame({"frequency": [1], "recency": [1.0]})
        ),
        ValueError,
        "frequency: the DataFrame needs columns frequency, recency, T",
    ),
    "clv table and columns": (
        lambda: crmmine.clv.BetaGeo().fit(
            pd.DataFrame({"frequency": [1], "recency": [1.0], "T": [2.0]}), [1.0]
        ),
        ValueError,
        "drop those arguments",
    ),
    "clv negative penalizer": (
        lambda: crmmine.clv.BetaGeo(penalizer_coef=-1).fit([1], [1.0], [2.0]),
        ValueError,
        "penalizer_coef must be >= 0",
    ),
    "clv bad initial params": (
        lambda: crmmine.clv.BetaGeo(initial_params=[1.0, 2.0]).fit([1], [1.0], [2.0]),
        ValueError,
        "initial_params needs 4 positive values",
    ),
    "clv negative weights": (
        lambda: crmmine.clv.BetaGeo().fit(
            [1, 2], [1.0, 2.0], [5.0, 5.0], weights=[1, -1]
        ),
        ValueError,
        "weights must be positive",
    ),
    "clv unfitted predict": (
        lambda: crmmine.clv.BetaGeo().predict(10, 1, 1.0, 2.0),
        ValueError,
        "not fitted",
    ),
    "clv negative horizon": (
        lambda: _fitted_bg().predict(-1, 1, 1.0, 2.0),
        ValueError,
        "t must not be negative",
    ),
    "clv negative n": (
        lambda: _fitted_bg().probability_of_n_purchases_up_to_time(10, -1),
        ValueError,
        "n must be a whole number",
    ),
    "clv gamma-gamma without repeat buyers": (
        lambda: crmmine.clv.GammaGamma().fit([0, 0], [0.0, 0.0]),
        ValueError,
        "frequency: no customer has a repeat purchase",
    ),
    "clv gamma-gamma zero spend": (
        lambda: crmmine.clv.GammaGamma().fit([1, 2], [10.0, 0.0]),
        ValueError,
        "monetary_value must be positive",
    ),
    "clv lifetime value of a spend model": (
        lambda: crmmine.clv.lifetime_value(
            crmmine.clv.GammaGamma(), crmmine.clv.GammaGamma(), pd.DataFrame()
        ),
        TypeError,
        "transaction_model must be a fitted",
    ),
    "clv lifetime value without spend": (
        lambda: crmmine.clv.lifetime_value(
            _fitted_bg(),
            crmmine.clv.GammaGamma(),
            pd.DataFrame({"frequency": [1], "recency": [1.0], "T": [2.0]}),
        ),
        ValueError,
        "summary: the DataFrame needs columns frequency, recency, T, monetary_value",
    ),
    "clv lifetime value unknown unit": (
        lambda: crmmine.clv.lifetime_value(
            _fitted_bg(),
            crmmine.clv.GammaGamma(),
            pd.DataFrame(
                {
                    "frequency": [1],
                    "recency": [1.0],
                    "T": [2.0],
                    "monetary_value": [3.0],
                }
            ),
            freq="fortnight",
        ),
        ValueError,
        "freq='fortnight'",
    ),
    "clv retention above 1": (
        lambda: crmmine.clv.retention_clv(100.0, 1.5, 0.1),
        ValueError,
        "retention must be a probability",
    ),
    "clv negative discount": (
        lambda: crmmine.clv.retention_clv(100.0, 0.5, -0.1),
        ValueError,
        "discount_rate must be a number >= 0",
    ),
    "clv zero horizon": (
        lambda: crmmine.clv.retention_clv(100.0, 0.5, 0.1, horizon=0),
        ValueError,
        "horizon must be a whole number",
    ),
    # threads
    "negative threads": (
        lambda: crmmine.set_num_threads(-1),
        ValueError,
        "n must be at least 1",
    ),
    "text threads": (
        lambda: crmmine.set_num_threads("2"),
        TypeError,
        "n must be an integer",
    ),
}


def _fitted_bg():
    """A BG/NBD with parameters set by hand: the bad-input checks run before any
    kernel, so no fit is needed."""
    model = crmmine.clv.BetaGeo()
    model.params_ = pd.Series([0.24, 4.4, 0.79, 2.4], index=["r", "alpha", "a", "b"])
    return model


@pytest.fixture(autouse=True)
def _files(tmp_path):
    FILES["csv"] = tmp_path / "log.csv"
    LOG.to_csv(FILES["csv"], index=False)
    FILES["bad_fimi"] = tmp_path / "bad.dat"
    FILES["bad_fimi"].write_text("1 2 \n3 x \n")


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_bad_input_is_refused_with_a_clear_message(case):
    call, error_type, message = CASES[case]
    with pytest.raises(error_type, match=message):
        call()


def test_the_good_log_passes():
    assert len(rfm()) == 3
    X, y = churn()
    assert list(X.index) == [1, 2, 3] and y.tolist() == [1, 1, 1]


@pytest.mark.parametrize(
    "estimator",
    [crmmine.LogisticRegression(), crmmine.DecisionTreeClassifier(max_depth=3)],
    ids=["logistic", "tree"],
)
def test_predict_checks_a_matrix_as_validate_data_does(estimator):
    """A ready float64 matrix skips validate_data at predict; every other input still
    gets its conversions, warnings and errors."""
    rng = np.random.default_rng(4)
    X = rng.standard_normal((300, 3))
    y = (X[:, 0] + 0.5 * rng.standard_normal(300) > 0).astype(int)
    model = clone(estimator).fit(X, y)
    expected = model.predict_proba(X)
    for other in (np.asfortranarray(X), X.astype(np.float32), X.tolist()):
        np.testing.assert_allclose(model.predict_proba(other), expected, rtol=1e-6)
    with pytest.raises(ValueError, match="features"):
        model.predict_proba(X[:, :2].copy())
    with pytest.raises(ValueError, match="0 sample"):
        model.predict_proba(X[:0].copy())
    named = clone(estimator).fit(pd.DataFrame(X, columns=["a", "b", "c"]), y)
    with pytest.warns(UserWarning, match="feature names"):
        named.predict_proba(X)
