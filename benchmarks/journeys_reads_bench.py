"""Reads over many journey instances and tickets on PostgreSQL (issue 12's target: ``GET
/journeys/instances/stats`` and ``GET /tickets`` p95 ≤ 20 ms with 100,000 instances and tickets).

``rows`` journey instances (60% active, 30% completed, 10% cancelled, over two journeys) and
``rows`` tickets (every status and priority, a fifth of them overdue) are loaded with COPY for
the HTTP benchmark's tenant and its 1,000 patients, then ``VACUUM ANALYZE`` (the steady state
autovacuum reaches; the test server runs without it). ``prm serve`` runs in production
configuration, and each request below is sent ``requests`` times, one at a time, after a warm-up
of 20: the statistics (all, and of one journey), the first page of tickets, open tickets of one
priority, and overdue tickets. Reported: p50/p95/p99 in ms of each.
"""

import asyncio
import json
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

from benchmarks.databases import libpq, postgres_database
from benchmarks.http_bench import HOST, log_in, running_server, seed
from benchmarks.stats import percentile

TENANT = uuid.UUID("00000000-0000-0000-0000-000000000001")
API = "/api/v1/prm"
WARM_UP = 20
_INSTANCE_STATES = ("active",) * 6 + ("completed",) * 3 + ("cancelled",)


@dataclass
class ReadLatency:
    request: str
    p50_ms: float
    p95_ms: float
    p99_ms: float


@dataclass
class ReadsResult:
    instances: int
    tickets: int
    requests: int
    latencies: list[ReadLatency] = field(default_factory=list)


async def _two_journeys(url: str) -> list[uuid.UUID]:
    from prm.application.journeys.journeys_manage import CreateJourney, JourneyInput, StageInput
    from prm.entrypoints.library import Prm
    from prm.settings import Settings

    settings = Settings.from_mapping({"database_url": url, "log_level": "warning"})
    made = []
    async with Prm.open(settings, tenant_id=TENANT) as prm:
        for name in ("OPD", "Inpatient"):
            stages = [StageInput(name="Visit", order_index=1, trigger_event="OPD_VISIT_COMPLETED")]
            journey = await prm.run(CreateJourney, JourneyInput(name=name, journey_type="opd", stages=stages))
            made.append(uuid.UUID(str(journey.id)))
    return made


def _load(url: str, rows: int, journeys: list[uuid.UUID]) -> None:
    now = datetime.now(UTC)
    with psycopg.connect(libpq(url), autocommit=False) as connection:
        patients = [row[0] for row in connection.execute("SELECT id FROM patients")]
        with connection.cursor() as cursor:
            with cursor.copy(
                "COPY journey_instances (tenant_id, id, journey_id, journey_version, patient_id, encounter_id, "
                "context, status, started_at, completed_at, cancelled_at, version, updated_at) FROM STDIN"
            ) as copy:
                for i in range(rows):
                    state = _INSTANCE_STATES[i % 10]
                    started = now - timedelta(minutes=i)
                    copy.write_row(
                        (
                            TENANT,
                            uuid.uuid4(),
                            journeys[i % len(journeys)],
                            1,
                            patients[i % len(patients)],
                            f"ENC-{i}",
                            "{}",
                            state,
                            started,
                            started + timedelta(hours=2) if state == "completed" else None,
                            started + timedelta(hours=1) if state == "cancelled" else None,
                            1,
                            started,
                        )
                    )
            statuses = ("open", "in_progress", "resolved", "closed")
            priorities = ("low", "medium", "high", "urgent")
            with cursor.copy(
                "COPY tickets (tenant_id, id, patient_id, title, category, priority, status, source, "
                "first_response_due_at, resolution_due_at, version, created_at, updated_at) FROM STDIN"
            ) as copy:
                for i in range(rows):
                    created = now - timedelta(minutes=i)
                    due = now - timedelta(hours=1) if i % 5 == 0 else now + timedelta(days=2)
                    copy.write_row(
                        (
                            TENANT,
                            uuid.uuid4(),
                            patients[i % len(patients)],
                            f"Follow-up call {i}",
                            "follow_up",
                            priorities[i % 4],
                            statuses[(i // 4) % 4],
                            "staff",
                            due,
                            due + timedelta(days=1),
                            1,
                            created,
                            created,
                        )
                    )
        connection.commit()
    with psycopg.connect(libpq(url), autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")


def _get(port: int, token: str, path: str) -> float:
    request = urllib.request.Request(f"http://{HOST}:{port}{API}{path}", headers={"Authorization": f"Bearer {token}"})
    began = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback only
        json.load(response)
    return (time.perf_counter() - began) * 1000


def read_latency(rows: int, requests: int, log_dir: Path) -> ReadsResult:
    """Load ``rows`` instances and tickets, then time each read ``requests`` times."""
    result = ReadsResult(instances=rows, tickets=rows, requests=requests)
    with postgres_database() as url:
        asyncio.run(seed(url, 1_000))
        journeys = asyncio.run(_two_journeys(url))
        _load(url, rows, journeys)
        paths = {
            "GET /journeys/instances/stats": "/journeys/instances/stats",
            "GET /journeys/instances/stats?journey_id=": f"/journeys/instances/stats?journey_id={journeys[0]}",
            "GET /tickets": "/tickets",
            "GET /tickets?status=open&priority=urgent": "/tickets?status=open&priority=urgent",
            "GET /tickets?overdue=true": "/tickets?overdue=true",
        }
        with running_server(url, log_dir / "journeys-reads.log") as (_, port):
            token = log_in(port)
            for label, path in paths.items():
                for _ in range(WARM_UP):
                    _get(port, token, path)
                timings = [_get(port, token, path) for _ in range(requests)]
                result.latencies.append(
                    ReadLatency(label, percentile(timings, 0.5), percentile(timings, 0.95), percentile(timings, 0.99))
                )
    return result


if __name__ == "__main__":
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        quick = "--quick" in sys.argv
        print(read_latency(10_000 if quick else 100_000, 50 if quick else 200, Path(folder)))
