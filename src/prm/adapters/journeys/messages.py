"""Journey messages through the communications context's queue (:class:`QueueMessage`)."""

from uuid import UUID

from prm.application.communications.contracts import MessageRequest
from prm.application.communications.messages_queue import QueueMessage
from prm.application.journeys.ports import JourneyMessages, StageActionRequest
from prm.domain.communications.channels import Channel
from prm.domain.journeys.model import SendMessage

CATEGORY = "journey"
"""The category of the messages journeys send (unless the template has its own)."""


class JourneyMessagesFromCommunications(JourneyMessages):
    """Queues in the caller's unit of work (no commit); a message that can never go (no address,
    unknown template) is stored ``blocked`` or ``failed`` by communications, not raised."""

    def __init__(self, queue: QueueMessage) -> None:
        self._queue = queue

    async def send(self, request: StageActionRequest, action: SendMessage) -> UUID:
        return await self._queue.queue(
            MessageRequest(
                patient_id=request.patient_id,
                channel=Channel(action.channel),
                template_name=action.template_name,
                category=CATEGORY,
                event_type="journey_instance.stage_action",
                appointment_id=request.appointment_id,
                journey_instance_id=request.instance_id,
                dedup_key=request.dedup_key,
            )
        )
