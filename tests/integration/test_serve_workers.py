"""``prm serve`` with two workers on PostgreSQL: both answer, with the settings of the environment,
and what one worker learns (a log-out) the other applies.

Which worker holds a connection is read from Linux's socket tables: the server side of the
client's TCP connection is a socket, and exactly one process has it open.
"""

import asyncio
import json
import os
import sys
import time
from pathlib import Path
from uuid import uuid4

import httpx
import pytest

from prm.entrypoints.cli.main import parser
from prm.settings import Settings
from tests.auth import PASSWORD, create_tenant, create_user
from tests.served import HOST, Served, served

CONNECTIONS = 24
MAX_CONNECTIONS = 200

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def _hex_address(port: int) -> str:
    return f"{int.from_bytes(bytes(map(int, HOST.split('.'))), 'little'):08X}:{port:04X}"


def _owner(server_port: int, client_port: int, candidates: set[int]) -> int | None:
    """The process among ``candidates`` that holds the server's end of the connection from
    ``client_port``."""
    local, remote = _hex_address(server_port), _hex_address(client_port)
    inode = next(
        (
            fields[9]
            for fields in (line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:])
            if fields[1] == local and fields[2] == remote
        ),
        None,
    )
    if inode is None:
        return None
    for pid in candidates:
        try:
            if any(os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]" for fd in os.listdir(f"/proc/{pid}/fd")):
                return pid
        except OSError:
            continue
    return None


def _client_port(response: httpx.Response) -> int:
    return int(response.extensions["network_stream"].get_extra_info("client_addr")[1])


async def _log_in(app: Served) -> dict[str, str]:
    """A new tenant's admin, logged in over HTTP: its access and refresh tokens."""
    settings = Settings(database_url=app.database_url, env="test", access_log=False, log_level="warning")
    tenant_id = await create_tenant(settings, uuid4())
    email = await create_user(settings, tenant_id, ("admin",))
    async with httpx.AsyncClient(base_url=app.base_url) as client:
        response = await client.post("/api/v1/prm/auth/login", json={"email": email, "password": PASSWORD})
        response.raise_for_status()
        return dict(response.json())


def _client(app: Served, headers: dict[str, str]) -> httpx.Client:
    """A synchronous client: one keep-alive connection of its own."""
    return httpx.Client(base_url=app.base_url, headers=headers, timeout=10)


async def test_two_workers_share_the_load_the_settings_and_the_revocations(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = str(request.getfixturevalue("_postgres_url"))
    with served(url, tmp_path / "server.log", workers="2", revocation_poll_seconds="0.2") as app:
        session = await _log_in(app)
        workers = _children(app.pid)
        assert len(workers) >= 2, "uvicorn's supervisor should have started two workers"
        server_port = int(app.base_url.rsplit(":", 1)[1])
        auth = {"Authorization": f"Bearer {session['access']}"}
        clients: list[httpx.Client] = []
        try:
            owners: set[int | None] = set()
            # One keep-alive connection each, held open. The kernel hands new connections to
            # whichever worker accepts first, so on a busy machine one worker can take a long run
            # of them: open more (up to MAX_CONNECTIONS) until both have some.
            while len(clients) < CONNECTIONS or (len(owners & workers) < 2 and len(clients) < MAX_CONNECTIONS):
                client = _client(app, auth)
                clients.append(client)
                response = client.get("/api/v1/prm/auth/me")
                assert response.status_code == 200  # every worker verifies tokens with PRM_JWT_KEYS
                owners.add(_owner(server_port, _client_port(response), workers))
                if len(owners & workers) < 2 and len(clients) >= CONNECTIONS:
                    time.sleep(0.05)  # noqa: ASYNC251 - the clients are synchronous; let the other worker accept
            assert len(owners & workers) == 2, f"connections were served by {owners}, workers are {workers}"

            logout = clients[0].post("/api/v1/prm/auth/logout", json={"refresh": session["refresh"]})
            assert logout.status_code == 204
            await asyncio.sleep(0.6)  # longer than every worker's revocation poll interval
            assert {c.get("/api/v1/prm/auth/me").status_code for c in clients} == {401}  # on both workers
        finally:
            for client in clients:
                client.close()
    started = [json.loads(line) for line in app.log_text().splitlines() if "Started server process" in line]
    assert len({line["event"] for line in started}) == 2  # JSON lines (PRM_ENV=production) from two pids


def test_workers_must_be_a_whole_number_of_one_or_more() -> None:
    assert parser().parse_args(["serve", "--workers", "3"]).workers == 3
    assert parser().parse_args(["serve"]).workers is None  # PRM_WORKERS, default 1
    for bad in ("0", "-1", "two"):
        with pytest.raises(SystemExit) as exit_info:
            parser().parse_args(["serve", "--workers", bad])
        assert exit_info.value.code == 2
