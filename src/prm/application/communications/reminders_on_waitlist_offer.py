"""On ``waitlist.offer_made``: the offer, to the waiting patient."""

from uuid import UUID
from zoneinfo import ZoneInfo

import structlog

from prm.application.communications.contracts import MessageRequest, OutgoingMessages, PatientContacts
from prm.application.communications.reminders_messages import choose_channel
from prm.application.communications.reminders_ports import AppointmentFacts
from prm.application.communications.templates_builtin import WAITLIST_OFFER
from prm.application.shared.events import EventHandler, PublishedEvent
from prm.application.shared.ports import UnitOfWork
from prm.domain.communications.channels import TemplateCategory
from prm.domain.communications.reminders import local_date_text, local_time_text

log = structlog.get_logger(__name__)


class SendWaitlistOffer(EventHandler):
    """Registered for ``waitlist.offer_made`` (payload: ``offer_id``, ``entry_id``,
    ``patient_id``, ``starts_at``, ``expires_at``: ids and times only).

    Reads the offer through :class:`AppointmentFacts` and, while it is live, queues the
    ``waitlist_offer`` template now (category ``waitlist``, ``dedup_key``
    ``waitlist_offer:<offer id>``) with ``offer_expires_at`` in the local time
    (``Tuesday 8 December, 14:30``); no ``reply_confirm``: accepting is done with the clinic
    (the waitlist offer routes' ``accept``). Commits. Nothing for an offer gone or lapsed.
    """

    def __init__(
        self, facts: AppointmentFacts, outgoing: OutgoingMessages, contacts: PatientContacts, uow: UnitOfWork
    ) -> None:
        self._facts = facts
        self._outgoing = outgoing
        self._contacts = contacts
        self._uow = uow

    async def __call__(self, event: PublishedEvent) -> None:
        offer_id = UUID(str(event.payload.get("offer_id", event.aggregate_id)))
        offer = await self._facts.waitlist_offer(offer_id)
        if offer is None or not offer.live:
            log.info("waitlist_offer_message.skipped", offer_id=str(offer_id))
            return
        contact = await self._contacts.get(offer.patient_id)
        zone = ZoneInfo(offer.time_zone)
        variables: dict[str, object] = {
            "patient_name": (contact.given_name if contact else None) or "",
            "clinic_name": offer.clinic_name,
            "appointment_date": local_date_text(offer.starts_at, zone),
            "appointment_time": local_time_text(offer.starts_at, zone),
            "practitioner_name": offer.practitioner_name or "",
            "offer_expires_at": f"{local_date_text(offer.expires_at, zone)}, {local_time_text(offer.expires_at, zone)}",
        }
        await self._outgoing.queue(
            MessageRequest(
                patient_id=offer.patient_id,
                channel=choose_channel(contact),
                template_name=WAITLIST_OFFER,
                template_vars=variables,
                category=TemplateCategory.WAITLIST.value,
                event_type=event.type,
                dedup_key=f"waitlist_offer:{offer_id}",
            )
        )
        await self._uow.commit()
        log.info("waitlist_offer_message.queued", offer_id=str(offer_id))
