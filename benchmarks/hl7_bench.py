"""HL7 v2 over MLLP on PostgreSQL (issue 14's target: ≥ 500 ADT messages a second acknowledged,
with one worker applying them).

A fresh database; ``prm hl7 listen`` runs as its own process (as in production) for one tenant.
``connections`` plain asyncio clients send ``messages`` ADT^A04 messages between them (each a new
patient: its own MSH-10 and PID-3 MRN, a name, birth date, address and phone), each client one
after the other on its connection, timing each frame from the write to its framed ACK. Every ACK
must be AA. Then one in-process worker (``Worker.run_until_idle``, the job engine of ``prm
worker``) applies the stored messages; every message must end ``processed``.

Reported: acknowledged messages a second (wall time of the sending), p50/p99 ACK latency in ms,
the listener's CPU time per message (a figure the machine's other load does not change), the
worker's time to apply them all and its rate.
"""

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import sqlalchemy as sa

from benchmarks.databases import postgres_database

TENANT = UUID("00000000-0000-0000-0000-0000000000a7")
VT, FS_CR = b"\x0b", b"\x1c\x0d"
READY_WITHIN_S = 60


@dataclass
class Hl7BenchResult:
    messages: int
    connections: int
    acked_per_s: float
    ack_p50_ms: float
    ack_p99_ms: float
    listener_cpu_ms_per_message: float
    apply_s: float
    applied_per_s: float
    processed: int


def _pctl(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 2)


def _message(n: int) -> bytes:
    return (
        f"MSH|^~\\&|BENCH|CITYHOSP|PRM|PRM|20260101120000||ADT^A04^ADT_A01|BENCH{n:07d}|P|2.5\r"
        f"EVN|A04|20260101120000\r"
        f"PID|1||HB{n:07d}^^^CITYHOSP^MR||Bench{n}^Ana^M||19800101|F|||1 Main St^^Boston^MA^02110^US||"
        f"(617) 555-{n % 10000:04d}\r"
        f"PV1|1|O\r"
    ).encode()


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time of process ``pid`` (Linux ``/proc``; 0 elsewhere): the load of
    other processes on the machine does not change it, unlike the wall-clock rates."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _prm() -> str:
    local = Path(sys.executable).with_name("prm")
    return str(local) if local.exists() else "prm"


async def _wait_listening(port: int, process: asyncio.subprocess.Process) -> None:
    deadline = time.monotonic() + READY_WITHIN_S
    while time.monotonic() < deadline:
        if process.returncode is not None:
            raise RuntimeError(f"prm hl7 listen exited with {process.returncode}")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.1)
            continue
        writer.close()
        return
    raise RuntimeError("prm hl7 listen did not listen in time")


async def _client(port: int, numbers: range, latencies: list[float]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for n in numbers:
            started = time.perf_counter()
            writer.write(VT + _message(n) + FS_CR)
            await writer.drain()
            block = await reader.readuntil(FS_CR)
            latencies.append((time.perf_counter() - started) * 1000)
            if b"MSA|AA|" not in block:
                raise RuntimeError(f"message {n} was not acknowledged AA: {block[:200]!r}")
    finally:
        writer.close()


async def _apply(url: str) -> tuple[float, int]:
    from prm.adapters.sql.connection import SqlDatabase
    from prm.adapters.sql.hl7_tables import hl7_messages
    from prm.entrypoints.library import LibraryContextProvider
    from prm.entrypoints.worker.service import Worker
    from prm.ioc import make_container
    from prm.settings import Settings

    settings = Settings.from_mapping({"database_url": url, "log_level": "warning"})
    container = make_container(settings, LibraryContextProvider())
    try:
        worker = Worker(settings, container)
        started = time.perf_counter()
        await worker.run_until_idle()
        elapsed = time.perf_counter() - started
        database = await container.get(SqlDatabase)
        async with database.connect(TENANT) as connection:
            query = sa.select(sa.func.count()).where(
                hl7_messages.c.tenant_id == TENANT, hl7_messages.c.status == "processed"
            )
            processed = int((await connection.execute(query)).scalar_one())
    finally:
        await container.close()
    return elapsed, processed


async def _run(url: str, messages: int, connections: int) -> Hl7BenchResult:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRM_")}
    env.update({"PRM_DATABASE_URL": url, "PRM_LOG_LEVEL": "warning", "PRM_ACCESS_LOG": "false"})
    command = [_prm(), "hl7", "listen", "--host", "127.0.0.1", "--port", str(port), "--tenant", str(TENANT)]
    process = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL
    )
    try:
        await _wait_listening(port, process)
        warm = min(200, messages // 10)
        await _send_from(port, 0, warm, connections)  # prepared statements, pool: not counted
        cpu_before = _cpu_seconds(process.pid)
        sending_s, latencies = await _send_from(port, warm, messages, connections)
        listener_cpu_s = _cpu_seconds(process.pid) - cpu_before
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=15)
    apply_s, processed = await _apply(url)
    if processed != messages + warm:
        raise RuntimeError(f"{processed} of {messages + warm} messages were processed")
    return Hl7BenchResult(
        messages=messages,
        connections=connections,
        acked_per_s=round(messages / sending_s, 1),
        ack_p50_ms=round(statistics.median(latencies), 2),
        ack_p99_ms=_pctl(latencies, 0.99),
        listener_cpu_ms_per_message=round(listener_cpu_s * 1000 / messages, 2),
        apply_s=round(apply_s, 2),
        applied_per_s=round((messages + warm) / apply_s, 1),
        processed=processed,
    )


async def _send_from(port: int, first: int, messages: int, connections: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    share = -(-messages // connections)
    ranges = [range(first + i * share, first + min(messages, (i + 1) * share)) for i in range(connections)]
    started = time.perf_counter()
    await asyncio.gather(*(_client(port, numbers, latencies) for numbers in ranges))
    return time.perf_counter() - started, latencies


def run_hl7_bench(*, quick: bool = False) -> Hl7BenchResult:
    """Send ADT^A04 messages over MLLP to ``prm hl7 listen`` on a fresh PostgreSQL database and
    apply them with one worker (see the module docstring)."""
    with postgres_database() as url:
        return asyncio.run(_run(url, messages=2_000 if quick else 10_000, connections=8))


if __name__ == "__main__":
    print(run_hl7_bench(quick=True))
