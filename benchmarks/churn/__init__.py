"""Benchmarks of crmmine.churn."""
