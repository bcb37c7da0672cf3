"""Shared fixtures. The full public datasets are found through one setting,
CRMMINE_DATA_DIR (default: ../shared/data beside the repository); tests that need a file
that is absent skip and say which."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import crmmine

REPO = Path(__file__).resolve().parents[2]
DATA_DIR = Path(os.environ.get("CRMMINE_DATA_DIR", REPO.parent / "shared" / "data"))


def data_file(name: str) -> Path:
    path = DATA_DIR / name
    if not path.is_file():
        pytest.skip(f"{name} not found in {DATA_DIR} (set CRMMINE_DATA_DIR)")
    return path


@pytest.fixture(scope="session")
def shared_data():
    """A function: file name -> path in the shared data folder (skips when absent)."""
    return data_file


@pytest.fixture(scope="session")
def online_retail():
    """The full UCI Online Retail log (541,909 rows)."""
    return crmmine.datasets.read_online_retail(data_file("online_retail.csv.gz"))


@pytest.fixture(scope="session")
def retail_sample():
    return crmmine.datasets.load_online_retail_sample()


@pytest.fixture(autouse=True)
def _restore_threads():
    yield
    crmmine.set_num_threads(None)
