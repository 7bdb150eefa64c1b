"""``prm hl7 listen``: the MLLP listener (HL7 v2 over TCP, HL7 v2.5.1 appendix C, "MLLP").

Each frame ``<VT> message <FS><CR>`` is one message, received through the same use case as
``POST /hl7/messages`` (stored, its ``hl7.apply`` job scheduled, committed) and answered with one
framed ACK. Many connections at once, many messages per connection, one after the other. A frame
that does not start with ``<VT>``, is not text, or is over 1 MiB is answered AR; a storage
failure is answered AR (code 207: send it again). A connection idle for ``--idle-timeout``
seconds is closed. Logs control ids, types and statuses only (messages are PHI). On SQLite the
worker (``prm worker`` or ``prm serve``) applies the stored messages.

``prm serve`` runs the same listener in each of its processes when ``PRM_MLLP_PORT`` is set
(:func:`mllp_in_process`, for the default tenant, on ``PRM_HOST``): the port is bound with
``SO_REUSEPORT``, so that several workers share it and the kernel spreads connections over them.
"""

import argparse
import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import structlog
from hl7.mllp import InvalidBlockError, start_hl7_server  # type: ignore[import-untyped]

from prm.adapters.hl7.codec import PythonHl7Codec, decode
from prm.application.hl7.receive_message import ReceiveHl7Command, ReceiveHl7Message
from prm.application.hl7.receive_messages import ReceiveHl7Messages
from prm.domain.hl7.model import MAX_RAW_BYTES, AckCode, Hl7Error, Hl7ErrorCode
from prm.entrypoints.library import Prm
from prm.settings import Settings

log = structlog.get_logger(__name__)

DEFAULT_PORT = 2575
"""The IANA port of HL7 over MLLP."""
START, END = b"\x0b", b"\x1c\x0d"
Receive = Callable[[str], Awaitable[str]]
"""Text of one message in, its ACK (ER7) out."""

_codec = PythonHl7Codec()


def refusal(text: str, reason: str, code: Hl7ErrorCode = Hl7ErrorCode.SEGMENT_SEQUENCE) -> str:
    """The AR for ``text`` that could not be received, naming ``reason``."""
    return _codec.ack(_codec.inspect(text), AckCode.AR, [Hl7Error("MSH", None, code, reason)])


MAX_GROUP = 100
"""The most messages one group commit of the listener holds."""


def receiver(prm: Prm) -> Receive:
    """Messages through one group commit (:class:`ReceiveHl7Messages`): those that arrive while
    the previous group is being stored are stored together next, in one unit of work, and each
    is answered once its group is committed. Alone, a message is its own group (no added wait).
    A group that fails is stored again message by message (:class:`ReceiveHl7Message`), so that
    only the message at fault is answered AR (207: send it again)."""
    pending: list[tuple[str, asyncio.Future[str]]] = []
    draining: list[asyncio.Task[None]] = []

    async def one(text: str) -> str:
        try:
            receipt = await prm.run(ReceiveHl7Message, ReceiveHl7Command(raw=text))
        except Exception as exc:  # noqa: BLE001 - the sender gets an AR and may send it again; never a crash
            log.warning("hl7.mllp.store_failed", error=type(exc).__name__)
            return refusal(text, "the message could not be stored: send it again", Hl7ErrorCode.APPLICATION_ERROR)
        return str(receipt.ack)

    async def drain() -> None:
        while pending:
            group = pending[:MAX_GROUP]
            del pending[:MAX_GROUP]
            try:
                receipts = await prm.run(ReceiveHl7Messages, [ReceiveHl7Command(raw=text) for text, _ in group])
                acks = [str(receipt.ack) for receipt in receipts]
            except Exception as exc:  # noqa: BLE001 - retried one by one below
                log.warning("hl7.mllp.group_failed", error=type(exc).__name__, size=len(group))
                acks = [await one(text) for text, _ in group]
            for (_, answer), ack in zip(group, acks, strict=True):
                if not answer.done():
                    answer.set_result(ack)
        draining.clear()

    async def receive(text: str) -> str:
        answer: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        pending.append((text, answer))
        if not draining:
            draining.append(asyncio.create_task(drain()))
        return await asyncio.shield(answer)

    return receive


async def serve_connection(receive: Receive, reader: Any, writer: Any, idle_timeout: float) -> None:
    """Answer each frame of one connection until it closes (or stays idle too long)."""
    try:
        while True:
            try:
                block = await asyncio.wait_for(reader.readblock(), idle_timeout)
            except (asyncio.IncompleteReadError, TimeoutError, ConnectionError):
                break
            except InvalidBlockError:
                ack = refusal("", "the frame does not start with <VT>")
            except ValueError:  # over the reader's limit: the buffer was dropped
                ack = refusal("", "the frame is larger than 1 MiB")
            else:
                ack = await receive(decode(bytes(block)))
            writer.write(START + ack.encode("utf-8") + END)
            await writer.drain()
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await writer.wait_closed()


async def start_listener(
    receive: Receive, host: str | None, port: int, idle_timeout: float = 600.0, *, reuse_port: bool = False
) -> Any:
    """The asyncio server (python-hl7's ``start_hl7_server``); ``port`` 0 picks a free one;
    ``reuse_port``: ``SO_REUSEPORT`` (Linux, BSD), several processes on one port."""

    async def connected(reader: Any, writer: Any) -> None:
        await serve_connection(receive, reader, writer, idle_timeout)

    options: dict[str, Any] = {"reuse_port": True} if reuse_port and sys.platform != "win32" else {}
    return await start_hl7_server(connected, host, port, limit=MAX_RAW_BYTES + 16, **options)


@asynccontextmanager
async def mllp_in_process(settings: Settings) -> AsyncIterator[Any]:
    """The MLLP listener of ``prm serve`` for the block's duration: on ``PRM_HOST`` and
    ``PRM_MLLP_PORT`` for the default tenant (``None``, nothing started, when the port is 0).
    Open connections are closed on the way out."""
    if settings.mllp_port == 0:
        yield None
        return
    async with Prm.open(settings) as prm:
        server = await start_listener(receiver(prm), settings.host, settings.mllp_port, reuse_port=True)
        sockets = ", ".join(str(s.getsockname()[:2]) for s in server.sockets)
        log.info("hl7.mllp.listening", sockets=sockets, tenant=str(prm.context.tenant_id))
        try:
            yield server
        finally:
            server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), timeout=5)


async def listen(settings: Any, *, host: str | None, port: int, tenant: str | None, idle_timeout: float) -> int:
    async with Prm.open(settings, tenant=tenant) as prm:
        server = await start_listener(receiver(prm), host, port, idle_timeout)
        sockets = ", ".join(str(s.getsockname()[:2]) for s in server.sockets)
        log.info("hl7.mllp.listening", sockets=sockets, tenant=str(prm.context.tenant_id))
        print(f"prm hl7: listening for MLLP on {sockets}", flush=True)
        async with server:
            await server.serve_forever()
    return 0


def add_hl7_command(commands: Any, settings: Callable[..., Any]) -> None:
    """Add ``prm hl7`` to ``commands`` (the top parser's sub-parsers)."""
    hl7 = commands.add_parser(
        "hl7",
        help="HL7 v2: `prm hl7 listen` runs the MLLP listener",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    hl7.add_argument("action", choices=["listen"])
    hl7.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"TCP port (default {DEFAULT_PORT})")
    hl7.add_argument("--host", default=None, help="address to bind (default: all interfaces)")
    hl7.add_argument("--tenant", help="tenant slug or id the messages belong to (default PRM_DEFAULT_TENANT_ID)")
    hl7.add_argument("--idle-timeout", type=float, default=600.0, help="seconds before an idle connection closes")

    def handle(args: argparse.Namespace) -> int:
        try:
            return asyncio.run(
                listen(settings(), host=args.host, port=args.port, tenant=args.tenant, idle_timeout=args.idle_timeout)
            )
        except KeyboardInterrupt:
            return 0

    hl7.set_defaults(handler=handle)
