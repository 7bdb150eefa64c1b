"""A task the worker runs on a clock."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Periodic:
    """Run ``task`` every ``seconds`` for each active tenant (a job per tenant, de-duplicated)."""

    task: str
    seconds: int
