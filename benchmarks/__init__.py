"""PRM's benchmark suite: ``make bench`` (``python -m benchmarks.run``); see benchmarks/README.md."""
