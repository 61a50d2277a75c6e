"""Benchmarks of the site build, the generator step and the Claude writer: `make bench` (python -m bench)."""
