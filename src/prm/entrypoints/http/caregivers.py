"""The caregivers API under ``/api/v1/prm/patients/{patient_id}/caregivers`` (issue 13): a
patient's related persons (FHIR R4 RelatedPerson, MediKeep's family sharing). Caregivers are part
of the patient's record: reading needs ``patients:read``, changing ``patients:write``."""

from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Response, delete, get, patch, post
from litestar.params import FromPath, JSONBody
from litestar.types import ControllerRouterHandler
from msgspec import UNSET

from prm.application.caregivers.add_caregiver import AddCaregiver
from prm.application.caregivers.get_caregiver import GetCaregiver
from prm.application.caregivers.list_caregivers import ListCaregivers
from prm.application.caregivers.remove_caregiver import RemoveCaregiver
from prm.application.caregivers.update_caregiver import UpdateCaregiver, UpdateCaregiverCommand
from prm.application.shared.ports import Clock
from prm.domain.caregivers.ids import CaregiverId
from prm.domain.caregivers.model import Caregiver
from prm.domain.shared.ids import PatientId
from prm.entrypoints.http.caregivers_schemas import (
    CaregiverListResponse,
    CaregiverResponse,
    CreateCaregiverRequest,
    UpdateCaregiverRequest,
    caregiver_response,
    to_caregiver_input,
    to_changes,
)
from prm.entrypoints.http.etag import IfMatch, etag, version_from_if_match
from prm.entrypoints.http.problems import problem_responses


def _with_etag(caregiver: Caregiver, clock: Clock, status_code: int = 200) -> Response[CaregiverResponse]:
    return Response(
        caregiver_response(caregiver, clock.now().date()),
        status_code=status_code,
        headers={"ETag": etag(caregiver.version)},
    )


class CaregiverController(Controller):
    path = "/patients/{patient_id:uuid}/caregivers"
    tags = ("patients",)

    @get(
        opt={"permission": "patients:read"},
        responses=problem_responses(404),
        summary="List a patient's caregivers",
    )
    @inject
    async def list_caregivers(
        self, patient_id: FromPath[UUID], list_caregivers: FromDishka[ListCaregivers], clock: FromDishka[Clock]
    ) -> CaregiverListResponse:
        """Every caregiver of the patient (at most 50), in the order they were added. Audited as a read."""
        found = await list_caregivers(PatientId(patient_id))
        today = clock.now().date()
        return CaregiverListResponse(items=[caregiver_response(c, today) for c in found], total=len(found))

    @post(
        opt={"permission": "patients:write"},
        responses=problem_responses(404, 422),
        summary="Add a caregiver to a patient",
    )
    @inject
    async def add_caregiver(
        self,
        patient_id: FromPath[UUID],
        data: JSONBody[CreateCaregiverRequest],
        add: FromDishka[AddCaregiver],
        clock: FromDishka[Clock],
    ) -> Response[CaregiverResponse]:
        """Add a related person. Phones are stored in E.164 (numbers without a country code are
        read in the tenant's phone region). 422 names the field: an unknown relationship code, a
        bad phone or email, a preferred channel without an address for it, ``receives_communications``
        without a phone or email, a period ending before it starts."""
        return _with_etag(await add(PatientId(patient_id), to_caregiver_input(data)), clock, status_code=201)

    @get(
        "/{caregiver_id:uuid}",
        opt={"permission": "patients:read"},
        responses=problem_responses(404),
        summary="Get a caregiver",
    )
    @inject
    async def get_caregiver(
        self,
        patient_id: FromPath[UUID],
        caregiver_id: FromPath[UUID],
        get_caregiver: FromDishka[GetCaregiver],
        clock: FromDishka[Clock],
    ) -> Response[CaregiverResponse]:
        return _with_etag(await get_caregiver(PatientId(patient_id), CaregiverId(caregiver_id)), clock)

    @patch(
        "/{caregiver_id:uuid}",
        opt={"permission": "patients:write"},
        responses=problem_responses(404, 409, 422),
        summary="Update a caregiver",
    )
    @inject
    async def update_caregiver(
        self,
        patient_id: FromPath[UUID],
        caregiver_id: FromPath[UUID],
        data: JSONBody[UpdateCaregiverRequest],
        update: FromDishka[UpdateCaregiver],
        clock: FromDishka[Clock],
        if_match: IfMatch = None,
    ) -> Response[CaregiverResponse]:
        """Change the fields present in the body. ``If-Match: W/"<version>"`` (or ``version``)
        has a stale change refused with 409."""
        expected = version_from_if_match(if_match)
        if expected is None and data.version is not UNSET:
            expected = data.version
        caregiver = await update(
            UpdateCaregiverCommand(
                patient_id=PatientId(patient_id),
                caregiver_id=CaregiverId(caregiver_id),
                changes=to_changes(data),
                expected_version=expected,
            )
        )
        return _with_etag(caregiver, clock)

    @delete(
        "/{caregiver_id:uuid}",
        opt={"permission": "patients:write"},
        status_code=204,
        responses=problem_responses(404, 409, 422),
        summary="Remove a caregiver",
    )
    @inject
    async def remove_caregiver(
        self,
        patient_id: FromPath[UUID],
        caregiver_id: FromPath[UUID],
        remove: FromDishka[RemoveCaregiver],
        if_match: IfMatch = None,
    ) -> None:
        """Remove the caregiver for good (to stop messages but keep them, set
        ``receives_communications`` false). ``If-Match`` makes it conditional."""
        await remove(PatientId(patient_id), CaregiverId(caregiver_id), expected_version=version_from_if_match(if_match))


ROUTES: list[ControllerRouterHandler] = [CaregiverController]
"""This module's controllers and handlers, registered by app.py."""
