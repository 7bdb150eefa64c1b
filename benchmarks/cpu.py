"""CPU accounting from ``/proc``: what a process tree, PostgreSQL and the machine spent over a run.

Wall time on a shared 2-core machine says as much about the neighbours as about PRM; the CPU
time the kernel charged to each process does not. A server with several workers is the root
process (uvicorn's supervisor) and its descendants: they are summed. Processes that come and go
(PostgreSQL's backends) are diffed by pid.
"""

import os
import resource
import time
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class ProcStat:
    pid: int
    comm: str
    ppid: int
    user: int  # clock ticks
    system: int


def _stat(pid: int | str) -> ProcStat | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    close = text.rindex(")")
    fields = text[close + 2 :].split()
    return ProcStat(int(pid), text[text.index("(") + 1 : close], int(fields[1]), int(fields[11]), int(fields[12]))


def processes() -> list[ProcStat]:
    """Every process of the machine (that we may read), from one pass over ``/proc``."""
    found: list[ProcStat] = []
    for entry in islice(Path("/proc").iterdir(), 100_000):
        if entry.name.isdigit():
            stat = _stat(entry.name)
            if stat is not None:
                found.append(stat)
    return found


def tree(root: int, table: list[ProcStat]) -> list[ProcStat]:
    """``root`` and its descendants in ``table``."""
    children: dict[int, list[ProcStat]] = {}
    by_pid = {p.pid: p for p in table}
    for p in table:
        children.setdefault(p.ppid, []).append(p)
    found = [by_pid[root]] if root in by_pid else []
    queue = [root]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child.pid)
    return found


def postgres_ticks() -> dict[int, int]:
    """CPU ticks of every PostgreSQL process, by pid (backends come and go: diff them by pid)."""
    return {p.pid: p.user + p.system for p in processes() if p.comm == "postgres"}


def ticks_between(before: dict[int, int], after: dict[int, int], only: set[int] | None = None) -> float:
    """CPU seconds spent between two :func:`postgres_ticks` by the processes ``only`` (default
    all); processes gone since are lost."""
    spent = sum(t - before.get(pid, 0) for pid, t in after.items() if only is None or pid in only)
    return max(spent, 0) / CLOCK_TICKS


def _machine_ticks() -> tuple[int, int]:
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values[:8]), idle


@dataclass(frozen=True)
class CpuSample:
    """CPU ticks at one instant: the server's tree (by pid), PostgreSQL's processes (by pid), the
    machine, and this process's finished children (wrk) in seconds."""

    at: float
    server: dict[int, tuple[int, int]]  # pid -> (user + system, system)
    postgres: dict[int, int]
    machine: int
    machine_idle: int
    children: float

    @classmethod
    def take(cls, server_pid: int) -> "CpuSample":
        machine, idle = _machine_ticks()
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        table = processes()
        return cls(
            time.perf_counter(),
            {p.pid: (p.user + p.system, p.system) for p in tree(server_pid, table)},
            {p.pid: p.user + p.system for p in table if p.comm == "postgres"},
            machine,
            idle,
            usage.ru_utime + usage.ru_stime,
        )


@dataclass(frozen=True)
class CpuSpent:
    """What was spent between two samples, in CPU seconds (``server_processes``: how many
    processes of the server's tree ran)."""

    wall: float
    server: float
    server_sys: float
    server_processes: int
    postgres: float
    wrk: float
    machine_busy_share: float  # of all the machine's CPUs, 0..1

    @classmethod
    def between(cls, before: CpuSample, after: CpuSample, backends: set[int] | None = None) -> "CpuSpent":
        """``backends``: count only these PostgreSQL processes (the benchmark database's; the
        server is shared with other work)."""
        server = sum(t - before.server.get(pid, (0, 0))[0] for pid, (t, _) in after.server.items())
        system = sum(s - before.server.get(pid, (0, 0))[1] for pid, (_, s) in after.server.items())
        postgres = sum(
            t - before.postgres.get(pid, 0) for pid, t in after.postgres.items() if backends is None or pid in backends
        )
        machine = max(after.machine - before.machine, 1)
        return cls(
            wall=after.at - before.at,
            server=max(server, 0) / CLOCK_TICKS,
            server_sys=max(system, 0) / CLOCK_TICKS,
            server_processes=len(after.server),
            postgres=max(postgres, 0) / CLOCK_TICKS,
            wrk=after.children - before.children,
            machine_busy_share=1 - (after.machine_idle - before.machine_idle) / machine,
        )


def memory_mb(pid: int) -> tuple[float | None, float | None]:
    """(VmRSS, VmHWM) of ``pid`` in MB (MiB), from /proc/<pid>/status."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None, None
    values: dict[str, float] = {}
    for line in status.splitlines():
        key, _, rest = line.partition(":")
        if key in {"VmRSS", "VmHWM"}:
            values[key] = int(rest.split()[0]) / 1024
    return values.get("VmRSS"), values.get("VmHWM")


def own_cpu_seconds() -> float:
    """This process's CPU time so far (user + system), in seconds."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
