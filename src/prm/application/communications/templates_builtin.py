"""The built-in templates every tenant has: appointment notices, reminders, waitlist offers and
survey invitations, for SMS, WhatsApp and email, in English and Spanish.

Written after the NHS service manual's "Writing NHS messages" (``shared/data/message_templates``):
short and plain, starting with the patient's name, saying who it is from and what to do, with
no clinical detail (an SMS may be read by anyone holding the phone). Optional parts
(``location_name``, ``join_url`` of a virtual visit, ``reply_confirm``/``reply_cancel`` keywords)
are written ``{% if x is defined and x %}`` so the message reads well without them.

Tenants get them the first time their templates are read or rendered (:class:`BuiltinTemplates`,
which every templates use case and ``RenderTemplate`` call first): one insert that skips the
name, channel and language a tenant already has, so edits are kept and a built-in added in a
later release reaches old tenants too. Other parts rely on :data:`BUILTIN_VARIABLES`.
"""

from dataclasses import dataclass
from datetime import datetime

from prm.application.communications.template_ports import TemplateRepository
from prm.application.shared.ports import Clock
from prm.domain.communications.channels import Channel, TemplateCategory
from prm.domain.communications.templates import Template
from prm.domain.shared.ids import TenantId

APPOINTMENT_CONFIRMATION = "appointment_confirmation"
APPOINTMENT_REMINDER = "appointment_reminder"
APPOINTMENT_CANCELLATION = "appointment_cancellation"
APPOINTMENT_RESCHEDULED = "appointment_rescheduled"
WAITLIST_OFFER = "waitlist_offer"
SURVEY_INVITATION = "survey_invitation"

_APPOINTMENT = ("patient_name", "clinic_name", "appointment_date", "appointment_time", "practitioner_name")
BUILTIN_VARIABLES: dict[str, tuple[str, ...]] = {
    APPOINTMENT_CONFIRMATION: (*_APPOINTMENT, "location_name", "join_url"),
    APPOINTMENT_REMINDER: (*_APPOINTMENT, "location_name", "join_url", "reply_confirm", "reply_cancel"),
    APPOINTMENT_CANCELLATION: ("patient_name", "clinic_name", "appointment_date", "appointment_time"),
    APPOINTMENT_RESCHEDULED: (*_APPOINTMENT, "location_name", "join_url"),
    WAITLIST_OFFER: (*_APPOINTMENT, "offer_expires_at", "reply_confirm"),
    SURVEY_INVITATION: ("patient_name", "clinic_name", "survey_url"),
}
"""Built-in template names and the variables each declares. Optional ones: ``location_name``,
``join_url``, ``reply_confirm``, ``reply_cancel`` (a reminder without them asks for no reply;
a waitlist offer without ``reply_confirm`` says to contact the clinic)."""
BUILTIN_NAMES: tuple[str, ...] = tuple(BUILTIN_VARIABLES)
BUILTIN_LANGUAGES = ("en", "es")

_CATEGORIES = {
    APPOINTMENT_CONFIRMATION: TemplateCategory.APPOINTMENT,
    APPOINTMENT_REMINDER: TemplateCategory.REMINDER,
    APPOINTMENT_CANCELLATION: TemplateCategory.APPOINTMENT,
    APPOINTMENT_RESCHEDULED: TemplateCategory.APPOINTMENT,
    WAITLIST_OFFER: TemplateCategory.WAITLIST,
    SURVEY_INVITATION: TemplateCategory.SURVEY,
}


def _if(name: str, text: str) -> str:
    return f"{{% if {name} is defined and {name} %}}{text}{{% endif %}}"


@dataclass(frozen=True, slots=True)
class _Wording:
    display_name: str
    subject: str
    text: str
    """The SMS, after ``{{ patient_name }}, ``; WhatsApp and email are made from it."""


_WHEN = "{{ appointment_date }} at {{ appointment_time }} with {{ practitioner_name }}"
_WHERE = _if("location_name", " at {{ location_name }}")
_JOIN = _if("join_url", " Join online: {{ join_url }}")
_REPLY = _if(
    "reply_confirm",
    " Reply {{ reply_confirm }} to confirm" + _if("reply_cancel", " or {{ reply_cancel }} to cancel") + ".",
)
_CUANDO = "{{ appointment_date }} a las {{ appointment_time }} con {{ practitioner_name }}"
_DONDE = _if("location_name", " en {{ location_name }}")
_UNIRSE = _if("join_url", " Únase en línea: {{ join_url }}")
_RESPONDA = _if(
    "reply_confirm",
    " Responda {{ reply_confirm }} para confirmar" + _if("reply_cancel", " o {{ reply_cancel }} para cancelar") + ".",
)

_WORDINGS: dict[tuple[str, str], _Wording] = {
    (APPOINTMENT_CONFIRMATION, "en"): _Wording(
        "Appointment confirmation",
        "Your appointment with {{ clinic_name }} is booked",
        f"your appointment with {{{{ clinic_name }}}} is booked: {_WHEN}{_WHERE}.{_JOIN} "
        "If you cannot go, please tell us.",
    ),
    (APPOINTMENT_REMINDER, "en"): _Wording(
        "Appointment reminder",
        "Reminder: your appointment with {{ clinic_name }} on {{ appointment_date }}",
        f"this is a reminder of your appointment with {{{{ clinic_name }}}} on {_WHEN}{_WHERE}.{_JOIN}{_REPLY}",
    ),
    (APPOINTMENT_CANCELLATION, "en"): _Wording(
        "Appointment cancellation",
        "Your appointment with {{ clinic_name }} is cancelled",
        "your appointment with {{ clinic_name }} on {{ appointment_date }} at {{ appointment_time }} is cancelled. "
        "Contact us if you need a new one.",
    ),
    (APPOINTMENT_RESCHEDULED, "en"): _Wording(
        "Appointment rescheduled",
        "Your appointment with {{ clinic_name }} has moved",
        f"your appointment with {{{{ clinic_name }}}} has moved to {_WHEN}{_WHERE}.{_JOIN} "
        "If this time does not suit you, please tell us.",
    ),
    (WAITLIST_OFFER, "en"): _Wording(
        "Waitlist offer",
        "An earlier appointment with {{ clinic_name }}",
        f"{{{{ clinic_name }}}} has an earlier appointment: {_WHEN}. "
        "{% if reply_confirm is defined and reply_confirm %}Reply {{ reply_confirm }}{% else %}Contact us{% endif %} "
        "by {{ offer_expires_at }} to take it. If not, you stay on the list.",
    ),
    (SURVEY_INVITATION, "en"): _Wording(
        "Survey invitation",
        "How was your visit to {{ clinic_name }}?",
        "thank you for visiting {{ clinic_name }}. Please tell us how it went in a short survey: {{ survey_url }}",
    ),
    (APPOINTMENT_CONFIRMATION, "es"): _Wording(
        "Confirmación de cita",
        "Su cita con {{ clinic_name }} está reservada",
        f"su cita con {{{{ clinic_name }}}} está reservada: {_CUANDO}{_DONDE}.{_UNIRSE} Si no puede acudir, avísenos.",
    ),
    (APPOINTMENT_REMINDER, "es"): _Wording(
        "Recordatorio de cita",
        "Recordatorio: su cita con {{ clinic_name }} el {{ appointment_date }}",
        f"le recordamos su cita con {{{{ clinic_name }}}} el {_CUANDO}{_DONDE}.{_UNIRSE}{_RESPONDA}",
    ),
    (APPOINTMENT_CANCELLATION, "es"): _Wording(
        "Cancelación de cita",
        "Su cita con {{ clinic_name }} ha sido cancelada",
        "su cita con {{ clinic_name }} del {{ appointment_date }} a las {{ appointment_time }} ha sido cancelada. "
        "Contáctenos si necesita una nueva.",
    ),
    (APPOINTMENT_RESCHEDULED, "es"): _Wording(
        "Cita reprogramada",
        "Su cita con {{ clinic_name }} ha cambiado",
        f"su cita con {{{{ clinic_name }}}} ha cambiado al {_CUANDO}{_DONDE}.{_UNIRSE} "
        "Si este horario no le conviene, avísenos.",
    ),
    (WAITLIST_OFFER, "es"): _Wording(
        "Oferta de lista de espera",
        "Una cita antes con {{ clinic_name }}",
        f"{{{{ clinic_name }}}} le ofrece una cita antes: {_CUANDO}. "
        "{% if reply_confirm is defined and reply_confirm %}Responda {{ reply_confirm }}{% else %}Contáctenos"
        "{% endif %} antes del {{ offer_expires_at }} para aceptarla. Si no, mantiene su lugar en la lista.",
    ),
    (SURVEY_INVITATION, "es"): _Wording(
        "Invitación a encuesta",
        "¿Qué tal su visita a {{ clinic_name }}?",
        "gracias por visitar {{ clinic_name }}. Cuéntenos cómo le fue en una breve encuesta: {{ survey_url }}",
    ),
}
_GREETINGS = {
    "en": ("Hello", "Dear {{ patient_name }},", "Yours sincerely,"),
    "es": ("Hola", "Estimado/a {{ patient_name }}:", "Atentamente,"),
}


def _email_body(language: str, text: str) -> str:
    _, dear, regards = _GREETINGS[language]
    return f"{dear}\n\n{text[0].upper()}{text[1:]}\n\n{regards}\n{{{{ clinic_name }}}}\n"


def builtin_templates(tenant_id: TenantId, now: datetime) -> list[Template]:
    """Every built-in template, for ``tenant_id``, created at ``now`` (fresh ids each call)."""
    templates = []
    for (name, language), wording in _WORDINGS.items():
        hello = _GREETINGS[language][0]
        bodies = {
            Channel.SMS: (None, "{{ patient_name }}, " + wording.text),
            Channel.WHATSAPP: (None, f"{hello} {{{{ patient_name }}}}, " + wording.text),
            Channel.EMAIL: (wording.subject, _email_body(language, wording.text)),
        }
        for channel, (subject, body) in bodies.items():
            templates.append(
                Template.create(
                    tenant_id=tenant_id,
                    name=name,
                    channel=channel,
                    language=language,
                    display_name=wording.display_name,
                    category=_CATEGORIES[name].value,
                    subject=subject,
                    body=body,
                    variables=BUILTIN_VARIABLES[name],
                    is_builtin=True,
                    now=now,
                )
            )
    return templates


BUILTIN_COUNT = len(_WORDINGS) * len(Channel)


class BuiltinTemplates:
    """Gives the tenant its built-in templates, once per unit of work: a count of the tenant's
    built-ins, and when some are missing one insert that skips those it has (same name, channel
    and language, built-in or its own). Rolled back with the unit of work that made it, and so
    made again by the next."""

    def __init__(self, templates: TemplateRepository, clock: Clock, tenant_id: TenantId) -> None:
        self._templates = templates
        self._clock = clock
        self._tenant_id = tenant_id
        self._done = False

    async def ensure(self) -> bool:
        """``True`` when it inserted (a use case that only reads then commits, to keep them)."""
        if self._done:
            return False
        self._done = True
        if await self._templates.count_builtin() >= BUILTIN_COUNT:
            return False
        await self._templates.add_missing(builtin_templates(self._tenant_id, self._clock.now()))
        return True
