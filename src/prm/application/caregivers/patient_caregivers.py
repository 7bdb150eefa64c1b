"""The read port other parts use to show a patient's caregivers (the patient 360 view)."""

from collections.abc import Sequence

from prm.application.caregivers.ports import CaregiverRepository
from prm.domain.caregivers.model import Caregiver
from prm.domain.shared.ids import PatientId


class PatientCaregivers:
    """``await patient_caregivers(patient_id)``: the patient's caregivers (FHIR RelatedPerson) in
    the order they were added, at most :data:`~prm.application.caregivers.ports.MAX_CAREGIVERS`,
    in one query; empty for an unknown patient or another tenant's.

    Runs in the caller's unit of work: no commit and no audit event (the caller, such as the 360
    view, records its own PHI read). Each :class:`~prm.domain.caregivers.model.Caregiver` has
    ``id``, ``patient_id``, ``version`` and ``details``: ``name`` (``HumanName``, ``.text`` to
    display), ``relationship`` (HL7 v3 RoleCode) and ``relationship_display``, ``telecom``
    (``ContactPoint``, E.164 phones), ``preferred_channel`` (sms / whatsapp / email or ``None``),
    ``receives_communications``, ``period_start`` / ``period_end`` (dates or ``None``) and
    ``active_on(day)``.
    """

    def __init__(self, caregivers: CaregiverRepository) -> None:
        self._caregivers = caregivers

    async def __call__(self, patient_id: PatientId) -> Sequence[Caregiver]:
        return await self._caregivers.of_patient(patient_id)
