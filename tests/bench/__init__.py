"""Benchmarks, not tests: pytest never collects this directory (norecursedirs).

Run them with scripts/bench (or `python -m bench` from tests/ with tests/support on
PYTHONPATH). Each figure is measured beside its baseline in the same run.
"""
