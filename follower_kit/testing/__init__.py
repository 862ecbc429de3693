"""Test doubles shipped with the kit: local servers that speak the outside world's APIs (checked
against the published specs), for `follower-kit fake-server`, the tests and the benchmarks."""
