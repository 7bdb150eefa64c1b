"""Communications on PostgreSQL (issue 11's targets):

- **dispatch**: ``messages`` SMS are queued (through the library's ``QueueMessage``, committed in
  units of 500) for a tenant whose SMS provider is the loopback Twilio server
  (``python -m tests.providers``, in a process of its own); then one ``prm worker`` is started and
  the clock runs until every message is ``sent``. Reported: messages a second, the worker's CPU
  per message, and what the provider received (each message exactly once).
- **search**: ``rows`` messages are loaded with COPY (bodies from a small vocabulary of clinic
  phrases with a unique token each), ANALYZEd, then ``GET /communications/search`` is called
  ``queries`` times, one at a time, with words of different frequencies; p50/p95/p99 in ms.

- **campaign**: ``benchmarks/campaign_bench.py``: a campaign to 100,000 patients planned by its
  job (recipients resolved, consent decided, messages written), median of three runs.
"""

import asyncio
import base64
import io
import json
import os
import random
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from benchmarks.campaign_bench import CampaignResult, plan_campaign
from benchmarks.cpu import CLOCK_TICKS, processes, tree
from benchmarks.databases import libpq, postgres_database
from benchmarks.http_bench import log_in, prm_executable, running_server, seed
from benchmarks.stats import percentile

TENANT = "00000000-0000-0000-0000-000000000001"
NO_QUIET_HOURS = {"PRM_QUIET_HOURS": "00:00-00:00"}  # the figure must not depend on the hour


@dataclass
class DispatchResult:
    messages: int
    seconds: float
    messages_per_second: float
    worker_cpu_us_per_message: float
    provider_received: int
    sent_twice: int


@dataclass
class SearchResult:
    rows: int
    load_seconds: float
    queries: int
    p50_ms: float
    p95_ms: float
    p99_ms: float


@contextmanager
def loopback_providers(log: Path) -> Any:
    """``python -m tests.providers`` in its own process; yields its description (URLs, secrets)."""
    with log.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.providers"], stdout=subprocess.PIPE, stderr=err, cwd=Path.cwd()
        )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        yield process, json.loads(line)
    finally:
        process.terminate()
        process.wait(timeout=20)


def _call(port: int, token: str, method: str, path: str, body: Any = None) -> Any:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/prm{path}",
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method=method,
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback only
        return json.load(response)


async def _queue(database_url: str, count: int) -> None:
    from prm.application.communications.contracts import MessageRequest
    from prm.application.communications.messages_queue import QueueMessage
    from prm.application.shared.ports import UnitOfWork
    from prm.domain.communications.channels import Channel
    from prm.entrypoints.library import Prm
    from prm.settings import Settings

    settings = Settings.from_mapping({"database_url": database_url, "log_level": "warning", **_settings_of_env()})
    async with Prm.open(settings) as prm:
        for start in range(0, count, 500):
            async with prm.unit() as unit:
                queue = await unit.get(QueueMessage)
                for i in range(start, min(count, start + 500)):
                    await queue.queue(
                        MessageRequest(
                            patient_id=None,
                            channel=Channel.SMS,
                            recipient=f"+1617555{i % 10_000:04d}",
                            body=f"Your appointment is on Tuesday at 10:30. Ref {i}",
                        )
                    )
                await (await unit.get(UnitOfWork)).commit()


def _settings_of_env() -> dict[str, str]:
    return {k.removeprefix("PRM_").lower(): v for k, v in NO_QUIET_HOURS.items()}


def _sent(database_url: str) -> int:
    with psycopg.connect(libpq(database_url), autocommit=True) as connection:
        row = connection.execute("SELECT count(*) FROM communication_messages WHERE status = 'sent'").fetchone()
        return int(row[0]) if row else 0


def _worker(database_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRM_")}
    env.update({"PRM_DATABASE_URL": database_url, "PRM_ENV": "production", "PRM_LOG_LEVEL": "warning"})
    env.update(NO_QUIET_HOURS)
    with log.open("ab") as out:
        return subprocess.Popen(
            [prm_executable(), "worker"], env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def _cpu_seconds(pid: int) -> float:
    return sum(p.user + p.system for p in tree(pid, processes())) / CLOCK_TICKS


def dispatch(messages: int, log_dir: Path) -> DispatchResult:
    with (
        postgres_database() as url,
        loopback_providers(log_dir / "providers.log") as (_, providers),
    ):
        asyncio.run(seed(url, 0))
        with running_server(url, log_dir / "serve.log", extra_env=NO_QUIET_HOURS) as (_, port):
            token = log_in(port)
            twilio = providers["twilio"]
            _call(
                port,
                token,
                "PUT",
                "/communications/providers/sms",
                {
                    "kind": "twilio",
                    "settings": {
                        "account_sid": twilio["account_sid"],
                        "from_number": "+15005550006",
                        "base_url": twilio["base_url"],
                    },
                    "secrets": {"auth_token": twilio["auth_token"]},
                },
            )
        asyncio.run(_queue(url, messages))  # no ANALYZE: the connection analyzes the queue as it fills
        worker = _worker(url, log_dir / "worker.log")
        try:
            time.sleep(1.5)  # the worker's start-up (imports, pool) is not dispatch
            began_cpu = _cpu_seconds(worker.pid)
            began = time.perf_counter()
            deadline = began + 600
            while _sent(url) < messages and time.perf_counter() < deadline:
                time.sleep(0.05)
            seconds = time.perf_counter() - began
            cpu = _cpu_seconds(worker.pid) - began_cpu
        finally:
            worker.terminate()
            worker.wait(timeout=40)
        received = _provider_bodies(twilio)
    counts: dict[str, int] = {}
    for body in received:
        counts[body] = counts.get(body, 0) + 1
    return DispatchResult(
        messages=messages,
        seconds=round(seconds, 2),
        messages_per_second=round(messages / seconds),
        worker_cpu_us_per_message=round(cpu / messages * 1e6),
        provider_received=len(received),
        sent_twice=sum(1 for n in counts.values() if n > 1),
    )


def _provider_bodies(twilio: dict[str, str]) -> list[str]:
    """Every body the loopback Twilio holds (its list resource, in one page)."""
    url = f"{twilio['base_url']}/2010-04-01/Accounts/{twilio['account_sid']}/Messages.json?PageSize=1000000"
    auth = base64.b64encode(f"{twilio['account_sid']}:{twilio['auth_token']}".encode()).decode()
    request = urllib.request.Request(url, headers={"Authorization": f"Basic {auth}"})  # noqa: S310 - loopback
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback only
        page = json.load(response)
    return [m["body"] for m in page.get("messages", [])]


PHRASES = (
    "appointment reminder tomorrow clinic parking prescription results ready please call "
    "reception vaccination flu booster fasting blood test cardiology physiotherapy dermatology "
    "referral letter cancelled rescheduled confirmed thank you directions entrance lift "
    "pharmacy collect"
)
WORDS = PHRASES.split(" ")


def _load_messages(url: str, rows: int) -> float:
    """COPY ``rows`` outbound SMS into the benchmark tenant, then ANALYZE; returns the seconds."""
    rng = random.Random(11)
    now = datetime.now(UTC)
    began = time.perf_counter()
    with psycopg.connect(libpq(url)) as connection:
        columns = (
            "tenant_id, id, patient_id, direction, channel, recipient, body, category, status, attempts, "
            "version, created_at, updated_at, sent_at"
        )
        with connection.cursor() as cursor, cursor.copy(f"COPY communication_messages ({columns}) FROM STDIN") as copy:
            buffer = io.StringIO()
            for n in range(rows):
                words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 16)))
                at = (now - timedelta(minutes=n)).isoformat()
                buffer.write(
                    f"{TENANT}\t{uuid.uuid4()}\t{uuid.uuid4()}\toutbound\tsms\t+1617{n % 10_000_000:07d}\t"
                    f"{words} ref{n}\tgeneral\tsent\t1\t1\t{at}\t{at}\t{at}\n"
                )
                if n % 20_000 == 19_999:
                    copy.write(buffer.getvalue())
                    buffer = io.StringIO()
            copy.write(buffer.getvalue())
        connection.commit()
        connection.execute("ANALYZE communication_messages")
        connection.commit()
    return time.perf_counter() - began


def search(rows: int, queries: int, log_dir: Path) -> SearchResult:
    with postgres_database() as url:
        asyncio.run(seed(url, 0))
        load_seconds = _load_messages(url, rows)
        with running_server(url, log_dir / "search-serve.log", extra_env=NO_QUIET_HOURS) as (_, port):
            token = log_in(port)
            terms = ["physiotherapy", "blood test", "pharmacy collect", "flu booster", "ref12345", "referral"]
            for term in terms:  # warm: plans, pool, caches
                _call(port, token, "GET", f"/communications/search?query={urllib.parse.quote(term)}")
            timings: list[float] = []
            for n in range(queries):
                term = terms[n % len(terms)]
                began = time.perf_counter()
                _call(port, token, "GET", f"/communications/search?query={urllib.parse.quote(term)}&page_size=20")
                timings.append((time.perf_counter() - began) * 1000)
    return SearchResult(
        rows=rows,
        load_seconds=round(load_seconds, 1),
        queries=queries,
        p50_ms=percentile(timings, 0.5),
        p95_ms=percentile(timings, 0.95),
        p99_ms=percentile(timings, 0.99),
    )


@dataclass
class CommunicationsReport:
    dispatch: DispatchResult
    search: SearchResult
    campaign: CampaignResult


def run_communications_bench(workdir: Path, *, quick: bool) -> CommunicationsReport:
    return CommunicationsReport(
        dispatch=dispatch(1000 if quick else 5000, workdir),
        search=search(50_000 if quick else 1_000_000, 60 if quick else 300, workdir),
        campaign=plan_campaign(10_000 if quick else 100_000),
    )


if __name__ == "__main__":
    import tempfile
    from dataclasses import asdict

    with tempfile.TemporaryDirectory() as folder:
        report = run_communications_bench(Path(folder), quick="--quick" in sys.argv)
        print(json.dumps(asdict(report), indent=2))
