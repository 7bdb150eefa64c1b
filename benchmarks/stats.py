"""Figures of a run's timings."""

from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0-1) of ``values`` by the nearest rank at or above ``q * n``, rounded to
    0.1 (the values' unit, ms in the benchmarks); raises ``IndexError`` for no values."""
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)
