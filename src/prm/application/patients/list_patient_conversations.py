"""A patient's conversations (the contract's ``GET /patients/{id}/conversations``): the message
threads of the communications context's inbox that are the patient's."""

from dataclasses import dataclass

from prm.application.patients.patient_360_ports import Conversation, PatientCommunications
from prm.application.patients.ports import PatientRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.paging import Page, PageRequest
from prm.application.shared.ports import UnitOfWork
from prm.domain.patients.errors import PatientNotFound, PatientReplaced
from prm.domain.patients.merging import survivor_of
from prm.domain.shared.ids import PatientId


@dataclass(frozen=True, slots=True, kw_only=True)
class PatientConversationsQuery:
    patient_id: PatientId
    page: PageRequest


class ListPatientConversations:
    """The patient's threads, latest message first, with unread counts; raises
    ``PatientNotFound`` (404), also for other tenants' ids, and ``PatientReplaced`` for a merged
    record (its threads are its survivor's now). Records one ``read`` audit event
    naming the patient and commits it."""

    def __init__(
        self,
        patients: PatientRepository,
        communications: PatientCommunications,
        audit: AuditTrail,
        uow: UnitOfWork,
    ) -> None:
        self._patients = patients
        self._communications = communications
        self._audit = audit
        self._uow = uow

    async def __call__(self, query: PatientConversationsQuery) -> Page[Conversation]:
        patient = await self._patients.get(query.patient_id)
        if patient is None:
            raise PatientNotFound(f"patient {query.patient_id} not found")
        if (survivor := survivor_of(patient)) is not None:
            raise PatientReplaced(f"patient {patient.id} was merged into {survivor}", survivor_id=survivor)
        page = await self._communications.conversations(patient.id, query.page)
        await self._audit.record(AuditAction.READ, "patient", [patient.id])
        await self._uow.commit()
        return page
