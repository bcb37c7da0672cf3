"""The main job: `crmmine report` on the bundled sample and on a CSV file."""

from __future__ import annotations

import subprocess
import sys

import crmmine
from crmmine.__main__ import main

COLUMNS = dict(
    customer="CustomerID", date="InvoiceDate", amount="Amount", invoice="InvoiceNo"
)


def test_report_on_the_bundled_sample(capsys, retail_sample):
    assert main(["report"]) == 0
    out = capsys.readouterr().out
    summary = crmmine.rfm_segments(retail_sample, **COLUMNS)
    for segment, row in summary.iterrows():
        line = next(line for line in out.splitlines() if line.startswith(segment))
        assert (
            f"{int(row['customers']):,}" in line
            and f"{row['revenue_share']:.1%}" in line
        )
    assert f"customers: {summary['customers'].sum():,}" in out
    assert "Value tiers" in out and "key" in out


def test_report_on_a_csv_path(tmp_path, retail_sample):
    path = tmp_path / "log.csv"
    retail_sample.drop(columns="Amount").to_csv(path, index=False)
    out = subprocess.run(
        [sys.executable, "-m", "crmmine", "report", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Champions" in out and str(path) in out


def test_report_names_a_missing_column(tmp_path, capsys, retail_sample):
    path = tmp_path / "log.csv"
    retail_sample.drop(columns="Amount").to_csv(path, index=False)
    assert main(["report", str(path), "--customer", "Client"]) == 2
    assert "customer='Client' is not a column" in capsys.readouterr().err
