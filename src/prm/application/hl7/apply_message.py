"""Apply one stored HL7 v2 message (the ``hl7.apply`` job), through the patients, appointments and
integrations contexts' use cases, all or nothing."""

from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from typing import Any
from uuid import UUID

import structlog

from prm.application.hl7.apply_siu import SiuApplier, siu_error
from prm.application.hl7.ports import (
    AdmissionEvent,
    AdmissionEvents,
    AdtContent,
    ApplyScope,
    AppointmentBook,
    AppointmentLinks,
    Hl7Codec,
    Hl7MessageRepository,
    PatientRegistry,
)
from prm.application.shared.context import RequestContext
from prm.application.shared.jobs import JobHandler, PermanentJobFailure
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.hl7.model import SIU_TYPES, Hl7Change, Hl7Error, Hl7ErrorCode, Hl7Message, Hl7MessageId, Hl7Status
from prm.domain.shared.errors import DomainError, StaleVersion

log = structlog.get_logger(__name__)

UPSERTS = frozenset({"A01", "A04", "A08", "A28", "A31"})
"""Triggers that create or update the patient of PID: admit, register, update, add and update person."""
ADMISSION_EVENTS = frozenset({"A01", "A03"})
"""Triggers that also become integration events ``ADT_<trigger>`` (admit, discharge): journeys start on them."""


class ApplyHl7Message:
    """Apply a ``received`` message once; any other status is left as it is (a job run again).

    - A01/A04/A08/A28/A31: the PID patient is registered, or updated when its MRN (the MR-typed
      PID-3 identifier, else the first) is known; fields the message leaves empty are kept.
    - A01 and A03: an integration event ``ADT_A01``/``ADT_A03`` (source system ``hl7``, external
      id ``hl7:<message id>``) for the PID patient's MRN, with the visit number (PV1-19) and EVN-2.
    - A40: each MRG-1 record is merged into its PID-3 record (``MergePatients``).
    - SIU (:mod:`prm.application.hl7.apply_siu`): S12 registers or updates the PID patient and
      records the appointment (the past allowed: the hospital's record) with the AIP-3
      practitioner, linking SCH-1/SCH-2 to it; S13/S14 move and revise, S15 cancels, S17 marks
      ``entered-in-error``, S26 ``noshow`` the appointment linked to SCH-1/SCH-2.

    The message becomes ``processed`` with its changes (and warnings for the parts left out:
    an invalid phone), or ``failed`` with the error (a rule of another context, an unknown MRG
    record or appointment): then nothing of it is kept (``ApplyScope``), its ``changes`` are
    empty. ``StaleVersion`` is raised for the job to retry.
    """

    def __init__(
        self,
        messages: Hl7MessageRepository,
        codec: Hl7Codec,
        patients: PatientRegistry,
        events: AdmissionEvents,
        appointments: AppointmentBook,
        links: AppointmentLinks,
        scope: ApplyScope,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
    ) -> None:
        self._messages = messages
        self._codec = codec
        self._patients = patients
        self._events = events
        self._siu = SiuApplier(patients, appointments, links)
        self._scope = scope
        self._uow = uow
        self._clock = clock
        self._context = context

    async def __call__(self, message_id: Hl7MessageId) -> Hl7Message | None:
        message = await self._messages.get(message_id)
        if message is None or message.status is not Hl7Status.RECEIVED:
            return message
        version = message.version
        changes: list[Hl7Change] = []
        apply: Callable[[], Awaitable[None]]
        if message.header.message_type in SIU_TYPES:
            siu = self._codec.siu(message.raw, self._context.phone_region)
            warnings = list(siu.patient.warnings) if siu.patient is not None else []
            errors = list(siu.errors)
            apply, to_error = partial(self._siu, message, siu, changes, warnings), siu_error
        else:
            content = self._codec.adt(message.raw, self._context.phone_region)
            warnings = [w for p in content.patients for w in p.warnings]
            errors = list(content.errors)
            apply, to_error = partial(self._apply, message, content, changes), partial(_adt_error, content.trigger)
        if not errors:
            try:
                async with self._scope.attempt():
                    await apply()
            except StaleVersion:
                raise
            except DomainError as exc:
                errors.append(to_error(exc))
                changes.clear()  # undone with the scope
        now = self._clock.now()
        if errors:
            message.mark_failed(tuple(errors), tuple(changes), now)
        else:
            message.mark_processed(tuple(changes), tuple(warnings), now)
        await self._messages.save(message, expected_version=version)
        await self._uow.commit()
        log.info(
            "hl7.applied",
            hl7_message_id=str(message.id),
            control_id=message.header.control_id,
            message_type=message.header.message_type,
            status=message.status.value,
        )
        return message

    async def _apply(self, message: Hl7Message, content: AdtContent, changes: list[Hl7Change]) -> None:
        trigger = content.trigger
        if trigger == "A40":
            for patient, source in zip(content.patients, content.merged, strict=False):
                if source is None:
                    raise MissingMergeSource("MRG-1 names no prior patient identifier")
                survivor = await self._patients.merge(source, patient.mrn, f"HL7 ADT^A40 {message.header.control_id}")
                changes.append(Hl7Change("patient", survivor, "merged"))
            return
        patient = content.patients[0]
        if trigger in UPSERTS:
            outcome = await self._patients.upsert(patient)
            changes.append(Hl7Change("patient", outcome.patient_id, outcome.action))
        if trigger in ADMISSION_EVENTS:
            event_id = await self._events.publish(
                AdmissionEvent(
                    event_code=f"ADT_{trigger}",
                    external_id=f"hl7:{message.id}",
                    patient_mrn=patient.mrn.value,
                    occurred_at=content.occurred_at or message.received_at,
                    encounter_id=content.encounter_id,
                    payload={
                        "hl7_message_id": str(message.id),
                        "control_id": message.header.control_id,
                        "message_type": message.header.message_type,
                    },
                )
            )
            changes.append(Hl7Change("integration_event", event_id, "created"))


def _adt_error(trigger: str, exc: DomainError) -> Hl7Error:
    return Hl7Error("MRG" if trigger == "A40" else "PID", None, Hl7ErrorCode.APPLICATION_ERROR, exc.detail)


class MissingMergeSource(DomainError):
    code = "hl7.missing_merge_source"


class ApplyHl7MessageJob(JobHandler):
    """``hl7.apply`` with ``{"message_id": "<uuid>"}``; an id the tenant does not have fails the
    job for good."""

    def __init__(self, apply: ApplyHl7Message) -> None:
        self._apply = apply

    async def __call__(self, args: Mapping[str, Any]) -> None:
        try:
            message_id = Hl7MessageId(UUID(str(args.get("message_id"))))
        except ValueError as exc:
            raise PermanentJobFailure("message_id must be a UUID") from exc
        if await self._apply(message_id) is None:
            raise PermanentJobFailure(f"HL7 message {message_id} does not exist")
