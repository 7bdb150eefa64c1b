"""``prm serve`` with ``PRM_MLLP_PORT`` (issue 14), on SQLite and PostgreSQL: the app's lifespan
starts the MLLP listener of ``prm hl7 listen``; a plain socket client sends the shared ADT^A01
sample and gets AA, the message is stored for the default tenant, and the listener stops with
the server."""

import asyncio
import socket
from pathlib import Path
from uuid import UUID

import hl7  # type: ignore[import-untyped]

from prm.application.hl7.get_message import GetHl7ParseStatus
from prm.entrypoints.library import Prm
from prm.settings import Settings
from tests.auth import CheapHashing, create_tenant
from tests.served import HOST, free_port, served

DATA = Path(__file__).parent.parent / "data" / "hl7v2"
VT, FS_CR = b"\x0b", b"\x1c\x0d"


def send(port: int, payload: bytes) -> str:
    """One framed message over a plain blocking socket; the framed ACK's text."""
    with socket.create_connection((HOST, port), timeout=20) as connection:
        connection.sendall(VT + payload + FS_CR)
        answer = b""
        while not answer.endswith(FS_CR):
            chunk = connection.recv(65536)
            if not chunk:
                break
            answer += chunk
    assert answer.startswith(VT), answer
    assert answer.endswith(FS_CR), answer
    return answer[1:-2].decode("utf-8")


async def test_prm_serve_listens_for_mllp_when_the_port_is_set(database_url: str, tmp_path: Path) -> None:
    settings = Settings(database_url=database_url, env="test", access_log=False, log_level="warning")
    tenant_id = await create_tenant(settings)
    port = free_port()
    with served(database_url, tmp_path / "server.log", mllp_port=str(port), default_tenant_id=str(tenant_id)):
        sample = (DATA / "microsoft_fhir_converter" / "ADT-A01-02.hl7").read_bytes()
        ack = hl7.parse(await asyncio.to_thread(send, port, sample))
        assert (str(ack.segment("MSA")(1)), str(ack.segment("MSA")(2))) == ("AA", "MSG00001")
    async with Prm.open(settings, tenant_id=UUID(str(tenant_id)), providers=(CheapHashing(),)) as prm:
        status = await prm.run(GetHl7ParseStatus, "MSG00001")
    assert (status.header.message_type, status.status.value) == ("ADT^A01", "received")
    with socket.socket() as probe:  # stopped with the server: nothing listens any more
        assert probe.connect_ex((HOST, port)) != 0
