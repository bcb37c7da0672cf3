"""Churn-model benchmark inputs: a seeded synthetic customer table and the IBM Telco
churn sample replicated to any size, each split 80/20 into train and test rows.

Every dataset comes in the three forms the models take:

- ``frame``: a DataFrame, numeric columns float64 and categorical columns pandas
  ``category`` dtype (for estimators with native categorical support);
- ``ordinal``: a C-contiguous float64 matrix, the same columns in the same order, each
  categorical replaced by its category code 0..k-1 (what scikit-learn's tree takes);
- ``onehot``: a C-contiguous float64 matrix for linear models: numeric columns (log1p of
  the heavy-tailed ones) standardised with the training rows' mean and standard
  deviation, categoricals one-hot encoded without their first level.

The split is made on the raw columns, before any encoding, and each part is encoded on
its own, so no full-size encoded matrix is ever held next to its two halves. Only the
forms asked for are built.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

import data

SEED = 2024
TEST_FRACTION = 0.2
FORMS = ("frame", "ordinal", "onehot")

# --- the synthetic customer table ----------------------------------------------------

#: name -> (levels, probabilities); probabilities None = drawn Zipf-like below
CATEGORIES: dict[str, tuple[list[str], list[float] | None]] = {
    "contract": (["month-to-month", "one-year", "two-year"], [0.55, 0.25, 0.20]),
    "payment_method": (
        ["electronic-check", "mailed-check", "bank-transfer", "credit-card"],
        [0.34, 0.22, 0.22, 0.22],
    ),
    "region": ([f"region-{i:02d}" for i in range(50)], None),
    "plan": (
        ["basic", "standard", "plus", "premium", "family"],
        [0.30, 0.30, 0.18, 0.12, 0.10],
    ),
    "acquisition_channel": (
        ["web", "store", "phone", "partner", "referral", "promo"],
        [0.35, 0.25, 0.12, 0.10, 0.10, 0.08],
    ),
    "internet_service": (["none", "dsl", "fiber"], [0.20, 0.35, 0.45]),
}

NUMERIC = [
    "tenure_months",
    "monthly_spend",
    "total_spend",
    "days_since_last_login",
    "logins_30d",
    "avg_session_minutes",
    "support_calls_90d",
    "complaints_12m",
    "late_payments_12m",
    "data_usage_gb",
    "discount_pct",
    "age",
    "num_products",
    "nps_score",
]
#: right-skewed columns a modeller would log1p before a linear model
HEAVY_TAILED = {
    "tenure_months",
    "monthly_spend",
    "total_spend",
    "days_since_last_login",
    "logins_30d",
    "avg_session_minutes",
    "support_calls_90d",
    "data_usage_gb",
}
#: intercept of the churn log-odds, set once (by bisection on 500k rows of this seed)
#: so that 20% of the synthetic customers churn
CHURN_INTERCEPT = -2.58


def synthetic(n: int, forms=FORMS, seed: int = SEED) -> ChurnData:
    """``n`` synthetic customers (14 numeric, 6 categorical columns), split 80/20.

    Every column is drawn with vectorised numpy from one seeded generator. A latent
    engagement level ties logins, session length and recency together; spend is
    log-normal, call and complaint counts over-dispersed Poisson. The churn log-odds
    mix linear terms with thresholds and interactions (new customers, a long absence,
    month-to-month contracts with many support calls, expensive fibre plans), so a tree
    has something to find that a linear model on the raw columns misses; the label is
    a Bernoulli draw from them, churn rate about 20%.
    """
    rng = np.random.default_rng(seed)
    codes = {}
    for name, (levels, probabilities) in CATEGORIES.items():
        if probabilities is None:  # a long tail of small regions
            weights = 1.0 / np.arange(1, len(levels) + 1) ** 0.8
            probabilities = weights / weights.sum()
        codes[name] = rng.choice(len(levels), size=n, p=probabilities).astype(np.int8)
    contract = codes["contract"]
    month_to_month = contract == 0

    columns: dict[str, np.ndarray] = {}
    # long-contract customers have stayed longer
    tenure_scale = np.array([14.0, 30.0, 45.0])[contract]
    tenure = np.floor(rng.gamma(1.2, 1.0, n) * tenure_scale)
    columns["tenure_months"] = np.minimum(tenure, 120.0)
    plan_price = np.array([30.0, 50.0, 70.0, 95.0, 85.0])[codes["plan"]]
    fiber = codes["internet_service"] == 2
    monthly = plan_price * rng.lognormal(0.0, 0.25, n) + 15.0 * fiber
    columns["monthly_spend"] = np.round(monthly, 2)
    columns["total_spend"] = np.round(
        columns["tenure_months"] * monthly * rng.lognormal(0.0, 0.08, n), 2
    )
    engagement = rng.normal(0.0, 1.0, n)
    columns["days_since_last_login"] = np.floor(
        rng.lognormal(1.8 - 0.6 * engagement, 0.9)
    )
    columns["logins_30d"] = rng.poisson(np.exp(2.3 + 0.5 * engagement)).astype(float)
    columns["avg_session_minutes"] = np.round(
        rng.lognormal(2.2 + 0.2 * engagement, 0.6), 1
    )
    calls_rate = rng.gamma(0.8, 1.2, n)  # gamma-Poisson: over-dispersed counts
    columns["support_calls_90d"] = rng.poisson(calls_rate).astype(float)
    columns["complaints_12m"] = rng.poisson(0.25 * calls_rate + 0.05).astype(float)
    columns["late_payments_12m"] = rng.poisson(
        np.where(codes["payment_method"] == 0, 0.8, 0.3)
    ).astype(float)
    columns["data_usage_gb"] = np.round(
        rng.lognormal(2.5, 1.0, n) * (codes["internet_service"] > 0), 2
    )
    discounted = rng.random(n) < 0.35
    columns["discount_pct"] = np.where(
        discounted, np.round(rng.uniform(5.0, 30.0, n)), 0.0
    )
    columns["age"] = np.clip(np.round(rng.normal(45.0, 14.0, n)), 18.0, 90.0)
    columns["num_products"] = 1.0 + rng.poisson(0.8, n)
    columns["nps_score"] = np.clip(
        np.round(rng.normal(7.0 + 0.8 * engagement - 0.5 * calls_rate, 2.0)), 0.0, 10.0
    )

    region_effect = np.random.default_rng(seed + 1).normal(0.0, 0.3, 50)
    calls = columns["support_calls_90d"]
    logit = (
        CHURN_INTERCEPT
        + np.array([0.8, -0.4, -1.2])[contract]
        + 1.5 * (columns["tenure_months"] < 6)
        + 1.2 * (columns["days_since_last_login"] > 21)
        + 1.5 * (month_to_month & (calls >= 3))
        + 1.0 * (fiber & (columns["monthly_spend"] > 80.0))
        + 1.0 * (columns["complaints_12m"] >= 2)
        + 0.8 * ((codes["payment_method"] == 0) & (columns["late_payments_12m"] >= 2))
        - 1.0 * (month_to_month & (columns["discount_pct"] >= 15.0))
        + 0.8 * (columns["nps_score"] <= 4)
        - 0.3 * (columns["num_products"] >= 3)
        + region_effect[codes["region"]]
    )
    del engagement, calls_rate, calls, month_to_month, fiber, monthly, plan_price
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)
    del logit

    raw = pd.DataFrame({name: columns.pop(name) for name in NUMERIC}, copy=False)
    for name, (levels, _) in CATEGORIES.items():
        raw[name] = pd.Categorical.from_codes(codes.pop(name), categories=levels)
    return _build("synthetic", raw, y, HEAVY_TAILED, set(), forms, seed)


# --- Telco ---------------------------------------------------------------------------

TELCO_NUMERIC = ["tenure", "MonthlyCharges", "TotalCharges", "SeniorCitizen"]
#: one-hot levels that repeat another column (up to the intercept): "No internet
#: service" in the six add-on columns is InternetService == "No", "No phone service"
#: is PhoneService == "No". Dropped from the linear model's matrix only, so its
#: optimum is well conditioned; the tree forms keep every level.
TELCO_REDUNDANT_LEVELS = {"No internet service", "No phone service"}


def telco_base() -> tuple[pd.DataFrame, np.ndarray]:
    """The 7,043 Telco customers as (raw frame, churn 0/1).

    ``TotalCharges`` is blank for exactly the 11 customers with tenure 0, who have not
    been billed yet; they are given 0 (checked here, not assumed), not dropped.
    """
    path = data.data_dir() / "telco_churn.csv.gz"
    if not path.is_file():
        raise SystemExit(f"{path} not found; set CRMMINE_DATA_DIR to its folder")
    df = pd.read_csv(path, dtype={"TotalCharges": str})
    blank = df["TotalCharges"].str.strip() == ""
    if not ((df.loc[blank, "tenure"] == 0).all() and blank.sum() == 11):
        raise SystemExit(f"{path}: blank TotalCharges are not the 11 tenure-0 rows")
    df["TotalCharges"] = pd.to_numeric(df["TotalCharges"].where(~blank, "0"))
    y = (df.pop("Churn") == "Yes").to_numpy(dtype=np.int64)
    df = df.drop(columns="customerID")
    raw = pd.DataFrame({c: df[c].astype(np.float64) for c in TELCO_NUMERIC})
    for name in df.columns:
        if name not in TELCO_NUMERIC:
            raw[name] = df[name].astype("category")
    return raw, y


def telco(n: int, forms=FORMS, seed: int = SEED) -> ChurnData:
    """Telco replicated to ``n`` rows, 80/20.

    The 7,043 customers are split first and each part is then repeated to its share of
    ``n`` rows, so no test customer also appears in the training rows (splitting after
    replicating would put a copy of nearly every test row in the training set and turn
    test AUC into a memory test).
    """
    raw, y = telco_base()
    train, test = _split_indices(len(raw), seed)
    n_test = round(n * TEST_FRACTION)
    train = np.resize(train, n - n_test)  # np.resize repeats the indices cyclically
    test = np.resize(test, n_test)
    parts = [(raw.iloc[idx].reset_index(drop=True), y[idx]) for idx in (train, test)]
    return _encode(
        f"Telco x{n / len(raw):.0f}", parts, set(), TELCO_REDUNDANT_LEVELS, forms
    )


# --- split and encodings -------------------------------------------------------------


@dataclass
class ChurnData:
    """Train and test rows of one dataset in the forms asked for (None otherwise)."""

    name: str
    y_train: np.ndarray
    y_test: np.ndarray
    frame_train: pd.DataFrame | None = None
    frame_test: pd.DataFrame | None = None
    ordinal_train: np.ndarray | None = None
    ordinal_test: np.ndarray | None = None
    onehot_train: np.ndarray | None = None
    onehot_test: np.ndarray | None = None
    onehot_columns: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.y_train) + len(self.y_test)

    @property
    def n_features(self) -> int:
        for part in (self.frame_train, self.ordinal_train, self.onehot_train):
            if part is not None:
                return part.shape[1]
        return 0


def _split_indices(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A seeded random 80/20 split of ``range(n)``, each part in ascending order."""
    order = np.random.default_rng(seed + 2).permutation(n)
    n_test = round(n * TEST_FRACTION)
    return np.sort(order[n_test:]), np.sort(order[:n_test])


def _build(name, raw, y, heavy, redundant, forms, seed) -> ChurnData:
    train, test = _split_indices(len(raw), seed)
    parts = [(raw.iloc[idx].reset_index(drop=True), y[idx]) for idx in (train, test)]
    del raw
    return _encode(name, parts, heavy, redundant, forms)


def _encode(name, parts, heavy, redundant, forms) -> ChurnData:
    unknown = set(forms) - set(FORMS)
    if unknown:
        raise ValueError(f"forms must be among {FORMS}, got {sorted(unknown)}")
    (train, y_train), (test, y_test) = parts
    result = ChurnData(name, y_train, y_test)
    if "ordinal" in forms:
        result.ordinal_train = ordinal(train)
        result.ordinal_test = ordinal(test)
    if "onehot" in forms:
        scaling = _standardisation(train, heavy)
        result.onehot_train, result.onehot_columns = onehot(
            train, scaling, heavy, redundant
        )
        result.onehot_test, _ = onehot(test, scaling, heavy, redundant)
    if "frame" in forms:
        result.frame_train, result.frame_test = train, test
    return result


def ordinal(frame: pd.DataFrame) -> np.ndarray:
    """float64 matrix of the columns in order, categoricals as their codes."""
    out = np.empty(frame.shape, dtype=np.float64)
    for j, name in enumerate(frame.columns):
        column = frame[name]
        out[:, j] = column.cat.codes if column.dtype == "category" else column
    return out


def _numeric(frame: pd.DataFrame, name: str, heavy: set[str]) -> np.ndarray:
    values = frame[name].to_numpy(dtype=np.float64)
    return np.log1p(values) if name in heavy else values


def _standardisation(train: pd.DataFrame, heavy: set[str]) -> dict:
    """Mean and standard deviation of each numeric column on the training rows."""
    scaling = {}
    for name in train.columns:
        if train[name].dtype != "category":
            values = _numeric(train, name, heavy)
            scaling[name] = (values.mean(), values.std() or 1.0)
    return scaling


def onehot(frame, scaling, heavy, redundant) -> tuple[np.ndarray, list[str]]:
    """Standardised numeric columns, then each categorical's levels but the first (and
    but ``redundant`` ones) as 0/1 columns; filled in place into one float64 matrix."""
    names = [n for n in frame.columns if frame[n].dtype != "category"]
    slots = {}  # categorical name -> column index of each level (-1: no column)
    for name in frame.columns:
        if frame[name].dtype == "category":
            levels = frame[name].cat.categories
            index = np.full(len(levels), -1, dtype=np.int64)
            for code, level in enumerate(levels):
                if code > 0 and level not in redundant:
                    index[code] = len(names)
                    names.append(f"{name}={level}")
            slots[name] = index
    n = len(frame)
    out = np.zeros((n, len(names)), dtype=np.float64)
    for j, (name, (mean, std)) in enumerate(scaling.items()):
        out[:, j] = (_numeric(frame, name, heavy) - mean) / std
    rows = np.arange(n)
    for name, index in slots.items():
        column = index[frame[name].cat.codes.to_numpy()]
        hot = column >= 0
        out[rows[hot], column[hot]] = 1.0
    return out, names


def load(dataset: str, n: int, forms=FORMS) -> ChurnData:
    """``("synthetic" | "telco", n)`` -> the dataset at n rows."""
    if dataset == "synthetic":
        return synthetic(n, forms)
    if dataset == "telco":
        return telco(n, forms)
    raise ValueError(f"dataset must be 'synthetic' or 'telco', got {dataset!r}")
