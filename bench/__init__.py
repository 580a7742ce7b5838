"""Benchmarks of issue 8: figures printed next to a baseline measured in the same run, never
asserted. `uv run pytest bench -m bench -s`; `BENCH_EVENTS` sets the history's size."""
