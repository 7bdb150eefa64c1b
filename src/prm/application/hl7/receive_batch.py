"""Receive an HL7 v2 batch (``POST /hl7/batches``): every message stored, then one ACK each."""

from dataclasses import dataclass

from prm.application.hl7.ports import Hl7Codec, Hl7MessageRepository
from prm.application.hl7.receive_message import Hl7Intake, Hl7Receipt, ReceiveHl7Command
from prm.application.shared.context import RequestContext
from prm.application.shared.jobs import JobScheduler
from prm.application.shared.ports import Clock, UnitOfWork


@dataclass(frozen=True, slots=True)
class Hl7BatchReceipt:
    """One receipt per message of the batch, in batch order."""

    receipts: tuple[Hl7Receipt, ...]


class ReceiveHl7Batch:
    """Split the batch (HL7 v2.5.1 2.10.3: FHS/BHS ... BTS/FTS, or messages one after another),
    store each message as ``ReceiveHl7Message`` does (AR rejected, AE not applied, AA with its
    ``hl7.apply`` job; a repeated MSH-4/MSH-10, in the batch or before it, is answered with the
    stored outcome and not applied twice), commit once for the whole batch, then build the ACKs.

    Raises ``MalformedHl7Batch`` (422) when the batch cannot be split: nothing is stored.
    """

    def __init__(
        self,
        messages: Hl7MessageRepository,
        codec: Hl7Codec,
        jobs: JobScheduler,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
    ) -> None:
        self._codec = codec
        self._uow = uow
        self._intake = Hl7Intake(messages, codec, jobs, clock, context)

    async def __call__(self, raw: str) -> Hl7BatchReceipt:
        stored = await self._intake.store_many([ReceiveHl7Command(raw=text) for text in self._codec.split_batch(raw)])
        if any(s.created for s in stored):
            await self._uow.commit()
        return Hl7BatchReceipt(tuple(self._intake.receipt(s) for s in stored))
