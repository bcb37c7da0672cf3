"""Benchmarks of crmmine.segment."""
