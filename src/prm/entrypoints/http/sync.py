"""Offline sync (issue 14; reference: HealthSync ``/sync/upload``, ``/sync/download`` and
``/patients/by_mobile``) under ``/api/v1/prm``.

An upload applies each change in a unit of work of its own (a dishka REQUEST scope per change,
as the worker does per job), so that a good change is kept when another in the batch conflicts
or fails; each failure is reported in the answer as the problem the REST API would have
answered, which is why this handler, unlike others, catches domain errors.
"""

import contextlib
import re
from dataclasses import replace
from typing import Annotated, Any, TypeVar
from uuid import UUID

import msgspec
from dishka import AsyncContainer
from dishka.integrations.litestar import FromDishka, inject
from litestar import Request, get, post
from litestar.params import FromPath, FromQuery, JSONBody, PathParameter, QueryParameter
from litestar.types import ControllerRouterHandler

from prm.application.appointments.book_appointment import BookAppointmentCommand
from prm.application.appointments.update_appointment import UpdateAppointmentCommand
from prm.application.patients.find_patients_by_mobile import FindPatientsByMobile
from prm.application.shared.context import RequestContext
from prm.application.shared.paging import PageRequest
from prm.application.sync.apply_change import ApplySyncChange, SyncChange, SyncChangeOutcome
from prm.application.sync.download_changes import MAX_LIMIT, DownloadChanges, DownloadChangesQuery, SyncedRecord
from prm.domain.appointments.ids import AppointmentId, LocationId
from prm.domain.shared.errors import DomainError, RuleViolated
from prm.domain.shared.ids import PatientId, PractitionerId
from prm.domain.sync.model import ChangeStatus, SyncEntity, SyncOperation
from prm.entrypoints.http.appointments_schemas import (
    CreateAppointmentRequest,
    UpdateAppointmentRequest,
    appointment_response,
)
from prm.entrypoints.http.paging import PageNumber, PageResponse, PageSize, page_response
from prm.entrypoints.http.patient_schemas import (
    CreatePatientRequest,
    PatientSimpleResponse,
    UpdatePatientRequest,
    patient_response,
    patient_simple,
    to_changes,
    to_patient_input,
)
from prm.entrypoints.http.problems import problem_responses, status_of
from prm.entrypoints.http.sync_schemas import (
    ChangeProblem,
    ChangeResult,
    SyncChangeBody,
    SyncDownloadResponse,
    SyncRecordResponse,
    SyncUploadRequest,
    SyncUploadResponse,
    TombstoneResponse,
)

READ = {"permission": "patients:read"}
"""Both routes need ``patients:read``; each change then needs the write permission of its kind."""

_AT_PATH = re.compile(r" - at `\$(?P<path>[^`]*)`$")


class _BadFields(RuleViolated):
    """A change's ``fields`` that do not decode as the REST API's body (422)."""

    code = "sync.invalid_fields"


T = TypeVar("T")


def _decode(fields: dict[str, Any], schema: type[T]) -> T:
    try:
        return msgspec.convert(fields, schema)
    except msgspec.ValidationError as exc:
        message = str(exc)
        match = _AT_PATH.search(message)
        path = re.sub(r"\[(\d+)\]", r".\1", match.group("path")) if match else ""
        raise _BadFields(_AT_PATH.sub("", message), field=f"fields{path}") from exc


def _created_id(reference: object, created: dict[UUID, UUID]) -> UUID | None:
    """The server id of a record created earlier in the upload under the device's id ``reference``."""
    if not isinstance(reference, str):
        return None
    with contextlib.suppress(ValueError):
        return created.get(UUID(reference))
    return None  # not a UUID: decoding the fields names it


def _sync_change(
    device_id: str, body: SyncChangeBody, context: RequestContext, created: dict[UUID, UUID]
) -> SyncChange:
    """The application's change for ``body``: its ``fields`` decoded as the REST API decodes the
    body of the same operation; ``created`` maps the devices' ids of records created earlier in
    the upload to their server ids."""
    change = SyncChange(
        device_id=device_id,
        change_id=body.change_id,
        entity=body.entity,
        operation=body.op,
        entity_id=created.get(body.entity_id, body.entity_id) if body.entity_id else None,
        base_version=body.base_version,
        changed_at=body.changed_at,
    )
    if body.op is SyncOperation.DELETE:
        return change
    kind = (body.entity, body.op)
    if kind == (SyncEntity.PATIENT, SyncOperation.CREATE):
        new_patient = _decode(body.fields, CreatePatientRequest)
        context.ensure_tenant(new_patient.tenant_id)
        return replace(change, patient=to_patient_input(new_patient))
    if kind == (SyncEntity.PATIENT, SyncOperation.UPDATE):
        patch = _decode(body.fields, UpdatePatientRequest)
        context.ensure_tenant(patch.tenant_id if patch.tenant_id is not msgspec.UNSET else None)
        return replace(change, patient_changes=to_changes(patch))
    if kind == (SyncEntity.APPOINTMENT, SyncOperation.CREATE):
        fields = dict(body.fields)
        server_id = _created_id(fields.get("patient_id"), created)
        if server_id is not None:
            fields["patient_id"] = str(server_id)
        booking = _decode(fields, CreateAppointmentRequest)
        context.ensure_tenant(booking.tenant_id)
        return replace(
            change,
            booking=BookAppointmentCommand(
                patient_id=PatientId(booking.patient_id),
                practitioner_id=PractitionerId(booking.practitioner_id) if booking.practitioner_id else None,
                location_id=LocationId(booking.location_id) if booking.location_id else None,
                time_slot_id=booking.time_slot_id,
                starts_at=booking.start_time,
                ends_at=booking.end_time,
                appointment_type=booking.appointment_type,
                reason_text=booking.reason_text,
                source_channel=booking.source_channel or "offline_sync",
                status=booking.status,
            ),
        )
    edit = _decode(body.fields, UpdateAppointmentRequest)
    context.ensure_tenant(edit.tenant_id if edit.tenant_id is not msgspec.UNSET else None)
    if change.entity_id is None:
        return change  # the use case names the missing entity_id
    unset = msgspec.UNSET
    return replace(
        change,
        appointment_changes=UpdateAppointmentCommand(
            appointment_id=AppointmentId(change.entity_id),
            starts_at=edit.start_time if edit.start_time is not unset else None,
            ends_at=edit.end_time if edit.end_time is not unset else None,
            status=edit.status if edit.status is not unset else None,
            changes={
                name: getattr(edit, name)
                for name in ("appointment_type", "reason_text", "source_channel")
                if getattr(edit, name) is not unset
            },
        ),
    )


def _result(body: SyncChangeBody, outcome: SyncChangeOutcome) -> ChangeResult:
    common: dict[str, Any] = {
        "change_id": body.change_id,
        "entity": body.entity,
        "op": body.op,
        "status": outcome.status,
        "client_id": body.entity_id if body.op is SyncOperation.CREATE else None,
    }
    if outcome.status is ChangeStatus.CONFLICT:
        patient, appointment = outcome.current_patient, outcome.current_appointment
        current = patient or appointment
        return ChangeResult(
            **common,
            server_id=current.id if current is not None else body.entity_id,
            server_version=current.version if current is not None else None,
            server_patient=patient_response(patient) if patient else None,
            server_appointment=appointment_response(appointment) if appointment else None,
            device_fields=body.fields,
            device_base_version=body.base_version,
        )
    applied = outcome.applied
    assert applied is not None
    return ChangeResult(
        **common, server_id=applied.entity_id, server_version=applied.version, replayed=outcome.replayed
    )


def _rejected(body: SyncChangeBody, error: DomainError) -> ChangeResult:
    field = getattr(error, "field", None)
    return ChangeResult(
        change_id=body.change_id,
        entity=body.entity,
        op=body.op,
        status=ChangeStatus.REJECTED,
        client_id=body.entity_id if body.op is SyncOperation.CREATE else None,
        problem=ChangeProblem(
            status=status_of(error),
            code=error.code,
            detail=error.detail,
            field=field if isinstance(field, str) else None,
        ),
    )


@post(
    "/sync/upload",
    opt=READ,
    status_code=200,
    tags=["sync"],
    operation_id="uploadSyncChanges",
    responses=problem_responses(403, 422),
    summary="Upload a device's offline changes",
)
async def upload_changes(request: Request[Any, Any, Any], data: JSONBody[SyncUploadRequest]) -> SyncUploadResponse:
    """Apply a device's changes to patients and appointments, in order, each on its own: one
    result per change, ``applied`` (new ``server_version``), ``conflict`` (its ``base_version`` is
    not the server's: nothing changed, both versions returned) or ``rejected`` (the REST API's
    problem). Uploading the same ``(device_id, change_id)`` again applies nothing twice. The
    same validation, permissions (``patients:write``, ``appointments:write``), audit and events
    as the REST API's."""
    container: AsyncContainer = request.app.state.dishka_container
    created: dict[UUID, UUID] = {}
    results: list[ChangeResult] = []
    for body in data.changes:
        async with container({Request: request}) as scope:
            try:
                change = _sync_change(data.device_id, body, await scope.get(RequestContext), created)
                outcome = await (await scope.get(ApplySyncChange))(change)
            except DomainError as error:
                results.append(_rejected(body, error))
                continue
        result = _result(body, outcome)
        if body.op is SyncOperation.CREATE and body.entity_id and result.server_id:
            created[body.entity_id] = result.server_id
        results.append(result)
    count = {status: sum(r.status is status for r in results) for status in ChangeStatus}
    return SyncUploadResponse(
        device_id=data.device_id,
        applied=count[ChangeStatus.APPLIED],
        conflicts=count[ChangeStatus.CONFLICT],
        rejected=count[ChangeStatus.REJECTED],
        results=results,
    )


def _record(record: SyncedRecord) -> SyncRecordResponse:
    if record.tombstone is not None:
        return SyncRecordResponse(
            entity=record.entity,
            id=record.entity_id,
            deleted=True,
            tombstone=TombstoneResponse(deleted_at=record.tombstone.deleted_at, reason=record.tombstone.reason),
        )
    if record.patient is not None:
        p = record.patient
        return SyncRecordResponse(
            entity=record.entity,
            id=p.id,
            deleted=False,
            server_version=p.version,
            updated_at=p.updated_at,
            patient=patient_response(p),
        )
    assert record.appointment is not None
    a = record.appointment
    return SyncRecordResponse(
        entity=record.entity,
        id=a.id,
        deleted=False,
        server_version=a.version,
        updated_at=a.updated_at,
        appointment=appointment_response(a),
    )


@get(
    "/sync/download",
    opt=READ,
    tags=["sync"],
    operation_id="downloadSyncChanges",
    responses=problem_responses(403, 422),
    summary="Download the changes since a cursor",
)
@inject
async def download_changes(
    download: FromDishka[DownloadChanges],
    since: FromQuery[
        Annotated[
            str | None,
            QueryParameter(max_length=200, description="The next_cursor of your last download; absent: everything"),
        ]
    ] = None,
    limit: FromQuery[Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT, description="Changes per page")]] = 100,
) -> SyncDownloadResponse:
    """Patients and appointments changed since ``since``, in commit order, each in its current
    state with ``server_version`` and ``updated_at``; deactivated and merged patients and removed
    appointments as tombstones (``deleted_at``, ``reason``). Follow ``next_cursor`` while
    ``has_more``: no change is skipped or repeated, even one committed late by a slow
    transaction. Appointments need ``appointments:read`` too (left out otherwise)."""
    result = await download(DownloadChangesQuery(since=since, limit=limit))
    return SyncDownloadResponse(
        changes=[_record(r) for r in result.records],
        next_cursor=result.next_cursor,
        has_more=result.has_more,
        server_time=result.server_time,
    )


@get(
    "/patients/by-mobile/{phone:str}",
    opt=READ,
    tags=["patients"],
    operation_id="getPatientsByMobile",
    responses=problem_responses(422),
    summary="Patients by mobile number",
)
@inject
async def patients_by_mobile(
    phone: FromPath[Annotated[str, PathParameter(min_length=1, max_length=64, description="Any format")]],
    find: FromDishka[FindPatientsByMobile],
    page: FromQuery[PageNumber] = 1,
    page_size: FromQuery[PageSize] = 20,
) -> PageResponse[PatientSimpleResponse]:
    """The patients with this phone number (E.164 after normalising it in the tenant's phone
    region; a family may share one, so a page, empty when nobody has it); 422 naming ``phone``
    for text that is not a valid number."""
    found = await find(phone, PageRequest(page, page_size))
    return page_response(found.map(patient_simple))


ROUTES: list[ControllerRouterHandler] = [upload_changes, download_changes, patients_by_mobile]
