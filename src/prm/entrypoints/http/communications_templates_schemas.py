"""Wire schemas of the communications templates API (snake_case JSON, msgspec).

The list answer has the reference API's shape (``templates, total, channels, categories``); a
template there carries the reference's fields (``id``, ``name``, ``channel``, ``category``,
``subject``, ``body``, ``variables``) plus ours. ``name`` is the slug messages ask for
(``appointment_reminder``), ``display_name`` what staff read.
"""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from msgspec import UNSET, UnsetType

from prm.application.communications.templates_list import TemplateList
from prm.application.communications.templates_preview import TemplatePreview
from prm.domain.communications.channels import Channel
from prm.domain.communications.templates import (
    MAX_BODY_LENGTH,
    MAX_DISPLAY_NAME_LENGTH,
    MAX_LANGUAGE_LENGTH,
    MAX_NAME_LENGTH,
    MAX_SUBJECT_LENGTH,
    MAX_VARIABLES,
    Template,
)

Name = Annotated[
    str,
    msgspec.Meta(
        min_length=2,
        max_length=MAX_NAME_LENGTH,
        description="A slug: a lower-case letter, then lower-case letters, digits or _ (appointment_reminder)",
    ),
]
Language = Annotated[
    str,
    msgspec.Meta(min_length=2, max_length=MAX_LANGUAGE_LENGTH, description="BCP 47 language tag: en, en-GB, es-419"),
]
Category = Annotated[
    str,
    msgspec.Meta(
        min_length=2,
        max_length=MAX_NAME_LENGTH,
        description="appointment, reminder, waitlist, survey, campaign, instructions, follow_up, results, pharmacy, "
        "billing, general, urgent, or a slug of the tenant's own",
    ),
]
DisplayName = Annotated[str, msgspec.Meta(max_length=MAX_DISPLAY_NAME_LENGTH)]
Subject = Annotated[
    str,
    msgspec.Meta(max_length=MAX_SUBJECT_LENGTH, description="Email only (required there): one line, Jinja2"),
]
Body = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=MAX_BODY_LENGTH,
        description="Jinja2 text ({{ patient_name }}); at most 1,600 characters for sms, 4,096 for whatsapp, "
        "100,000 for email",
    ),
]
VariableName = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
Variables = Annotated[
    list[VariableName],
    msgspec.Meta(max_length=MAX_VARIABLES, description="The variables body and subject may use"),
]
Value = str | int | float | bool | None
SampleVariables = Annotated[dict[VariableName, Value], msgspec.Meta(max_length=200)]


class Struct(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Request bodies: unknown fields are refused."""


class CreateTemplateRequest(Struct, frozen=True):
    name: Name
    channel: Channel
    language: Language
    body: Body
    display_name: DisplayName | None = None
    category: Category = "general"
    subject: Subject | None = None
    variables: Variables = []
    is_active: bool = True


class UpdateTemplateRequest(Struct, frozen=True):
    """The fields to change; absent ones stay. ``name``, ``channel`` and ``language`` never change."""

    display_name: DisplayName | None | UnsetType = UNSET
    category: Category | UnsetType = UNSET
    subject: Subject | None | UnsetType = UNSET
    body: Body | UnsetType = UNSET
    variables: Variables | UnsetType = UNSET
    is_active: bool | UnsetType = UNSET


class PreviewTemplateRequest(Struct, frozen=True):
    variables: SampleVariables = {}


class TemplateResponse(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    name: str
    display_name: str
    channel: Channel
    category: str
    language: str
    subject: str | None
    body: str
    variables: list[str]
    is_builtin: bool
    is_active: bool
    version: int
    created_at: datetime
    updated_at: datetime


class TemplateListResponse(msgspec.Struct, frozen=True, kw_only=True):
    """The reference API's ``GET /communications/templates`` answer."""

    templates: list[TemplateResponse]
    total: int
    channels: list[str]
    categories: list[str]


class TemplatePreviewResponse(msgspec.Struct, frozen=True, kw_only=True):
    """The rendered ``subject`` (email) and ``body``. SMS templates add ``encoding`` (``GSM-7`` or
    ``UCS-2``), ``segments`` (messages sent and billed), ``characters`` and ``units`` (septets or
    UTF-16 code units, what the segments hold); other channels have them ``null``."""

    template_id: UUID
    channel: Channel
    language: str
    subject: str | None
    body: str
    encoding: str | None = None
    segments: int | None = None
    characters: int | None = None
    units: int | None = None


def template_response(t: Template) -> TemplateResponse:
    return TemplateResponse(
        id=t.id,
        name=t.name,
        display_name=t.display_name,
        channel=t.channel,
        category=t.category,
        language=t.language,
        subject=t.subject,
        body=t.body,
        variables=list(t.variables),
        is_builtin=t.is_builtin,
        is_active=t.is_active,
        version=t.version,
        created_at=t.created_at,
        updated_at=t.updated_at,
    )


def list_response(found: TemplateList) -> TemplateListResponse:
    return TemplateListResponse(
        templates=[template_response(t) for t in found.templates],
        total=found.total,
        channels=list(found.channels),
        categories=list(found.categories),
    )


def preview_response(preview: TemplatePreview) -> TemplatePreviewResponse:
    sms: dict[str, Any] = {}
    if preview.sms is not None:
        sms = {
            "encoding": preview.sms.encoding.value,
            "segments": preview.sms.segments,
            "characters": preview.sms.characters,
            "units": preview.sms.units,
        }
    return TemplatePreviewResponse(
        template_id=preview.template.id,
        channel=preview.template.channel,
        language=preview.template.language,
        subject=preview.subject,
        body=preview.body,
        **sms,
    )


def to_changes(data: UpdateTemplateRequest) -> dict[str, object]:
    return {
        name: getattr(data, name)
        for name in ("display_name", "category", "subject", "body", "variables", "is_active")
        if getattr(data, name) is not UNSET
    }
