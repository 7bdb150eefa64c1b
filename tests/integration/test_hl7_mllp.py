"""The MLLP listener (issue 14), on SQLite and PostgreSQL: a plain socket client sends framed
messages (``<VT> … <FS><CR>``) and gets one framed ACK per message, on one connection or many;
a malformed frame gets AR and the connection keeps working; the ACKed messages are stored."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import UUID

import hl7  # type: ignore[import-untyped]
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from prm.entrypoints.cli.hl7 import receiver, start_listener
from prm.entrypoints.library import Prm
from prm.settings import Settings
from tests.auth import CheapHashing

API = "/api/v1/prm"
DATA = Path(__file__).parent.parent / "data" / "hl7v2"
VT, FS_CR = b"\x0b", b"\x1c\x0d"


@pytest.fixture
async def port(client: AsyncTestClient[Litestar], settings: Settings, tenant_id: UUID) -> AsyncIterator[int]:
    async with Prm.open(settings, tenant_id=tenant_id, providers=(CheapHashing(),)) as prm:
        server = await start_listener(receiver(prm), "127.0.0.1", 0, idle_timeout=5.0)
        async with server:
            yield server.sockets[0].getsockname()[1]
            server.close()


async def exchange(writer: Any, reader: asyncio.StreamReader, frame: bytes) -> hl7.Message:
    writer.write(frame)
    await writer.drain()
    block = await asyncio.wait_for(reader.readuntil(FS_CR), 10)
    assert block.startswith(VT)
    return hl7.parse(block[1:-2].decode("utf-8"))


def message(control_id: str, mrn: str) -> bytes:
    return (
        f"MSH|^~\\&|HIS|CITY|PRM|PRM|20260101||ADT^A04|{control_id}|P|2.5\rPID|1||{mrn}^^^CITY^MR||Roe^Rick\r"
    ).encode()


async def test_two_messages_and_a_malformed_frame_on_one_connection(
    port: int, client: AsyncTestClient[Litestar]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        first = await exchange(writer, reader, VT + message("M1", "100") + FS_CR)
        second = await exchange(writer, reader, VT + message("M2", "200") + FS_CR)
        broken = await exchange(writer, reader, b"no start block" + FS_CR)
        garbage = await exchange(writer, reader, VT + b"not hl7 at all" + FS_CR)
        sample = (DATA / "microsoft_fhir_converter" / "ADT01-23.hl7").read_bytes()  # BOM, LF
        third = await exchange(writer, reader, VT + sample + FS_CR)
    finally:
        writer.close()
    assert (str(first.segment("MSA")(1)), str(first.segment("MSA")(2))) == ("AA", "M1")
    assert (str(second.segment("MSA")(1)), str(second.segment("MSA")(2))) == ("AA", "M2")
    assert str(broken.segment("MSA")(1)) == "AR"
    assert str(garbage.segment("MSA")(1)) == "AR"
    assert str(third.segment("MSA")(1)) == "AA"
    listed = (await client.get(f"{API}/hl7/messages", params={"status": "received"})).json()
    assert sorted(m["control_id"] for m in listed["items"]) == ["599102", "M1", "M2"]


async def test_many_connections_at_once(port: int, client: AsyncTestClient[Litestar]) -> None:
    async def one(index: int) -> str:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            ack = await exchange(writer, reader, VT + message(f"P{index}", f"30{index}") + FS_CR)
        finally:
            writer.close()
        return str(ack.segment("MSA")(1))

    assert await asyncio.gather(*(one(i) for i in range(5))) == ["AA"] * 5
    repeat_reader, repeat_writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        again = await exchange(repeat_writer, repeat_reader, VT + message("P0", "300") + FS_CR)
    finally:
        repeat_writer.close()
    assert str(again.segment("MSA")(1)) == "AA"
    assert (await client.get(f"{API}/hl7/messages")).json()["total"] == 5
