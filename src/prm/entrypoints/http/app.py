"""The Litestar application factory: routes, problem details, OpenAPI, CORS, the input policy, dishka."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

from dishka import Provider
from dishka.integrations.litestar import LitestarProvider, setup_dishka
from litestar import Litestar, Router
from litestar.config.cors import CORSConfig

from prm.adapters.sql.connection import SqlDatabase
from prm.entrypoints.cli.hl7 import mllp_in_process
from prm.entrypoints.http import (
    caregivers,
    fhir,
    fhir_export,
    fhir_write,
    hl7,
    patients_360,
    patients_duplicates,
    search,
    sync,
    tags,
)
from prm.entrypoints.http.allow import allow_middleware
from prm.entrypoints.http.appointments import AppointmentController, patient_appointments
from prm.entrypoints.http.appointments_locations import LocationController
from prm.entrypoints.http.appointments_schedules import ScheduleController
from prm.entrypoints.http.appointments_slots import AppointmentSlotController
from prm.entrypoints.http.appointments_waitlist import WaitlistController
from prm.entrypoints.http.audit import AuditController
from prm.entrypoints.http.communications_routes import COMMUNICATIONS_ROUTES
from prm.entrypoints.http.context import HttpContextProvider
from prm.entrypoints.http.health import health, ready
from prm.entrypoints.http.identity_admin import ApiKeyController, RoleController, UserController
from prm.entrypoints.http.identity_auth import AuthController
from prm.entrypoints.http.input_policy import enforce_input_policy
from prm.entrypoints.http.integrations import IntegrationConfigController, IntegrationEventController
from prm.entrypoints.http.journeys import JourneyController, JourneyInstanceController
from prm.entrypoints.http.openapi import finalize_document, openapi_config, swagger_assets_router
from prm.entrypoints.http.operations import OperationsController
from prm.entrypoints.http.organizations import OrganizationController
from prm.entrypoints.http.patients import PatientController
from prm.entrypoints.http.patients_export import PatientExportController
from prm.entrypoints.http.patients_merge import PatientMergeController
from prm.entrypoints.http.practitioners import PractitionerController
from prm.entrypoints.http.problems import EXCEPTION_HANDLERS
from prm.entrypoints.http.request_id import RequestIdMiddleware
from prm.entrypoints.http.security import document_permissions, require_permission
from prm.entrypoints.http.surveys import ROUTES as SURVEY_ROUTES
from prm.entrypoints.http.tickets import TicketController
from prm.entrypoints.http.webhooks import WebhookDeliveryController, WebhookSubscriptionController
from prm.entrypoints.logging import configure_logging
from prm.entrypoints.worker.in_process import worker_in_process
from prm.ioc import make_container
from prm.settings import Settings

API_PREFIX = "/api/v1/prm"


def cors_config(settings: Settings) -> CORSConfig | None:
    """CORS for the origins of ``PRM_CORS_ORIGINS`` (none by default: no browser origin may call
    the API, and a preflight is answered without ``Access-Control-Allow-Origin``)."""
    origins = settings.allowed_origins
    if not origins:
        return None
    return CORSConfig(
        allow_origins=origins,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "X-API-Key", "If-Match", "X-Request-ID"],
        expose_headers=["ETag", "X-Request-ID", "Retry-After", "Location"],
        allow_credentials=False,
        max_age=600,
    )


def create_app(settings: Settings | None = None, *overrides: Provider) -> Litestar:
    """Build the app for ``settings`` (default: from the environment). ``overrides`` are dishka
    providers with ``override=True`` (tests use them to freeze the clock, for instance)."""
    settings = settings or Settings.from_env()
    settings.signing_keys()  # refuses to start in production without PRM_JWT_KEYS
    configure_logging(settings)
    container = make_container(settings, LitestarProvider(), HttpContextProvider(), *overrides)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        app.state.database = await container.get(SqlDatabase)
        try:
            async with worker_in_process(settings, *overrides), mllp_in_process(settings):
                yield
        finally:
            await container.close()

    api = Router(
        API_PREFIX,
        route_handlers=[
            AuthController,
            UserController,
            RoleController,
            ApiKeyController,
            AuditController,
            OperationsController,
            PatientController,
            PatientExportController,
            PatientMergeController,
            *patients_duplicates.ROUTES,
            *patients_360.ROUTES,
            *caregivers.ROUTES,
            *tags.ROUTES,
            *search.ROUTES,
            *hl7.ROUTES,
            *fhir.ROUTES,
            *fhir_write.ROUTES,
            *fhir_export.ROUTES,
            *sync.ROUTES,
            PractitionerController,
            OrganizationController,
            TicketController,
            *SURVEY_ROUTES,
            JourneyInstanceController,
            JourneyController,
            AppointmentController,
            AppointmentSlotController,
            patient_appointments,
            LocationController,
            ScheduleController,
            WaitlistController,
            WebhookSubscriptionController,
            WebhookDeliveryController,
            IntegrationEventController,
            IntegrationConfigController,
            *COMMUNICATIONS_ROUTES,
        ],
    )
    app = Litestar(
        route_handlers=[api, health, ready, swagger_assets_router(API_PREFIX)],
        exception_handlers=EXCEPTION_HANDLERS,
        guards=[require_permission],  # every route declares opt permission/public: see security.py
        middleware=[cast(Any, allow_middleware)],  # after routing: ``Allow`` needs the route's template
        before_request=enforce_input_policy,  # after the guard, before parameters and the body are parsed
        cors_config=cors_config(settings),
        request_max_body_size=settings.max_body_bytes,
        lifespan=[lifespan],
        logging_config=None,
        openapi_config=openapi_config(API_PREFIX),
        debug=False,
    )
    setup_dishka(container, app)
    document_permissions(app)
    finalize_document(app)
    # Outermost, around routing too, so that 404s and 405s also carry the request id.
    wrapped: Any = RequestIdMiddleware(cast(Any, app.asgi_handler), access_log=settings.access_log)
    app.asgi_handler = wrapped
    return app
