"""Benchmarks: `make bench` runs every benchmarks/bench_*.py; each compares sizes x peers in one run."""
