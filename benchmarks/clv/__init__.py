"""Benchmarks of crmmine.clv."""
