"""The templates use cases on fakes: creation checks, built-ins materialized once, update,
delete, preview and ``RenderTemplate``."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest

from prm.adapters.communications.jinja_templates import JinjaTemplateEngine
from prm.application.communications.template_ports import TemplateFilter
from prm.application.communications.templates_builtin import BUILTIN_COUNT, BuiltinTemplates
from prm.application.communications.templates_create import CreateTemplate, CreateTemplateCommand
from prm.application.communications.templates_delete import DeleteTemplate
from prm.application.communications.templates_list import ListTemplates
from prm.application.communications.templates_preview import PreviewTemplate, PreviewTemplateCommand
from prm.application.communications.templates_render import RenderTemplate
from prm.application.communications.templates_update import UpdateTemplate, UpdateTemplateCommand
from prm.application.shared.context import SYSTEM, RequestContext
from prm.domain.communications.channels import Channel
from prm.domain.communications.errors import TemplateNotFound, TemplateRenderFailed
from prm.domain.communications.sms_segments import SmsEncoding
from prm.domain.communications.template_errors import (
    BuiltinTemplateUndeletable,
    DuplicateTemplate,
    TemplateSyntaxInvalid,
    UndeclaredTemplateVariable,
)
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import TenantId
from tests.fakes import FakeUnitOfWork, FixedClock, InMemoryAuditTrail
from tests.unit.communications.templates_fakes import InMemoryTemplates

NOW = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
TENANT = TenantId(uuid4())
ENGINE = JinjaTemplateEngine()


@dataclass
class World:
    templates: InMemoryTemplates = field(default_factory=InMemoryTemplates)
    uow: FakeUnitOfWork = field(default_factory=FakeUnitOfWork)
    audit: InMemoryAuditTrail = field(default_factory=InMemoryAuditTrail)
    clock: FixedClock = field(default_factory=lambda: FixedClock(NOW))

    def builtins(self) -> BuiltinTemplates:  # one per unit of work, as dishka builds it
        return BuiltinTemplates(self.templates, self.clock, TENANT)

    def create(self) -> CreateTemplate:
        context = RequestContext(tenant_id=TENANT, principal=SYSTEM)
        return CreateTemplate(self.templates, self.builtins(), ENGINE, self.audit, self.uow, self.clock, context)

    def list(self) -> ListTemplates:
        return ListTemplates(self.templates, self.builtins(), self.uow)

    def update(self) -> UpdateTemplate:
        return UpdateTemplate(self.templates, self.builtins(), ENGINE, self.audit, self.uow, self.clock)

    def renderer(self) -> RenderTemplate:
        return RenderTemplate(self.templates, self.builtins(), ENGINE)


def command(**fields: Any) -> CreateTemplateCommand:
    values: dict[str, Any] = {
        "name": "flu_clinic",
        "channel": Channel.SMS,
        "language": "en",
        "body": "{{ patient_name }}, flu jabs are open at {{ clinic_name }}.",
        "variables": ["patient_name", "clinic_name"],
        "category": "campaign",
    }
    values.update(fields)
    return CreateTemplateCommand(**values)


@pytest.fixture
def world() -> World:
    return World()


async def test_create_checks_the_variables_used_against_the_declared(world: World) -> None:
    with pytest.raises(UndeclaredTemplateVariable) as refused:
        await world.create()(command(variables=["patient_name"]))
    assert (refused.value.field, "clinic_name" in refused.value.detail) == ("body", True)
    with pytest.raises(UndeclaredTemplateVariable) as refused:
        await world.create()(
            command(channel=Channel.EMAIL, subject="News from {{ practice }}", body="Hi {{ patient_name }}")
        )
    assert refused.value.field == "subject"
    assert "practice" in refused.value.detail
    with pytest.raises(TemplateSyntaxInvalid) as broken:
        await world.create()(command(body="Hi {{ patient_name "))
    assert broken.value.field == "body"
    assert world.uow.commits == 0


async def test_create_stores_and_audits_and_refuses_a_builtins_key(world: World) -> None:
    created = await world.create()(command())
    assert world.uow.commits == 1
    assert ("create", "communication_template", created.id, ()) in world.audit.events
    assert len(world.templates.rows) == BUILTIN_COUNT + 1
    with pytest.raises(DuplicateTemplate):
        await world.create()(command(name="appointment_reminder", variables=["patient_name", "clinic_name"]))


async def test_the_builtins_are_materialized_once_and_keep_a_tenants_edits(world: World) -> None:
    listed = await world.list()(TemplateFilter())
    assert listed.total == BUILTIN_COUNT
    assert world.uow.commits == 1
    reminder = next(t for t in listed.templates if t.name == "appointment_reminder" and t.channel is Channel.SMS)
    await world.update()(
        UpdateTemplateCommand(template_id=reminder.id, changes={"body": "{{ patient_name }}, see you"})
    )
    again = await world.list()(TemplateFilter(channel=Channel.SMS, language="en"))
    assert world.uow.commits == 2  # the update; the second list had nothing to insert
    assert {t.name for t in again.templates} >= {"appointment_reminder", "survey_invitation"}
    assert next(t for t in again.templates if t.id == reminder.id).body == "{{ patient_name }}, see you"


async def test_the_list_names_channels_and_categories_standard_first(world: World) -> None:
    await world.create()(command(category="flu_season"))
    listed = await world.list()(TemplateFilter(category="flu_season"))
    assert [t.name for t in listed.templates] == ["flu_clinic"]
    assert listed.channels == ["sms", "whatsapp", "email"]
    assert listed.categories[:3] == ["appointment", "reminder", "waitlist"]
    assert listed.categories[-1] == "flu_season"


async def test_update_is_checked_and_conditional(world: World) -> None:
    created = await world.create()(command())
    with pytest.raises(UndeclaredTemplateVariable):
        await world.update()(UpdateTemplateCommand(template_id=created.id, changes={"variables": ["patient_name"]}))
    with pytest.raises(StaleVersion):
        await world.update()(
            UpdateTemplateCommand(template_id=created.id, changes={"is_active": False}, expected_version=7)
        )
    updated = await world.update()(
        UpdateTemplateCommand(template_id=created.id, changes={"is_active": False}, expected_version=1)
    )
    assert (updated.version, updated.is_active) == (2, False)
    assert ("update", "communication_template", created.id, ("is_active",)) in world.audit.events


async def test_builtins_cannot_be_deleted_own_templates_can(world: World) -> None:
    listed = await world.list()(TemplateFilter())
    delete = DeleteTemplate(world.templates, world.builtins(), world.audit, world.uow)
    with pytest.raises(BuiltinTemplateUndeletable):
        await delete(listed.templates[0].id)
    created = await world.create()(command())
    await delete(created.id)
    assert created.id not in world.templates.rows


async def test_preview_counts_sms_segments_and_names_missing_variables(world: World) -> None:
    created = await world.create()(command())
    preview = PreviewTemplate(world.templates, world.builtins(), ENGINE, world.uow)
    shown = await preview(
        PreviewTemplateCommand(template_id=created.id, variables={"patient_name": "Zoë 😀", "clinic_name": "Leeds"})
    )
    assert shown.body == "Zoë 😀, flu jabs are open at Leeds."
    assert shown.sms is not None
    assert (shown.sms.encoding, shown.sms.segments) == (SmsEncoding.UCS_2, 1)
    with pytest.raises(TemplateRenderFailed) as failed:
        await preview(PreviewTemplateCommand(template_id=created.id, variables={}))
    assert failed.value.detail == "missing template variables: clinic_name, patient_name"


async def test_render_chooses_the_language_and_fails_cleanly(world: World) -> None:
    renderer = world.renderer()
    variables = {"patient_name": "Ada", "clinic_name": "Leeds", "survey_url": "https://s.example/1"}
    spanish = await renderer.render(
        name="survey_invitation", channel=Channel.SMS, language="es-MX", variables=variables
    )
    assert (spanish.language, spanish.category, spanish.subject) == ("es", "survey", None)
    assert spanish.body.startswith("Ada, gracias")
    email = await renderer.render(name="survey_invitation", channel=Channel.EMAIL, language="fr", variables=variables)
    assert (email.language, email.subject) == ("en", "How was your visit to Leeds?")
    with pytest.raises(TemplateNotFound):
        await renderer.render(name="no_such_template", channel=Channel.SMS, language=None, variables=variables)
    with pytest.raises(TemplateRenderFailed) as failed:
        await renderer.render(name="survey_invitation", channel=Channel.SMS, language="en", variables={})
    assert "survey_url" in failed.value.detail


async def test_a_rendered_subject_is_one_line_and_a_body_over_the_limit_fails(world: World) -> None:
    email = await world.create()(
        command(channel=Channel.EMAIL, subject="Hello {{ patient_name }}", body="{{ clinic_name }}", name="note")
    )
    long_sms = await world.create()(command(name="long_note"))
    renderer = world.renderer()
    rendered = await renderer.render(
        name="note",
        channel=Channel.EMAIL,
        language="en",
        variables={"patient_name": "Ada\r\nBcc: x@y", "clinic_name": "L"},
    )
    assert rendered.subject == "Hello Ada Bcc: x@y"
    assert rendered.template_id == email.id
    with pytest.raises(TemplateRenderFailed) as failed:
        await renderer.render(
            name="long_note",
            channel=Channel.SMS,
            language="en",
            variables={"patient_name": "A" * 1600, "clinic_name": "L"},
        )
    assert "1600" in failed.value.detail
    assert long_sms.channel is Channel.SMS
    with pytest.raises(TemplateRenderFailed):
        await renderer.render(
            name="note", channel=Channel.EMAIL, language="en", variables={"patient_name": "A", "clinic_name": " "}
        )
