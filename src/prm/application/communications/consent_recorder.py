"""Consent changes that arrive on a channel (the inbox's STOP/START keywords)."""

from datetime import datetime

import structlog

from prm.application.communications.consent_ports import ConsentRepository
from prm.application.communications.contracts import ConsentRecorder
from prm.application.shared.context import RequestContext
from prm.domain.communications.channels import Channel
from prm.domain.communications.consent import (
    ConsentRecord,
    ConsentSource,
    ConsentState,
    ConsentStatus,
    ProvisionType,
    consent_state,
)
from prm.domain.shared.ids import PatientId, new_id

log = structlog.get_logger(__name__)

SYSTEM = "system"


class RecordKeywordConsent(ConsentRecorder):
    """Appends to the consent history in the caller's unit of work (no commit).

    **Shared phones**: a STOP from a phone several patients of the tenant share opts out every
    active patient with that phone on that channel (the person holding the phone said stop). This
    recorder takes one patient id: the inbox calls it for each patient the phone belongs to.

    - :meth:`opt_out` records an ``active`` ``deny`` unless one is already current;
    - :meth:`opt_in` records an ``active`` ``permit`` only over a current opt-out: a START from a
      patient who never stopped changes nothing (it is not the explicit permit marketing needs).

    Both return whether they recorded something (so that one confirmation goes out per change).
    ``source`` is a :class:`ConsentSource` value or the inbox's ``inbound_keyword:<channel>``;
    ``recorded_by`` is ``system``.
    """

    def __init__(self, consents: ConsentRepository, context: RequestContext) -> None:
        self._consents = consents
        self._context = context

    async def opt_out(self, patient_id: PatientId, channel: Channel, *, source: str, at: datetime) -> bool:
        return await self._change(patient_id, channel, ProvisionType.DENY, source, at)

    async def opt_in(self, patient_id: PatientId, channel: Channel, *, source: str, at: datetime) -> bool:
        return await self._change(patient_id, channel, ProvisionType.PERMIT, source, at)

    async def _change(
        self, patient_id: PatientId, channel: Channel, provision: ProvisionType, source: str, at: datetime
    ) -> bool:
        state = consent_state(await self._consents.current(patient_id, channel))
        if provision is ProvisionType.DENY and state is ConsentState.OPTED_OUT:
            return False
        if provision is ProvisionType.PERMIT and state is not ConsentState.OPTED_OUT:
            return False
        record = ConsentRecord(
            id=new_id(),
            tenant_id=self._context.tenant_id,
            patient_id=patient_id,
            channel=channel,
            status=ConsentStatus.ACTIVE,
            provision=provision,
            source=ConsentSource.parse(source),
            recorded_at=at,
            recorded_by=SYSTEM,
        )
        await self._consents.add(record)
        log.info(
            "communication_consent.recorded",
            patient_id=str(patient_id),
            channel=channel.value,
            provision=provision.value,
            source=record.source.value,
        )
        return True
