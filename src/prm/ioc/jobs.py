"""Background tasks by name: ``JOB_HANDLERS`` maps a task name (``<context>.<what>``, stable once
deployed: it is stored with every waiting job) to the handler class that runs it.

The job engine resolves the class from a REQUEST scope bound to the job's tenant with the system
principal (every handler must be provided by its context's provider) and calls it with the job's
arguments. ``PERIODIC`` lists the tasks the worker runs on a clock, for every tenant.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from prm.application.shared.jobs import JobHandler


@dataclass(frozen=True, slots=True)
class Periodic:
    """Run ``task`` every ``seconds`` for each active tenant (a job per tenant, de-duplicated)."""

    task: str
    seconds: int


JOB_HANDLERS: Mapping[str, type[JobHandler]] = {}

PERIODIC: tuple[Periodic, ...] = ()
