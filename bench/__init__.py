"""Benchmarks (`uv run python bench/run.py`): never collected by pytest (testpaths = tests)."""
