"""Receive several HL7 v2 messages in one transaction (the MLLP listener's group commit)."""

from collections.abc import Sequence

from prm.application.hl7.ports import Hl7Codec, Hl7MessageRepository
from prm.application.hl7.receive_message import Hl7Intake, Hl7Receipt, ReceiveHl7Command
from prm.application.shared.context import RequestContext
from prm.application.shared.jobs import JobScheduler
from prm.application.shared.ports import Clock, UnitOfWork


class ReceiveHl7Messages:
    """Store each message as ``ReceiveHl7Message`` does (same codes, same repeat rule, a repeat
    within the group included), commit once for all of them, and only then build their ACKs, in
    order. Messages that arrive together on several MLLP connections share one statement and one
    commit (a round trip and a WAL flush for the group instead of one each); a failure stores
    none of them."""

    def __init__(
        self,
        messages: Hl7MessageRepository,
        codec: Hl7Codec,
        jobs: JobScheduler,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
    ) -> None:
        self._uow = uow
        self._intake = Hl7Intake(messages, codec, jobs, clock, context)

    async def __call__(self, commands: Sequence[ReceiveHl7Command]) -> tuple[Hl7Receipt, ...]:
        stored = await self._intake.store_many(commands)
        if any(s.created for s in stored):
            await self._uow.commit()
        return tuple(self._intake.receipt(s) for s in stored)
