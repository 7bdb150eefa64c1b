"""Merging two records of one person (issue 13; FHIR R4 ``Patient.link``, the reference API's
``POST /patients/merge`` and Harman's ``merge/{target_id}``).

The *source* record is merged into the *target* (the survivor):

- refused (``MergeRefused``, 422 naming the field) when source and target are the same record,
  when either is already ``merged``, or when they belong to different tenants (over the API the
  other tenant's id is simply not found);
- the target takes the ``fields`` chosen from the source (any of :data:`MERGEABLE_FIELDS`); its
  own MRN stays its MRN;
- the target keeps every identifier of the source it does not have yet (same system and value).
  The source's MRN cannot be a second ``MR`` identifier, so it is kept with its system and value
  and no type code (FHIR would say ``Identifier.use = old``); a look-up by that MRN still finds the
  source, whose ``replaced-by`` link leads to the survivor;
- the source becomes ``merged`` with a ``replaced-by`` link to the target, the target gains a
  ``replaces`` link to the source; both versions go up by one.

The merge record (see the application layer) keeps both records as they were, so that an undo
puts them back exactly.
"""

from dataclasses import replace
from datetime import datetime

from prm.domain.patients.links import LinkType, PatientLink
from prm.domain.patients.model import MRN_TYPE, Identifier, Patient, PatientStatus
from prm.domain.shared.errors import Conflict, NotFound, RuleViolated
from prm.domain.shared.ids import PatientId

MERGEABLE_FIELDS: tuple[str, ...] = (
    "name",
    "gender",
    "birth_date",
    "deceased_date",
    "telecom",
    "addresses",
    "preferred_language",
    "marital_status",
)
"""The ``PatientDetails`` fields a merge may take from the source (identifiers are always kept)."""


class MergeRefused(RuleViolated):
    code = "patients.merge_refused"


class PatientMergeNotFound(NotFound):
    code = "patients.merge_not_found"


class MergeUndoRefused(Conflict):
    """The merge cannot be undone: already undone, or a record it changed has changed since."""

    code = "patients.merge_undo_refused"


def check_mergeable(source: Patient, target: Patient) -> None:
    """Raise :class:`MergeRefused` (naming ``source_patient_id`` or ``target_patient_id``) when
    ``source`` may not be merged into ``target``; see the module docstring."""
    if source.tenant_id != target.tenant_id:
        raise MergeRefused("patients of different tenants cannot be merged", field="target_patient_id")
    if source.id == target.id:
        raise MergeRefused("a patient cannot be merged into itself", field="target_patient_id")
    if source.status is PatientStatus.MERGED:
        raise MergeRefused(f"patient {source.id} is already merged into another record", field="source_patient_id")
    if target.status is PatientStatus.MERGED:
        raise MergeRefused(
            f"patient {target.id} is merged into another record: merge into its survivor instead",
            field="target_patient_id",
        )


def check_fields(fields: tuple[str, ...]) -> tuple[str, ...]:
    """``fields`` without repeats, in the given order; :class:`MergeRefused` (``fields``) for a name
    not in :data:`MERGEABLE_FIELDS`."""
    unknown = [f for f in fields if f not in MERGEABLE_FIELDS]
    if unknown:
        raise MergeRefused(
            f"cannot take {', '.join(unknown)} from the source; choose from {', '.join(MERGEABLE_FIELDS)}",
            field="fields",
        )
    return tuple(dict.fromkeys(fields))


def kept_identifiers(source: Patient, target: Patient) -> tuple[Identifier, ...]:
    """The target's identifiers, then each of the source's it lacks (its MRN without the ``MR`` type)."""
    have = {(i.system, i.value) for i in target.details.identifiers}
    added = []
    for identifier in source.details.identifiers:
        if (identifier.system, identifier.value) in have:
            continue
        have.add((identifier.system, identifier.value))
        added.append(replace(identifier, type=None) if identifier.type == MRN_TYPE else identifier)
    return (*target.details.identifiers, *added)


def merge_into(source: Patient, target: Patient, fields: tuple[str, ...], now: datetime) -> None:
    """Apply the merge to both aggregates (see the module docstring), or raise and change neither:
    :class:`MergeRefused`, or ``InvalidPatient`` when the taken fields break the target's rules
    (a deceased date before its birth date, for example)."""
    check_mergeable(source, target)
    fields = check_fields(fields)
    changes: dict[str, object] = {f: getattr(source.details, f) for f in fields}
    details = replace(target.details, identifiers=kept_identifiers(source, target), **changes).checked(now.date())  # type: ignore[arg-type]
    target.details = details
    if details.deceased_date and target.status is not PatientStatus.DECEASED:
        target.status = PatientStatus.DECEASED
    target.links = (*target.links, PatientLink(source.id, LinkType.REPLACES))
    source.status = PatientStatus.MERGED
    source.links = (*source.links, PatientLink(target.id, LinkType.REPLACED_BY))
    for patient in (source, target):
        patient.version += 1
        patient.updated_at = now


def survivor_of(patient: Patient) -> PatientId | None:
    """Where a merged record leads (its ``replaced-by`` link), or ``None`` for one not merged."""
    if patient.status is not PatientStatus.MERGED:
        return None
    return next((link.other for link in reversed(patient.links) if link.type is LinkType.REPLACED_BY), None)
