"""FHIR R4 Consent (PRM's channel consent records) read and search under ``/api/v1/prm/fhir``
(issue 14), with the REST API's ``communications:read`` permission; not audited, as
``GET /communications/consents`` is not. The mapping: :mod:`prm.adapters.fhir.consent`.

- ``GET /fhir/Consent/{id}``: one record; 404 OperationOutcome for an unknown id or another
  tenant's;
- ``GET /fhir/Consent?patient=&status=&_count=&_offset=``: newest first. ``patient``:
  ``Patient/<id>`` or an id (without it: every record of the tenant, walked by its primary key);
  ``status``: consent-state codes, comma-separated (``active``: in force; ``inactive``: withdrawn
  or replaced by a later record; the others find nothing). 422 OperationOutcome naming the
  parameter otherwise.
"""

from enum import StrEnum
from typing import Any
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Request, Response, get
from litestar.params import FromPath
from litestar.types import ControllerRouterHandler

from prm.adapters.fhir.consent import CONSENT_STATE_SYSTEM, consent_resource
from prm.adapters.fhir.search_params import reference_id, token_codes
from prm.application.communications.consent_ports import ConsentEntryFilter
from prm.application.communications.fhir_consents import FindConsentEntries, GetConsentEntry
from prm.application.shared.paging import Page
from prm.application.shared.ports import Clock
from prm.domain.shared.ids import PatientId
from prm.entrypoints.http.fhir_appointment import Reference
from prm.entrypoints.http.fhir_common import (
    FHIR_EXCEPTION_HANDLERS,
    FHIR_PATH,
    Count,
    Offset,
    fhir_response,
    page_request,
    searchset_response,
)
from prm.entrypoints.http.fhir_communication import Codes
from prm.entrypoints.http.fhir_schemas import FHIR_JSON, fhir_responses

READ = {"permission": "communications:read"}


class ConsentState(StrEnum):
    """FHIR R4 ConsentState (http://hl7.org/fhir/consent-state-codes)."""

    DRAFT = "draft"
    PROPOSED = "proposed"
    ACTIVE = "active"
    REJECTED = "rejected"
    INACTIVE = "inactive"
    ENTERED_IN_ERROR = "entered-in-error"


class FhirConsentController(Controller):
    path = FHIR_PATH
    tags = ("fhir",)
    exception_handlers = FHIR_EXCEPTION_HANDLERS

    @get(
        "/Consent/{consent_id:uuid}",
        opt=READ,
        media_type=FHIR_JSON,
        responses=fhir_responses(400, 401, 403, 404, 422),
        summary="FHIR Consent read",
    )
    @inject
    async def fhir_read_consent(
        self, consent_id: FromPath[UUID], get_entry: FromDishka[GetConsentEntry]
    ) -> Response[dict[str, Any]]:
        """The FHIR R4 Consent of one consent record; 404 (OperationOutcome) for an unknown id or
        another tenant's."""
        return fhir_response(consent_resource(await get_entry(consent_id)))

    @get(
        "/Consent",
        opt=READ,
        media_type=FHIR_JSON,
        responses=fhir_responses(400, 401, 403, 422),
        summary="FHIR Consent search",
    )
    @inject
    async def fhir_search_consents(
        self,
        request: Request[Any, Any, Any],
        find: FromDishka[FindConsentEntries],
        clock: FromDishka[Clock],
        patient: Reference = None,
        status: Codes = None,
        count: Count = 20,
        offset: Offset = 0,
    ) -> Response[dict[str, Any]]:
        """A searchset Bundle of the consent records matching every parameter given (none: all of
        the tenant's), newest first (see the module docstring for the parameters)."""
        patient_id = PatientId(reference_id(patient, "Patient", "patient")) if patient is not None else None
        states = token_codes([status] if status else [], ConsentState, "status", CONSENT_STATE_SYSTEM)
        paging = page_request(count, offset)
        served = states & {ConsentState.ACTIVE, ConsentState.INACTIVE}
        if states and not served:
            empty: Page[Any] = Page([], 0, paging.page, paging.page_size)
            return searchset_response(request, "Consent", empty, [], clock.now())
        in_force = None if len(served) != 1 else ConsentState.ACTIVE in served
        page = await find(ConsentEntryFilter(patient_id=patient_id, in_force=in_force), paging)
        return searchset_response(request, "Consent", page, [consent_resource(e) for e in page.items], clock.now())


ROUTES: list[ControllerRouterHandler] = [FhirConsentController]
"""This module's controllers, spread into ``fhir.ROUTES``."""
