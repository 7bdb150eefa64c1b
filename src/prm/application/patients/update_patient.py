"""Change some of a patient's details (HTTP PATCH)."""

from collections.abc import Mapping
from dataclasses import dataclass, field

import structlog

from prm.application.patients.inputs import ContactPointInput, build_telecom, mrn_identifier, other_identifiers
from prm.application.patients.ports import PatientRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.domain.patients.errors import DuplicateMrn, InvalidPatient, PatientNotFound
from prm.domain.patients.events import PatientUpdated
from prm.domain.patients.model import MRN_TYPE, Identifier, Patient, PatientDetails
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import PatientId

log = structlog.get_logger(__name__)

_EDITABLE = frozenset(PatientDetails.__dataclass_fields__) | {"mrn"}


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdatePatientCommand:
    """``changes`` maps field names to new values; absent fields stay as they are.

    Keys are ``PatientDetails`` fields plus ``mrn``; ``telecom`` takes ``ContactPointInput``s and
    ``identifiers`` the non-MRN identifiers (the MRN keeps its own field). ``expected_version``
    (from ``If-Match`` or the body) makes the update conditional.
    """

    patient_id: PatientId
    changes: Mapping[str, object] = field(default_factory=dict)
    expected_version: int | None = None


class UpdatePatient:
    """Partial update with optimistic concurrency.

    Raises ``PatientNotFound`` (404), ``StaleVersion`` (409) when ``expected_version`` is not the
    current one, ``DuplicateMrn`` (409), ``RuleViolated`` (422). Records ``PatientUpdated`` with
    the names (never the values) of the fields that changed; an update that changes nothing
    leaves the version as it is, and no audit event (a change leaves one ``update`` event).
    """

    def __init__(
        self,
        patients: PatientRepository,
        outbox: Outbox,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
        audit: AuditTrail,
    ) -> None:
        self._audit = audit
        self._patients = patients
        self._outbox = outbox
        self._uow = uow
        self._clock = clock
        self._context = context

    async def __call__(self, command: UpdatePatientCommand) -> Patient:
        unknown = set(command.changes) - _EDITABLE
        if unknown:
            raise InvalidPatient(f"cannot change {', '.join(sorted(unknown))}", field=sorted(unknown)[0])
        patient = await self._patients.get(command.patient_id)
        if patient is None:
            raise PatientNotFound(f"patient {command.patient_id} not found")
        if command.expected_version is not None and command.expected_version != patient.version:
            raise StaleVersion(
                f"patient {patient.id} is at version {patient.version}, "
                f"not {command.expected_version}: reload it and apply the change again"
            )
        changes = self._to_details_changes(patient, command.changes)
        identifiers = changes.get("identifiers")
        if isinstance(identifiers, tuple):
            new_mrn = _mrn_of(identifiers)
            if new_mrn != patient.mrn and await self._patients.get_by_mrn(new_mrn) is not None:
                raise DuplicateMrn("a patient with this MRN already exists")
        version = patient.version
        if patient.revise(self._clock.now(), **changes):
            await self._patients.save(patient, expected_version=version)
            await self._outbox.add(patient.events)
            changed = [f for e in patient.events if isinstance(e, PatientUpdated) for f in e.changed_fields]
            await self._audit.record(AuditAction.UPDATE, "patient", [patient.id], list(dict.fromkeys(changed)))
            await self._uow.commit()
            log.info("patient.updated", patient_id=str(patient.id), version=patient.version)
        return patient

    def _to_details_changes(self, patient: Patient, given: Mapping[str, object]) -> dict[str, object]:
        changes = {k: v for k, v in given.items() if k not in {"mrn", "identifiers", "telecom"}}
        if "telecom" in given:
            telecom: tuple[ContactPointInput, ...] = given["telecom"]  # type: ignore[assignment]
            changes["telecom"] = build_telecom(telecom, self._context.phone_region)
        if "mrn" in given or "identifiers" in given:
            current_mrn = next(i for i in patient.details.identifiers if i.type == MRN_TYPE)
            mrn = mrn_identifier(str(given["mrn"]), current_mrn.system) if "mrn" in given else current_mrn
            others = (
                other_identifiers(given["identifiers"])  # type: ignore[arg-type]
                if "identifiers" in given
                else tuple(i for i in patient.details.identifiers if i.type != MRN_TYPE)
            )
            changes["identifiers"] = (mrn, *others)
        return changes


def _mrn_of(identifiers: tuple[Identifier, ...]) -> str:
    return next(i.value for i in identifiers if i.type == MRN_TYPE)
