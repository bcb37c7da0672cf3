"""DecisionTreeClassifier against scikit-learn's tree (the same nodes, thresholds and
values with exact splits), brute force (the best categorical subset split) and its own
outputs (rules that select exactly their leaf's rows)."""

import itertools
import pickle
import re

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV
from sklearn.tree import DecisionTreeClassifier as SkTree
from sklearn.utils.estimator_checks import parametrize_with_checks

import crmmine


def split_gain(tree, node):
    left, right = tree.children_left[node], tree.children_right[node]
    w = tree.weighted_n_node_samples
    return (
        w[node] * tree.impurity[node]
        - w[left] * tree.impurity[left]
        - w[right] * tree.impurity[right]
    )


def compare_trees(ours, theirs):
    """Walks both trees from the root. Nodes must agree in weight, class shares,
    feature, threshold and missing-value side; where the chosen splits differ, both
    must decrease impurity equally (a tie, broken by scikit-learn's random feature
    order) and the walk stops below. Returns (nodes equal, ties)."""
    a, b = ours.tree_, theirs.tree_
    stack, equal, ties = [(0, 0)], 0, 0
    while stack:
        i, j = stack.pop()
        np.testing.assert_allclose(
            a.weighted_n_node_samples[i], b.weighted_n_node_samples[j], rtol=1e-12
        )
        np.testing.assert_allclose(a.value[i], b.value[j][0], rtol=1e-12, atol=1e-15)
        leaf_a, leaf_b = a.children_left[i] < 0, b.children_left[j] < 0
        if leaf_a and leaf_b:
            equal += 1
            continue
        if leaf_a != leaf_b:
            # scikit-learn splits "pure" nodes whose impurity is rounding noise.
            assert max(a.impurity[i], b.impurity[j]) < 1e-12, (i, j)
            ties += 1
            continue
        same = (
            a.feature[i] == b.feature[j]
            and a.threshold[i] == b.threshold[j]
            and a.missing_go_to_left[i] == b.missing_go_to_left[j]
        )
        if not same:
            gain_a, gain_b = split_gain(a, i), split_gain(b, j)
            assert gain_a == pytest.approx(gain_b, rel=1e-9, abs=1e-12), (i, j)
            ties += 1
            continue
        equal += 1
        stack.append((a.children_right[i], b.children_right[j]))
        stack.append((a.children_left[i], b.children_left[j]))
    return equal, ties


def float32_data(n=3000, n_classes=2, missing=0.0, seed=0):
    """Features scikit-learn's float32 copy represents exactly."""
    X, y = make_classification(
        n, 8, n_informative=5, n_classes=n_classes, random_state=seed
    )
    X = X.astype(np.float32).astype(np.float64)
    if missing:
        X[np.random.default_rng(seed).random(X.shape) < missing] = np.nan
    return X, y


CASES = {
    "gini": ({}, 2, 0.0, False),
    "entropy": ({"criterion": "entropy"}, 2, 0.0, False),
    "three classes": ({}, 3, 0.0, False),
    "missing values": ({}, 2, 0.1, False),
    "sample weights": ({}, 3, 0.0, True),
    "balanced": ({"class_weight": "balanced"}, 3, 0.0, False),
    "class weight dict": ({"class_weight": {0: 2.0, 1: 0.5}}, 2, 0.05, False),
    "min samples": ({"min_samples_leaf": 5, "min_samples_split": 12}, 2, 0.1, True),
    "max depth": ({"max_depth": 5}, 3, 0.0, False),
    "min impurity decrease": ({"min_impurity_decrease": 0.001}, 2, 0.0, False),
    "min weight fraction": ({"min_weight_fraction_leaf": 0.01}, 2, 0.0, True),
    "ccp alpha": ({"ccp_alpha": 0.002}, 2, 0.1, False),
    "fractions": ({"min_samples_leaf": 0.01, "min_samples_split": 0.05}, 2, 0.0, False),
}


@pytest.mark.parametrize("case", list(CASES))
def test_exact_tree_equals_sklearn(case):
    kwargs, n_classes, missing, weighted = CASES[case]
    X, y = float32_data(n_classes=n_classes, missing=missing)
    weights = np.random.default_rng(1).integers(1, 4, len(y)) if weighted else None
    ours = crmmine.DecisionTreeClassifier(
        splitter="exact", random_state=0, **kwargs
    ).fit(X, y, sample_weight=weights)
    theirs = SkTree(random_state=0, **kwargs).fit(X, y, sample_weight=weights)
    equal, ties = compare_trees(ours, theirs)
    # Fully grown trees reach small nodes where several cuts tie; above them (more
    # than half of the nodes) every split must be scikit-learn's.
    assert equal >= 0.5 * theirs.tree_.node_count
    if ties == 0:
        assert ours.tree_.node_count == theirs.tree_.node_count
        np.testing.assert_allclose(
            ours.tree_.impurity, theirs.tree_.impurity, atol=1e-12
        )
        np.testing.assert_allclose(
            ours.feature_importances_, theirs.feature_importances_, atol=1e-12
        )
        np.testing.assert_array_equal(ours.predict_proba(X), theirs.predict_proba(X))
        assert ours.get_depth() == theirs.get_depth()
        assert ours.get_n_leaves() == theirs.get_n_leaves()


@pytest.mark.parametrize("random_state", [0, 1, 2])
def test_no_ties_means_identical_everything(random_state):
    """Continuous weights leave no two cuts with equal class totals, so no ties: every
    array matches whatever order each library visits the features in. (Unweighted,
    a node of 55 rows with leaves of 25 already offers several equal cuts.)"""
    X, y = float32_data(n=5000, missing=0.05, seed=3)
    weights = np.random.default_rng(4).uniform(0.5, 1.5, len(y))
    kwargs = dict(max_depth=6, min_samples_leaf=25)
    ours = crmmine.DecisionTreeClassifier(
        splitter="exact", random_state=random_state, **kwargs
    ).fit(X, y, sample_weight=weights)
    theirs = SkTree(random_state=0, **kwargs).fit(X, y, sample_weight=weights)
    assert compare_trees(ours, theirs) == (theirs.tree_.node_count, 0)
    for name in ("children_left", "children_right", "feature", "missing_go_to_left"):
        np.testing.assert_array_equal(
            getattr(ours.tree_, name), getattr(theirs.tree_, name)
        )
    np.testing.assert_array_equal(ours.tree_.threshold, theirs.tree_.threshold)
    np.testing.assert_array_equal(ours.apply(X), theirs.apply(X))
    np.testing.assert_allclose(ours.feature_importances_, theirs.feature_importances_)


def test_pruning_path_equals_sklearn():
    X, y = float32_data(n=1500, seed=3)
    # Nodes of 150 rows or more: no two cuts tie (small nodes with a single row of
    # the other class offer many equal cuts, broken differently).
    kwargs = dict(max_depth=7, min_samples_leaf=20, min_samples_split=150)
    ours = crmmine.DecisionTreeClassifier(splitter="exact", **kwargs)
    theirs = SkTree(random_state=0, **kwargs)
    assert compare_trees(ours.fit(X, y), theirs.fit(X, y))[1] == 0
    path, expected = (
        ours.cost_complexity_pruning_path(X, y),
        theirs.cost_complexity_pruning_path(X, y),
    )
    np.testing.assert_allclose(path.ccp_alphas, expected.ccp_alphas, atol=1e-15)
    np.testing.assert_allclose(path.impurities, expected.impurities, atol=1e-15)
    for alpha in expected.ccp_alphas[1:-1:3]:
        pruned = crmmine.DecisionTreeClassifier(
            splitter="exact", ccp_alpha=alpha, **kwargs
        )
        reference = SkTree(random_state=0, ccp_alpha=alpha, **kwargs)
        pruned.fit(X, y), reference.fit(X, y)
        assert pruned.tree_.node_count == reference.tree_.node_count
        np.testing.assert_array_equal(pruned.apply(X), reference.apply(X))


def test_predict_sends_unseen_missing_values_like_sklearn():
    """No NaN in training: at predict time NaN follows the child with more rows."""
    X, y = float32_data(n=2000, seed=5)
    kwargs = dict(max_depth=4, min_samples_leaf=25)
    ours = crmmine.DecisionTreeClassifier(
        splitter="exact", random_state=0, **kwargs
    ).fit(X, y)
    theirs = SkTree(random_state=0, **kwargs).fit(X, y)
    assert compare_trees(ours, theirs)[1] == 0
    X_nan = X.copy()
    X_nan[np.random.default_rng(0).random(X.shape) < 0.3] = np.nan
    np.testing.assert_array_equal(
        ours.predict_proba(X_nan), theirs.predict_proba(X_nan)
    )


def test_learned_missing_side():
    """Customers with no recorded tenure churn: the split learns to send NaN there."""
    rng = np.random.default_rng(0)
    tenure = rng.integers(0, 72, 4000).astype(float)  # whole months
    unknown = rng.random(4000) < 0.2
    y = (unknown | (tenure < 6)).astype(int)
    tenure[unknown] = np.nan
    for splitter in ("exact", "histogram"):
        tree = crmmine.DecisionTreeClassifier(splitter=splitter, max_depth=3)
        tree.fit(tenure.reshape(-1, 1), y)
        assert tree.score(tenure.reshape(-1, 1), y) == 1.0
        assert tree.predict([[np.nan], [3.0], [40.0]]).tolist() == [1, 1, 0]


def test_histogram_equals_exact_when_bins_hold_every_value():
    """With at most 255 distinct values per feature the candidate cuts are the same,
    so both splitters put every row in the same leaf. Integer features tie often:
    one random_state gives both the same feature order at each node."""
    rng = np.random.default_rng(2)
    X = rng.integers(0, 40, size=(6000, 6)).astype(float)
    X[rng.random(X.shape) < 0.05] = np.nan
    y = (X[:, 0] > 20) ^ (np.nan_to_num(X[:, 1]) % 3 == 0) | (rng.random(6000) < 0.1)
    exact, histogram = (
        crmmine.DecisionTreeClassifier(
            splitter=splitter, max_depth=8, random_state=5
        ).fit(X, y)
        for splitter in ("exact", "histogram")
    )
    np.testing.assert_array_equal(exact.tree_.feature, histogram.tree_.feature)
    np.testing.assert_array_equal(exact.apply(X), histogram.apply(X))
    np.testing.assert_allclose(exact.predict_proba(X), histogram.predict_proba(X))


@pytest.mark.parametrize("splitter", ["exact", "histogram"])
def test_thread_count_does_not_change_the_tree(splitter):
    X, y = float32_data(n=60_000, missing=0.05, seed=7)
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    frame["region"] = pd.Categorical(np.random.default_rng(0).integers(0, 30, len(y)))
    trees = [
        crmmine.DecisionTreeClassifier(
            splitter=splitter, max_features="sqrt", random_state=11, n_jobs=jobs
        ).fit(frame, y)
        for jobs in (1, 2)
    ]
    for name, values in trees[0].tree_._arrays.items():
        np.testing.assert_array_equal(
            values, trees[1].tree_._arrays[name], err_msg=name
        )


def test_random_state_breaks_ties_between_equal_features():
    """A copy of the best column splits exactly as well as the column: as in
    scikit-learn, the feature order drawn from random_state decides which one the
    root takes, the same one for the same seed at any thread count."""
    X, y = float32_data(n=4000, seed=5)
    best = crmmine.DecisionTreeClassifier(max_depth=1).fit(X, y).tree_.feature[0]
    X = np.column_stack([X, X[:, best]])  # feature 8 copies it
    roots = set()
    for seed in range(12):
        trees = [
            crmmine.DecisionTreeClassifier(
                max_depth=3, random_state=seed, n_jobs=jobs
            ).fit(X, y)
            for jobs in (1, 2)
        ]
        np.testing.assert_array_equal(trees[0].tree_.feature, trees[1].tree_.feature)
        roots.add(trees[0].tree_.feature[0])
    assert roots == {best, 8}


def test_histogram_edges_lie_halfway_across_gaps():
    """Quantile edges on heavily repeated values sit between neighbouring distinct
    values, as exact thresholds do, not on a value."""
    rng = np.random.default_rng(3)
    values = np.repeat(np.arange(1000.0), 100)
    rng.shuffle(values)
    y = (values > 612) ^ (rng.random(len(values)) < 0.05)
    tree = crmmine.DecisionTreeClassifier(splitter="histogram", max_depth=4).fit(
        values[:, None], y
    )
    thresholds = tree.tree_.threshold[tree.tree_.children_left >= 0]
    assert len(thresholds) > 3
    np.testing.assert_array_equal(thresholds % 1.0, 0.5)


def test_random_state_seeds_the_feature_draws():
    X, y = float32_data(n=2000, seed=8)
    fit = lambda seed: crmmine.DecisionTreeClassifier(  # noqa: E731
        max_features=2, random_state=seed
    ).fit(X, y)
    np.testing.assert_array_equal(fit(1).tree_.threshold, fit(1).tree_.threshold)
    assert not np.array_equal(fit(1).tree_.feature, fit(2).tree_.feature)


def best_subset_gini(codes, y):
    """Brute force over every two-way partition of the categories present."""
    present = np.unique(codes)
    best = np.inf
    for size in range(1, len(present)):
        for left in itertools.combinations(present, size):
            mask = np.isin(codes, left)
            cost = 0.0
            for side in (mask, ~mask):
                p = y[side].mean()
                cost += side.sum() * 2 * p * (1 - p)
            best = min(best, cost)
    return best


@pytest.mark.parametrize("splitter", ["exact", "histogram"])
def test_categorical_split_is_the_best_subset(splitter):
    rng = np.random.default_rng(3)
    codes = rng.integers(0, 9, 3000)
    rates = rng.uniform(0.05, 0.9, 9)
    y = (rng.random(3000) < rates[codes]).astype(int)
    X = pd.DataFrame({"plan": pd.Categorical.from_codes(codes, list("abcdefghi"))})
    tree = crmmine.DecisionTreeClassifier(splitter=splitter, max_depth=1).fit(X, y)
    left = tree.tree_.left_categories(0)
    mask = np.isin(codes, left)
    cost = sum(
        side.sum() * 2 * y[side].mean() * (1 - y[side].mean()) for side in (mask, ~mask)
    )
    assert cost == pytest.approx(best_subset_gini(codes, y), rel=1e-12)
    assert (tree.apply(X) == np.where(mask, 1, 2)).all()


def test_categories_from_strings_and_unseen_ones_at_predict():
    X = pd.DataFrame(
        {
            "contract": ["month", "month", "year", "two-year"] * 50,
            "tenure": np.arange(200, dtype=float),
        }
    )
    y = (X["contract"] == "month").astype(int)
    tree = crmmine.DecisionTreeClassifier(max_depth=2).fit(X, y)
    assert tree.categories_[0].tolist() == ["month", "two-year", "year"]
    assert tree.categories_[1] is None
    assert tree.score(X, y) == 1.0
    unseen = pd.DataFrame({"contract": ["weekly", None], "tenure": [3.0, 4.0]})
    assert tree.predict_proba(unseen).shape == (2, 2)


def test_categories_are_matched_by_label_whatever_the_codes_at_predict():
    rng = np.random.default_rng(3)
    contract = rng.choice(["month", "year", "two-year"], 600)
    tenure = rng.integers(0, 60, 600).astype(float)
    y = ((contract == "month") & (tenure < 20)) ^ (rng.random(600) < 0.1)
    fitted = pd.DataFrame({"contract": pd.Categorical(contract), "tenure": tenure})
    tree = crmmine.DecisionTreeClassifier(max_depth=4, random_state=0).fit(fitted, y)
    as_strings = tree.predict_proba(fitted.astype({"contract": object}))
    other_codes = fitted.assign(
        contract=pd.Categorical(
            contract, categories=["year", "weekly", "two-year", "month"]
        )
    )
    assert (other_codes["contract"].cat.codes != fitted["contract"].cat.codes).any()
    # Each frame after a frame with the other dtype: a match found for one dtype must
    # not be taken for the other.
    for frame in (fitted, other_codes, fitted, other_codes):
        np.testing.assert_array_equal(tree.predict_proba(frame), as_strings)
    assert len(np.unique(as_strings[:, 1])) > 3


def test_categorical_features_listed_for_a_numpy_matrix():
    rng = np.random.default_rng(4)
    codes = rng.choice([10, 20, 30, 40], 1000)
    y = np.isin(codes, [10, 40]).astype(int)
    X = np.c_[codes, rng.normal(size=1000)]
    tree = crmmine.DecisionTreeClassifier(max_depth=1, categorical_features=[0]).fit(
        X, y
    )
    assert tree.score(X, y) == 1.0
    assert tree.categories_[0].tolist() == [10, 20, 30, 40]


@pytest.fixture(scope="module")
def telco(shared_data):
    """Telco churn with the categoricals as pandas categories and, for scikit-learn,
    as ordinal codes. TotalCharges is blank for the 11 customers with tenure 0, who
    have not been billed yet: set to 0 (asserted), not dropped."""
    df = pd.read_csv(shared_data("telco_churn.csv.gz"))
    blank = df["TotalCharges"].astype(str).str.strip() == ""
    assert (df.loc[blank, "tenure"] == 0).all() and blank.sum() == 11
    df["TotalCharges"] = pd.to_numeric(df["TotalCharges"].where(~blank, "0"))
    y = (df.pop("Churn") == "Yes").to_numpy(dtype=int)
    df = df.drop(columns="customerID")
    for column in df.select_dtypes(exclude="number").columns:
        df[column] = df[column].astype("category")
    train = np.random.default_rng(0).random(len(df)) < 0.7
    return df[train], y[train], df[~train], y[~train]


def ordinal(frame):
    return np.column_stack(
        [
            frame[c].cat.codes
            if isinstance(frame[c].dtype, pd.CategoricalDtype)
            else frame[c]
            for c in frame.columns
        ]
    ).astype(float)


@pytest.mark.parametrize("splitter", ["exact", "histogram"])
@pytest.mark.parametrize("params", [dict(max_depth=5), dict(min_samples_leaf=40)])
def test_telco_test_auc_within_0_01_of_sklearn(telco, splitter, params):
    X_train, y_train, X_test, y_test = telco
    reference = SkTree(random_state=0, **params).fit(ordinal(X_train), y_train)
    sk_auc = roc_auc_score(y_test, reference.predict_proba(ordinal(X_test))[:, 1])
    for X_fit, X_eval in ((ordinal(X_train), ordinal(X_test)), (X_train, X_test)):
        tree = crmmine.DecisionTreeClassifier(splitter=splitter, **params).fit(
            X_fit, y_train
        )
        auc = roc_auc_score(y_test, tree.predict_proba(X_eval)[:, 1])
        assert abs(auc - sk_auc) < 0.01 or auc > sk_auc, (auc, sk_auc)


def rows_matching(frame, conditions):
    """Evaluates our rule text on a DataFrame: conditions joined by " and ", each
    "a <= t", "a > t", "l < a <= u", "a = v", "a != v", "a in {v, w}" or
    "a not in {v, w}"."""
    selected = pd.Series(True, index=frame.index)
    for condition in conditions.split(" and "):
        if m := re.fullmatch(r"(\S+) < (\w+) <= (\S+)", condition):
            column = frame[m[2]]
            selected &= (column > float(m[1])) & (column <= float(m[3]))
        elif m := re.fullmatch(r"(\w+) (<=|>) (\S+)", condition):
            column, value = frame[m[1]], float(m[3])
            selected &= column <= value if m[2] == "<=" else column > value
        elif m := re.fullmatch(r"(\w+) (=|!=) (.+)", condition):
            equal = frame[m[1]].astype(str) == m[3]
            selected &= equal if m[2] == "=" else ~equal
        elif m := re.fullmatch(r"(\w+) (in|not in) \{(.+)\}", condition):
            isin = frame[m[1]].astype(str).isin(m[3].split(", "))
            selected &= isin if m[2] == "in" else ~isin
        else:
            raise AssertionError(f"unparsed condition {condition!r}")
    return frame.index[selected]


def test_rules_select_exactly_their_leaf(telco):
    X_train, y_train, _, _ = telco
    X = X_train[
        ["tenure", "MonthlyCharges", "Contract", "InternetService", "PaymentMethod"]
    ]
    X = X.rename(columns=lambda c: c.replace(" ", "_"))
    tree = crmmine.DecisionTreeClassifier(max_depth=4, min_samples_leaf=30).fit(
        X, y_train
    )
    rules = tree.to_rules(decimals=15, class_names=["stay", "churn"])
    leaves = tree.apply(X)
    assert len(rules) == tree.get_n_leaves()
    for leaf, rule in rules.iterrows():
        selected = rows_matching(X, rule["conditions"])
        assert set(selected) == set(X.index[leaves == leaf]), rule["rule"]
        assert rule["samples"] == (leaves == leaf).sum()
        rate = y_train[leaves == leaf].mean()
        assert rule["target_rate"] == pytest.approx(rate)
        assert rule["rule"].endswith(
            f"→ churn {round(100 * rate, 1):g}%, {rule['samples']} customers"
        )
    assert rules["target_rate"].is_monotonic_decreasing


def test_dot_has_every_node_and_edge():
    X, y = float32_data(n=500)
    tree = crmmine.DecisionTreeClassifier(max_depth=3).fit(X, y)
    dot = tree.to_dot(feature_names=list("abcdefgh"), class_names=["stay", "churn"])
    assert dot.startswith("digraph Tree {") and dot.rstrip().endswith("}")
    nodes = re.findall(r"^(\d+) \[label=", dot, flags=re.M)
    edges = re.findall(r"^(\d+) -> (\d+)", dot, flags=re.M)
    assert sorted(map(int, nodes)) == list(range(tree.tree_.node_count))
    inner = np.flatnonzero(tree.tree_.children_left >= 0)
    expected = {(i, tree.tree_.children_left[i]) for i in inner}
    expected |= {(i, tree.tree_.children_right[i]) for i in inner}
    assert {(int(a), int(b)) for a, b in edges} == expected
    root = tree.tree_.feature[0]
    assert f'0 [label="{"abcdefgh"[root]} <= ' in dot


def test_pickle_and_grid_search():
    X, y = float32_data(n=800)
    tree = crmmine.DecisionTreeClassifier(max_depth=4).fit(X, y)
    restored = pickle.loads(pickle.dumps(tree))
    np.testing.assert_array_equal(restored.predict_proba(X), tree.predict_proba(X))
    search = GridSearchCV(crmmine.DecisionTreeClassifier(), {"max_depth": [2, 4]}, cv=3)
    assert search.fit(X, y).best_params_["max_depth"] in (2, 4)


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: crmmine.DecisionTreeClassifier(max_depth=0).fit([[0], [1]], [0, 1]), ValueError, "max_depth"),
        (lambda: crmmine.DecisionTreeClassifier(max_bins=300).fit([[0], [1]], [0, 1]), ValueError, "max_bins"),
        (lambda: crmmine.DecisionTreeClassifier(criterion="mse").fit([[0], [1]], [0, 1]), ValueError, "criterion"),
        (lambda: crmmine.DecisionTreeClassifier(splitter="best").fit([[0], [1]], [0, 1]), ValueError, "splitter"),
        (lambda: crmmine.DecisionTreeClassifier(min_samples_leaf=0).fit([[0], [1]], [0, 1]), ValueError, "min_samples_leaf"),
        (lambda: crmmine.DecisionTreeClassifier(min_samples_split=1).fit([[0], [1]], [0, 1]), ValueError, "min_samples_split"),
        (lambda: crmmine.DecisionTreeClassifier(ccp_alpha=-1).fit([[0], [1]], [0, 1]), ValueError, "ccp_alpha"),
        (lambda: crmmine.DecisionTreeClassifier(max_features=5).fit([[0], [1]], [0, 1]), ValueError, "max_features"),
        (lambda: crmmine.DecisionTreeClassifier(class_weight={7: 1}).fit([[0], [1]], [0, 1]), ValueError, "class_weight"),
        (lambda: crmmine.DecisionTreeClassifier().fit([[0], [1]], [0, 1], sample_weight=[1, -1]), ValueError, "sample_weight"),
        (lambda: crmmine.DecisionTreeClassifier().fit([[0], [np.inf]], [0, 1]), ValueError, "infinity"),
        (lambda: crmmine.DecisionTreeClassifier().fit([[0], [1]], [0.5, 1.5]), ValueError, "continuous"),
        (lambda: crmmine.DecisionTreeClassifier().fit([[0], [1]], [[0, 1], [1, 0]]), ValueError, "y"),
        (lambda: crmmine.DecisionTreeClassifier().fit([[0], [1]], None), ValueError, "y"),
        (lambda: crmmine.DecisionTreeClassifier(categorical_features=["zip"]).fit(pd.DataFrame({"a": [0, 1]}), [0, 1]), ValueError, "categorical_features"),
        (lambda: crmmine.DecisionTreeClassifier(splitter="histogram").fit(pd.DataFrame({"zip": pd.Categorical(range(300))}), [0, 1] * 150), ValueError, "max_bins"),
        (lambda: crmmine.DecisionTreeClassifier().fit([[0], [1]], [0, 1]).predict([[0, 1]]), ValueError, "features"),
        (lambda: crmmine.DecisionTreeClassifier().fit([[0], [1]], [0, 1]).to_rules(target_class="x"), ValueError, "target_class"),
        (lambda: crmmine.DecisionTreeClassifier(n_jobs=0).fit([[0], [1]], [0, 1]), ValueError, "n_jobs"),
        (lambda: crmmine.DecisionTreeClassifier().fit([[0], [1]], [0, 1]).to_rules(feature_names=["a", "b"]), ValueError, "feature_names"),
        (lambda: crmmine.DecisionTreeClassifier().fit([[0], [1]], [0, 1]).to_dot(class_names=["stay"]), ValueError, "class_names"),
    ],
)  # fmt: skip
def test_bad_input_is_refused(make, error, message):
    with pytest.raises(error, match=message):
        make()


@parametrize_with_checks([crmmine.DecisionTreeClassifier()])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_infinity_at_predict_is_a_value_beyond_every_threshold():
    """Refused at fit (it would break the bin edges), infinity at predict compares
    like any number: +inf as the largest value, -inf as the smallest."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(400, 3))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    model = crmmine.DecisionTreeClassifier(max_depth=4).fit(X, y)
    frame = pd.DataFrame(X[:50], columns=["a", "b", "c"])
    framed = crmmine.DecisionTreeClassifier(max_depth=4).fit(
        pd.DataFrame(X, columns=["a", "b", "c"]), y
    )
    for sign in (1.0, -1.0):
        infinite, huge = X[:50].copy(), X[:50].copy()
        infinite[::3, 0] = sign * np.inf
        huge[::3, 0] = sign * 1e300
        np.testing.assert_array_equal(
            model.predict_proba(infinite), model.predict_proba(huge)
        )
        frame_inf, frame_huge = frame.copy(), frame.copy()
        frame_inf.iloc[::3, 0] = sign * np.inf
        frame_huge.iloc[::3, 0] = sign * 1e300
        np.testing.assert_array_equal(
            framed.predict_proba(frame_inf), framed.predict_proba(frame_huge)
        )
