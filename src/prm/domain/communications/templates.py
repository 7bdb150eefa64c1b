"""Message templates: what a tenant says to patients, per channel and language.

A :class:`Template` is identified in its tenant by ``name`` (a slug such as
``appointment_reminder``), ``channel`` and ``language``: the messages part asks for a name and a
channel, and :func:`choose_variant` picks the language. Rules kept here:

- ``name`` and a tenant's own ``category`` are slugs (``^[a-z][a-z0-9_]{1,63}$``); categories
  of :class:`~prm.domain.communications.channels.TemplateCategory` are slugs too;
- ``language`` is a well-formed BCP 47 tag (RFC 5646 section 2.1: ``en``, ``en-GB``,
  ``es-419``, ``zh-Hant-TW``), stored in its canonical case (RFC 5646 section 2.1.1), at most
  :data:`MAX_LANGUAGE_LENGTH` characters;
- ``subject``: required for email (one line, at most :data:`MAX_SUBJECT_LENGTH` characters);
  SMS and WhatsApp messages have none;
- ``body``: at most :data:`BODY_LIMITS` characters for its channel: SMS 1,600 (ten
  concatenated segments, Twilio's limit for the Messages resource), WhatsApp 4,096 (the Cloud
  API's limit of a text message body), email 100,000;
- ``variables`` declares the names the body and subject may use (lower-case identifiers, at most
  :data:`MAX_VARIABLES`); the template engine checks the use (see
  :func:`check_declared`);
- built-in templates (``is_builtin``) keep their identity: they can be edited or deactivated,
  never deleted. No template changes ``name``, ``channel`` or ``language`` after creation.
"""

import contextlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NewType
from uuid import UUID

from prm.domain.communications.channels import Channel, TemplateCategory
from prm.domain.communications.template_errors import InvalidTemplate, UndeclaredTemplateVariable
from prm.domain.shared.ids import TenantId, new_id

TemplateId = NewType("TemplateId", UUID)

DEFAULT_LANGUAGE = "en"
"""The tenant's default language: the variant chosen when the patient's is missing."""
MAX_NAME_LENGTH = 64
MAX_DISPLAY_NAME_LENGTH = 200
MAX_LANGUAGE_LENGTH = 35
MAX_SUBJECT_LENGTH = 500
MAX_VARIABLES = 50
BODY_LIMITS: dict[Channel, int] = {Channel.SMS: 1_600, Channel.WHATSAPP: 4_096, Channel.EMAIL: 100_000}
"""Characters a template's body (and a rendered body) may have, per channel."""
MAX_BODY_LENGTH = max(BODY_LIMITS.values())

_SLUG = re.compile(r"[a-z][a-z0-9_]{1,63}")
_VARIABLE = re.compile(r"[a-z_][a-z0-9_]{0,63}")
_RESERVED_VARIABLES = frozenset({"true", "false", "none", "loop", "self", "super", "caller", "varargs", "kwargs"})
"""Names Jinja2 gives a meaning of its own."""

# RFC 5646 section 2.1, ``langtag`` (private-use-only and grandfathered tags are not accepted:
# no patient's language is written that way).
_LANGTAG = re.compile(
    r"""
    (?P<language>[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4}|[a-z]{5,8})
    (?:-(?P<script>[a-z]{4}))?
    (?:-(?P<region>[a-z]{2}|[0-9]{3}))?
    (?P<variants>(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*)
    (?P<extensions>(?:-[0-9a-wyz](?:-[a-z0-9]{2,8})+)*)
    (?P<private>-x(?:-[a-z0-9]{1,8})+)?
    """,
    re.VERBOSE | re.IGNORECASE,
)


def check_language(tag: str, *, field: str = "language") -> str:
    """``tag`` as a well-formed BCP 47 tag in canonical case (``EN-gb`` → ``en-GB``,
    ``zh-hant-tw`` → ``zh-Hant-TW``); raises :class:`InvalidTemplate` naming ``field`` otherwise."""
    text = tag.strip().replace("_", "-")
    match = _LANGTAG.fullmatch(text)
    if not text or len(text) > MAX_LANGUAGE_LENGTH or match is None:
        raise InvalidTemplate(
            f"{field} must be a BCP 47 language tag such as en, en-GB or es-419 "
            f"(at most {MAX_LANGUAGE_LENGTH} characters)",
            field=field,
        )
    parts = [match["language"].lower()]
    if match["script"]:
        parts.append(match["script"].title())
    if match["region"]:
        parts.append(match["region"].upper())
    rest = (match["variants"] or "") + (match["extensions"] or "") + (match["private"] or "")
    variants = [v.lower() for v in rest.split("-") if v]
    return "-".join(parts + variants)


def primary_subtag(tag: str) -> str:
    """The language subtag of a tag: ``en-GB`` → ``en``, ``es-419`` → ``es``."""
    return tag.split("-", 1)[0].lower()


def check_name(name: str, *, field: str = "name") -> str:
    """A slug of 2 to 64 characters: a lower-case letter, then letters, digits or ``_``."""
    if not _SLUG.fullmatch(name):
        raise InvalidTemplate(
            f"{field} must be a slug such as appointment_reminder: a lower-case letter, then lower-case "
            f"letters, digits or underscores, 2 to {MAX_NAME_LENGTH} characters",
            field=field,
        )
    return name


def check_category(category: str) -> str:
    """A :class:`TemplateCategory` value or a tenant's own slug."""
    return check_name(category.strip().lower(), field="category")


def check_variables(names: Iterable[str]) -> tuple[str, ...]:
    """Declared variable names: lower-case identifiers, unique, at most :data:`MAX_VARIABLES`;
    raises :class:`InvalidTemplate` naming ``variables`` or ``variables.<i>``."""
    names = tuple(names)
    if len(names) > MAX_VARIABLES:
        raise InvalidTemplate(f"a template may declare at most {MAX_VARIABLES} variables", field="variables")
    seen: set[str] = set()
    for index, name in enumerate(names):
        if not _VARIABLE.fullmatch(name) or name in _RESERVED_VARIABLES:
            raise InvalidTemplate(
                "a variable name must be a lower-case identifier such as patient_name (not a Jinja2 keyword)",
                field=f"variables.{index}",
            )
        if name in seen:
            raise InvalidTemplate(f"variable {name} is declared twice", field=f"variables.{index}")
        seen.add(name)
    return names


def check_declared(used: Iterable[str], declared: Iterable[str], *, field: str) -> None:
    """Raises :class:`UndeclaredTemplateVariable` naming ``field`` and the first (alphabetically)
    variable of ``used`` that ``declared`` lacks."""
    undeclared = sorted(set(used) - set(declared))
    if undeclared:
        raise UndeclaredTemplateVariable(
            f"{field} uses undeclared variable {undeclared[0]}"
            + (f" (and {', '.join(undeclared[1:])})" if len(undeclared) > 1 else "")
            + ": add it to variables",
            field=field,
        )


def _display_name(value: str | None, name: str) -> str:
    text = (value or "").strip() or name.replace("_", " ").capitalize()
    if len(text) > MAX_DISPLAY_NAME_LENGTH:
        raise InvalidTemplate(
            f"display_name may have at most {MAX_DISPLAY_NAME_LENGTH} characters", field="display_name"
        )
    return text


def _subject(channel: Channel, subject: str | None) -> str | None:
    if channel is not Channel.EMAIL:
        if subject is not None and subject.strip():
            raise InvalidTemplate(f"{channel.value} messages have no subject", field="subject")
        return None
    if subject is None or not subject.strip():
        raise InvalidTemplate("an email template needs a subject", field="subject")
    if len(subject) > MAX_SUBJECT_LENGTH or "\n" in subject or "\r" in subject:
        raise InvalidTemplate(f"subject must be one line of at most {MAX_SUBJECT_LENGTH} characters", field="subject")
    return subject.strip()


def _body(channel: Channel, body: str) -> str:
    if not body.strip():
        raise InvalidTemplate("body must not be blank", field="body")
    limit = BODY_LIMITS[channel]
    if len(body) > limit:
        raise InvalidTemplate(
            f"a {channel.value} body may have at most {limit} characters, not {len(body)}", field="body"
        )
    return body


@dataclass(kw_only=True, eq=False)
class Template:
    """One variant (channel and language) of a named message of the tenant's. ``subject`` and
    ``body`` are Jinja2 sources; ``variables`` the names they may use."""

    id: TemplateId
    tenant_id: TenantId
    name: str
    display_name: str
    channel: Channel
    category: str
    language: str
    subject: str | None
    body: str
    variables: tuple[str, ...]
    is_builtin: bool
    is_active: bool
    version: int = 1
    created_at: datetime
    updated_at: datetime

    @classmethod
    def create(
        cls,
        *,
        tenant_id: TenantId,
        name: str,
        channel: Channel,
        language: str,
        body: str,
        now: datetime,
        display_name: str | None = None,
        category: str = TemplateCategory.GENERAL.value,
        subject: str | None = None,
        variables: Sequence[str] = (),
        is_active: bool = True,
        is_builtin: bool = False,
    ) -> "Template":
        """A new template; raises :class:`InvalidTemplate` naming the field. Whether the body and
        subject use only declared variables is the template engine's check (:func:`check_declared`)."""
        name = check_name(name)
        return cls(
            id=TemplateId(new_id()),
            tenant_id=tenant_id,
            name=name,
            display_name=_display_name(display_name, name),
            channel=channel,
            category=check_category(category),
            language=check_language(language),
            subject=_subject(channel, subject),
            body=_body(channel, body),
            variables=check_variables(variables),
            is_builtin=is_builtin,
            is_active=is_active,
            created_at=now,
            updated_at=now,
        )

    def revise(self, now: datetime, **changes: Any) -> tuple[str, ...]:
        """Apply ``display_name``, ``category``, ``subject``, ``body``, ``variables`` and
        ``is_active`` changes; returns the names of the fields that changed (none: nothing
        happens). ``name``, ``channel`` and ``language`` never change. Raises
        :class:`InvalidTemplate` naming the field."""
        unknown = sorted(set(changes) - {"display_name", "category", "subject", "body", "variables", "is_active"})
        if unknown:
            raise InvalidTemplate(
                f"cannot change {', '.join(unknown)}: create another template instead", field=unknown[0]
            )
        new: dict[str, Any] = {}
        if "display_name" in changes:
            new["display_name"] = _display_name(changes["display_name"], self.name)
        if "category" in changes:
            new["category"] = check_category(changes["category"])
        if "subject" in changes:
            new["subject"] = _subject(self.channel, changes["subject"])
        if "body" in changes:
            new["body"] = _body(self.channel, changes["body"])
        if "variables" in changes:
            new["variables"] = check_variables(changes["variables"])
        if "is_active" in changes:
            new["is_active"] = bool(changes["is_active"])
        changed = tuple(name for name, value in new.items() if getattr(self, name) != value)
        for name in changed:
            setattr(self, name, new[name])
        if changed:
            self.version += 1
            self.updated_at = now
        return changed


def choose_variant(
    variants: Sequence[Template], language: str | None, default: str = DEFAULT_LANGUAGE
) -> Template | None:
    """The variant of a template to send to someone speaking ``language`` (a BCP 47 tag, or
    ``None``), among the active ``variants`` of one name and channel, in this order:

    1. the exact tag (``en-GB``, compared in canonical case);
    2. its primary subtag (``en``);
    3. another variant of the same primary language (``en-US``, the first by tag);
    4. the tenant's default language ``default`` (``en``), then a variant of its primary language;
    5. any active variant (the first by tag).

    ``None`` when there is no active variant. A ``language`` that is not a well-formed tag counts
    as absent.
    """
    active = sorted((v for v in variants if v.is_active), key=lambda v: v.language)
    if not active:
        return None
    by_tag = {v.language.lower(): v for v in active}
    wanted: list[str] = []
    if language:
        with contextlib.suppress(InvalidTemplate):  # an unknown tag is no preference
            wanted.append(check_language(language))
    wanted.append(check_language(default))
    for tag in wanted:
        primary = primary_subtag(tag)
        for candidate in (tag.lower(), primary):
            if candidate in by_tag:
                return by_tag[candidate]
        same_language = [v for v in active if primary_subtag(v.language) == primary]
        if same_language:
            return same_language[0]
    return active[0]
