"""Label coding at the Python edge against pandas.factorize."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmmine import _convert


def columns():
    rng = np.random.default_rng(3)
    runs = np.repeat(rng.integers(0, 50, 400), rng.integers(1, 30, 400))
    yield "int runs", pd.Series(runs)
    yield "int shuffled", pd.Series(rng.permutation(runs))
    yield "negative int", pd.Series(rng.permutation(runs) - 30)
    yield "uint8", pd.Series(rng.permutation(runs).astype(np.uint8))
    yield (
        "int64 extremes",
        pd.Series(
            np.where(
                runs % 2 == 0, np.iinfo(np.int64).min, np.iinfo(np.int64).max - runs
            )
        ),
    )
    yield "sparse int", pd.Series(rng.permutation(runs) * 1_000_003)
    yield "float with NaN runs", pd.Series(np.where(runs % 7 == 0, np.nan, runs / 3))
    yield "Int64 with NA", pd.Series(runs, dtype="Int64").mask(runs % 5 == 0)
    yield (
        "str runs",
        pd.Series([f"C{v}" if v % 3 else str(v) for v in runs], dtype="str"),
    )
    yield "object with None", pd.Series([None if v % 4 == 0 else f"x{v}" for v in runs])
    yield (
        "string with NA",
        pd.Series([f"s{v}" for v in runs], dtype="string").mask(runs % 6 == 0),
    )
    yield (
        "mixed labels",
        pd.Series([v if v % 2 else f"m{v}" for v in runs], dtype=object),
    )
    yield "dates", pd.Series(pd.to_datetime(runs, unit="D"))


@pytest.mark.parametrize(
    ("name", "column"), list(columns()), ids=[n for n, _ in columns()]
)
@pytest.mark.parametrize("sort", [True, False])
def test_codes_stand_for_the_same_labels_as_pandas(name, column, sort):
    codes, labels = _convert.factorize(column, name, sort=sort)
    assert codes.dtype == np.int32
    expected_codes, expected_labels = pd.factorize(column, sort=False)
    np.testing.assert_array_equal(codes < 0, expected_codes < 0)
    known = codes >= 0
    ours = np.asarray(labels, dtype=object)[codes[known]]
    theirs = np.asarray(expected_labels, dtype=object)[expected_codes[known]]
    assert list(ours) == list(theirs)
    assert len(labels) == len(expected_labels)
    if sort and name != "mixed labels":
        assert list(labels) == sorted(labels)
