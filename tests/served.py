"""``prm serve`` as a real process on a loopback port, for the suites that probe PRM from outside.

The fuzzing, hostile-input and log suites talk to the service over HTTP, as an attacker or an
integration would, and read what it writes to its log. :func:`served` starts ``prm serve`` on a
free port against a migrated database, waits for ``/ready``, and stops it on the way out;
:func:`admin_of_new_tenant` makes a tenant with an admin through the library and logs in over HTTP.
"""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID, uuid4

import httpx

from prm.settings import Settings
from tests.auth import PASSWORD, create_tenant, create_user

HOST = "127.0.0.1"
JWT_KEYS = f"served:{secrets.token_urlsafe(32)}"
READY_WITHIN_S = 120
"""How long a server may take to answer /ready: several workers each import the app, slowly on a busy machine."""


@dataclass(frozen=True)
class Served:
    base_url: str
    pid: int
    log_path: Path
    database_url: str

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _prm() -> str:
    local = Path(sys.executable).with_name("prm")
    return str(local) if local.exists() else "prm"


@contextmanager
def served(database_url: str, log_path: Path, **settings: str) -> Iterator[Served]:
    """``prm serve`` in production mode (JSON logs, access log on) unless ``settings`` (``PRM_*``
    names without the prefix, lower case) say otherwise."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRM_")}
    env.update(
        {
            "PRM_DATABASE_URL": database_url,
            "PRM_HOST": HOST,
            "PRM_PORT": str(port),
            "PRM_ENV": "production",
            "PRM_LOG_LEVEL": "info",
            "PRM_JWT_KEYS": JWT_KEYS,
            "PRM_STATE_DIR": str(log_path.parent / "state"),
            "PRM_QUIET_HOURS": "00:00-00:00",  # tests never depend on the hour
            "PRM_WORKER": "off",  # the API alone, as production runs it; worker="on" to have background work too
        }
    )
    env.update({f"PRM_{k.upper()}": v for k, v in settings.items()})
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own command line
            [_prm(), "serve"], env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    base_url = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + READY_WITHIN_S
        while True:
            try:
                if httpx.get(f"{base_url}/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None:
                raise RuntimeError(f"prm serve exited with {process.returncode}: {log_path.read_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"prm serve was not ready within {READY_WITHIN_S} s: {log_path.read_text()[-2000:]}")
            time.sleep(0.1)
        yield Served(base_url, process.pid, log_path, database_url)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


async def admin_of_new_tenant(served_app: Served, roles: tuple[str, ...] = ("admin",)) -> tuple[UUID, str]:
    """A new tenant with a user holding ``roles``; returns the tenant id and an access token."""
    settings = Settings(database_url=served_app.database_url, env="test", access_log=False, log_level="warning")
    tenant_id = await create_tenant(settings, uuid4())
    email = await create_user(settings, tenant_id, roles)
    async with httpx.AsyncClient(base_url=served_app.base_url) as client:
        response = await client.post("/api/v1/prm/auth/login", json={"email": email, "password": PASSWORD})
        response.raise_for_status()
        return tenant_id, str(response.json()["access"])
