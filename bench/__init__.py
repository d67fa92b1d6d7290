"""Benchmarks: scripts that print figures. Never run by `make test`."""
