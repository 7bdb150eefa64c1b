"""A waiting patient's answer to an offer: accept (book the slot) or decline (offer it to the next)."""

from dataclasses import dataclass

import structlog

from prm.application.appointments.booking import place
from prm.application.appointments.ports import AppointmentRepository, HoldRepository, WaitlistRepository
from prm.application.appointments.waitlist_offers import WaitlistOffers
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.domain.appointments.errors import HoldExpired, OfferNotFound
from prm.domain.appointments.ids import HoldId
from prm.domain.appointments.model import Appointment
from prm.domain.appointments.waitlist import Hold, HoldKind, HoldStatus

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class OfferAnswered:
    """``appointment`` when accepted; ``next_offer`` when declined and someone else got the slot."""

    offer: Hold
    appointment: Appointment | None = None
    next_offer: Hold | None = None


class AnswerOffer:
    """``accept=True`` books the held slot for the entry's patient (``HoldExpired`` 409 when the
    offer has lapsed, ``SlotUnavailable`` if the time was taken meanwhile); ``accept=False``
    declines it and offers the slot to the next matching entry. Raises ``OfferNotFound`` (404)."""

    def __init__(
        self,
        holds: HoldRepository,
        waitlist: WaitlistRepository,
        appointments: AppointmentRepository,
        offers: WaitlistOffers,
        outbox: Outbox,
        audit: AuditTrail,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
    ) -> None:
        self._holds = holds
        self._waitlist = waitlist
        self._appointments = appointments
        self._offers = offers
        self._outbox = outbox
        self._audit = audit
        self._uow = uow
        self._clock = clock
        self._context = context

    async def __call__(self, offer_id: HoldId, *, accept: bool) -> OfferAnswered:
        now = self._clock.now()
        offer = await self._holds.get(offer_id)
        if offer is None or offer.kind is not HoldKind.OFFER or offer.waitlist_entry_id is None:
            raise OfferNotFound(f"offer {offer_id} not found")
        if not offer.is_live(now):
            raise HoldExpired("this offer has expired or was already answered")
        entry = await self._waitlist.get(offer.waitlist_entry_id)
        if entry is None:
            raise OfferNotFound(f"offer {offer_id} not found")
        version = entry.version
        if not accept:
            offer.end(HoldStatus.DECLINED)
            await self._holds.save(offer)
            entry.back_to_waiting(now)
            await self._waitlist.save(entry, expected_version=version)
            following = await self._offers.offer(offer.practitioner_id, offer.location_id, offer.slot, now)
            await self._audit.record(AuditAction.UPDATE, "waitlist_entry", [entry.id], changed_fields=["status"])
            await self._uow.commit()
            log.info("waitlist.offer_declined", offer_id=str(offer.id))
            return OfferAnswered(offer, next_offer=following)
        appointment = Appointment.book(
            tenant_id=self._context.tenant_id,
            patient_id=offer.patient_id,
            practitioner_id=offer.practitioner_id,
            location_id=offer.location_id,
            slot=offer.slot,
            now=now,
            source_channel="waitlist",
        )
        await place(appointment, self._appointments, self._holds, own_hold=offer.id)
        offer.use(appointment.id, now)
        await self._holds.save(offer)
        entry.booked(now)
        await self._waitlist.save(entry, expected_version=version)
        await self._outbox.add(appointment.events)
        await self._audit.record(AuditAction.CREATE, "appointment", [appointment.id])
        await self._uow.commit()
        log.info("waitlist.offer_accepted", offer_id=str(offer.id), appointment_id=str(appointment.id))
        return OfferAnswered(offer, appointment=appointment)
