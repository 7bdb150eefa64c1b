"""The template aggregate's rules, language tags and fallback, and the built-ins' own validity."""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from prm.adapters.communications.jinja_templates import JinjaTemplateEngine
from prm.application.communications.templates_builtin import (
    BUILTIN_COUNT,
    BUILTIN_NAMES,
    BUILTIN_VARIABLES,
    builtin_templates,
)
from prm.application.communications.templates_render import render_parts
from prm.domain.communications.channels import Channel
from prm.domain.communications.sms_segments import count_segments
from prm.domain.communications.template_errors import InvalidTemplate
from prm.domain.communications.templates import Template, check_language, choose_variant
from prm.domain.shared.ids import TenantId

NOW = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
TENANT = TenantId(uuid4())
engine = JinjaTemplateEngine()


def template(**fields: Any) -> Template:
    values: dict[str, Any] = {"name": "note", "channel": Channel.SMS, "language": "en", "body": "Hello"}
    values.update(fields)
    return Template.create(tenant_id=TENANT, now=NOW, **values)


@pytest.mark.parametrize(
    ("given", "canonical"),
    [("en", "en"), ("EN-gb", "en-GB"), ("es-419", "es-419"), ("zh-hant-tw", "zh-Hant-TW"), ("pt_BR", "pt-BR")],
)
def test_language_tags_are_stored_in_canonical_case(given: str, canonical: str) -> None:
    assert check_language(given) == canonical


@pytest.mark.parametrize("bad", ["", "e", "english!", "en-", "en--GB", "123", "en-GBR-", "x" * 40])
def test_malformed_language_tags_are_refused(bad: str) -> None:
    with pytest.raises(InvalidTemplate) as refused:
        check_language(bad)
    assert refused.value.field == "language"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "Appointment Reminder"}, "name"),
        ({"category": "not a slug"}, "category"),
        ({"body": "   "}, "body"),
        ({"body": "a" * 1601}, "body"),
        ({"channel": Channel.WHATSAPP, "body": "a" * 4097}, "body"),
        ({"channel": Channel.EMAIL, "body": "a" * 100_001, "subject": "Hi"}, "body"),
        ({"subject": "Hi"}, "subject"),
        ({"channel": Channel.EMAIL}, "subject"),
        ({"channel": Channel.EMAIL, "subject": "two\nlines"}, "subject"),
        ({"variables": ["ok", "Not OK"]}, "variables.1"),
        ({"variables": ["a", "a"]}, "variables.1"),
        ({"variables": ["loop"]}, "variables.0"),
    ],
)
def test_broken_rules_are_refused_naming_the_field(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidTemplate) as refused:
        template(**fields)
    assert refused.value.field == field


def test_body_limits_are_per_channel() -> None:
    assert template(body="a" * 1600).body == "a" * 1600
    assert template(channel=Channel.WHATSAPP, body="a" * 4096).channel is Channel.WHATSAPP
    assert template(channel=Channel.EMAIL, subject="Hi", body="a" * 100_000).subject == "Hi"


def test_revise_changes_the_wording_and_counts_versions_but_never_the_identity() -> None:
    t = template(variables=["name"])
    later = NOW + timedelta(minutes=5)
    assert t.revise(later, body="Hi {{ name }}", is_active=False) == ("body", "is_active")
    assert (t.version, t.updated_at, t.is_active) == (2, later, False)
    assert t.revise(later, body="Hi {{ name }}") == ()
    assert t.version == 2
    with pytest.raises(InvalidTemplate) as refused:
        t.revise(later, language="es")
    assert refused.value.field == "language"


def _variant(language: str, *, active: bool = True) -> Template:
    return template(language=language, is_active=active)


@pytest.mark.parametrize(
    ("available", "asked", "chosen"),
    [
        (["en", "en-GB", "es"], "en-GB", "en-GB"),
        (["en", "es"], "en-GB", "en"),
        (["en-US", "es"], "en-GB", "en-US"),
        (["en", "es"], "fr-CA", "en"),
        (["es", "fr"], "de", "es"),
        (["en", "es"], None, "en"),
        (["en", "es"], "not a tag!", "en"),
        (["es-419", "es-ES", "en"], "es", "es-419"),
    ],
)
def test_the_variant_falls_back_from_the_exact_tag_to_any(available: list[str], asked: str | None, chosen: str) -> None:
    variant = choose_variant([_variant(tag) for tag in available], asked)
    assert variant is not None
    assert variant.language == chosen


def test_inactive_variants_are_never_chosen() -> None:
    assert choose_variant([_variant("en", active=False)], "en") is None
    chosen = choose_variant([_variant("en-GB", active=False), _variant("en")], "en-GB")
    assert chosen is not None
    assert chosen.language == "en"


SAMPLE = {
    "patient_name": "Ada",
    "clinic_name": "Riverside Clinic",
    "appointment_date": "Tue 3 Feb",
    "appointment_time": "09:30",
    "practitioner_name": "Dr Okafor",
    "location_name": "Main Street",
    "join_url": "https://meet.example/r/abc",
    "reply_confirm": "C",
    "reply_cancel": "X",
    "offer_expires_at": "Mon 2 Feb 18:00",
    "survey_url": "https://survey.example/s/1",
}


def test_the_builtins_are_every_name_channel_and_language_and_render_with_their_variables() -> None:
    builtins = builtin_templates(TENANT, NOW)
    assert len(builtins) == BUILTIN_COUNT == len(BUILTIN_NAMES) * 3 * 2
    assert {(t.name, t.channel, t.language) for t in builtins} == {
        (n, c, lang) for n in BUILTIN_NAMES for c in Channel for lang in ("en", "es")
    }
    for t in builtins:
        assert t.is_builtin
        assert t.variables == BUILTIN_VARIABLES[t.name]
        for source in (t.body, t.subject or ""):
            assert engine.variables_used(source) <= set(t.variables), (t.name, t.channel)
        subject, body = render_parts(engine, t, {name: SAMPLE[name] for name in t.variables})
        assert "Ada" in body
        assert "{" not in body
        assert (subject is None) == (t.channel is not Channel.EMAIL)


def test_english_sms_builtins_fit_one_segment_without_the_optional_parts() -> None:
    optional = {"location_name", "join_url", "reply_confirm", "reply_cancel"}
    for t in builtin_templates(TENANT, NOW):
        if t.channel is Channel.SMS and t.language == "en":
            _, body = render_parts(engine, t, {k: v for k, v in SAMPLE.items() if k not in optional})
            assert count_segments(body).segments == 1, (t.name, body)
            assert "None" not in body
