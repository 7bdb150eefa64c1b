"""Journeys driven by integration events on PostgreSQL (issue 12's target: 20,000 events advancing
journeys for 10,000 patients, ≥ 1,000 events a second end to end with one worker).

``patients`` patients are loaded (the HTTP benchmark's seed) and each is started on a two-stage
OPD journey (``OPD_VISIT_COMPLETED`` then ``PHARMACY_DISPENSED``) through the library. Then two
events per patient are received through the library's batch use case (what
``POST /integrations/events/bulk_create`` runs; 1,000 a batch), and one ``prm worker`` is started
and timed until every event is processed: the events' patients resolved by MRN, the journeys
subscriber completing each stage, the instances completing, and every domain event relayed.
Reported: events a second, the worker's CPU per event, and the instances completed.
"""

import asyncio
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID, uuid4

import psycopg

from benchmarks.cpu import CLOCK_TICKS, processes, tree
from benchmarks.databases import libpq, postgres_database
from benchmarks.http_bench import prm_executable, seed

TENANT = "00000000-0000-0000-0000-000000000001"
CODES = ("OPD_VISIT_COMPLETED", "PHARMACY_DISPENSED")


@dataclass
class JourneysResult:
    patients: int
    events: int
    receive_seconds: float
    seconds: float
    events_per_second: int
    worker_cpu_us_per_event: int
    instances_completed: int
    events_processed: int


def _patients(url: str) -> list[tuple[UUID, str]]:
    with psycopg.connect(libpq(url)) as connection:
        return [(row[0], row[1]) for row in connection.execute("SELECT id, mrn FROM patients ORDER BY id")]


async def _prepare(url: str, patients: list[tuple[UUID, str]]) -> float:
    """The journey, an instance per patient, then the events (timed: returns their seconds)."""
    from prm.application.integrations.create_config import CreateIntegrationConfig, CreateIntegrationConfigCommand
    from prm.application.integrations.inputs import ReceiveEventCommand
    from prm.application.integrations.receive_events import ReceiveIntegrationEvents
    from prm.application.journeys.instances_manage import StartJourney, StartJourneyCommand
    from prm.application.journeys.journeys_manage import CreateJourney, JourneyInput, StageInput
    from prm.domain.shared.ids import PatientId
    from prm.entrypoints.library import Prm
    from prm.settings import Settings

    settings = Settings.from_mapping({"database_url": url, "log_level": "warning"})
    async with Prm.open(settings, tenant_id=UUID(TENANT)) as prm:
        config = CreateIntegrationConfigCommand(name="HIS", source_system="his", rate_limit_per_hour=10_000_000)
        await prm.run(CreateIntegrationConfig, config)
        journey = await prm.run(
            CreateJourney,
            JourneyInput(
                name="OPD",
                journey_type="opd",
                stages=[
                    StageInput(name="Consultation", order_index=1, trigger_event=CODES[0]),
                    StageInput(name="Pharmacy", order_index=2, trigger_event=CODES[1]),
                ],
            ),
        )
        for patient_id, _ in patients:
            await prm.run(StartJourney, StartJourneyCommand(journey_id=journey.id, patient_id=PatientId(patient_id)))
        with psycopg.connect(libpq(url), autocommit=True) as connection:
            connection.execute("ANALYZE")
        now = datetime.now(UTC)
        commands = [
            ReceiveEventCommand(
                source_system="his",
                event_code=code,
                external_id=f"EXT-{uuid4().hex}",
                patient_identifier=mrn,
                occurred_at=now,
            )
            for code in CODES
            for _, mrn in patients
        ]
        began = time.perf_counter()
        for start in range(0, len(commands), 1000):
            await prm.run(ReceiveIntegrationEvents, commands[start : start + 1000])
        return time.perf_counter() - began


def _counts(url: str) -> tuple[int, int]:
    with psycopg.connect(libpq(url)) as connection:
        pending = connection.execute("SELECT count(*) FROM integration_events WHERE status = 'pending'").fetchone()
        done = connection.execute("SELECT count(*) FROM journey_instances WHERE status = 'completed'").fetchone()
        return (int(pending[0]) if pending else 0, int(done[0]) if done else 0)


def _worker(url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRM_")}
    env.update({"PRM_DATABASE_URL": url, "PRM_ENV": "production", "PRM_LOG_LEVEL": "warning"})
    with log.open("ab") as out:
        return subprocess.Popen(
            [prm_executable(), "worker"], env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def _cpu_seconds(pid: int) -> float:
    return sum(p.user + p.system for p in tree(pid, processes())) / CLOCK_TICKS


def advance_journeys(patients: int, log_dir: Path) -> JourneysResult:
    with postgres_database() as url:
        asyncio.run(seed(url, patients))
        found = _patients(url)
        receive_seconds = asyncio.run(_prepare(url, found))
        events = len(found) * len(CODES)
        worker = _worker(url, log_dir / "journeys-worker.log")
        try:
            time.sleep(1.5)  # the worker's start-up is not the work
            began_cpu = _cpu_seconds(worker.pid)
            began = time.perf_counter()
            deadline = began + 900
            while _counts(url)[0] > 0 and time.perf_counter() < deadline:
                time.sleep(0.1)
            seconds = time.perf_counter() - began
            cpu = _cpu_seconds(worker.pid) - began_cpu
        finally:
            worker.terminate()
            worker.wait(timeout=40)
        pending, completed = _counts(url)
    return JourneysResult(
        patients=len(found),
        events=events,
        receive_seconds=round(receive_seconds, 2),
        seconds=round(seconds, 2),
        events_per_second=int(events / seconds) if seconds else 0,
        worker_cpu_us_per_event=int(cpu / events * 1e6),
        instances_completed=completed,
        events_processed=events - pending,
    )


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        result = advance_journeys(1_000 if "--quick" in sys.argv else 10_000, Path(folder))
        print(json.dumps(asdict(result), indent=2))
