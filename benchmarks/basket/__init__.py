"""Benchmarks of crmmine.basket."""
