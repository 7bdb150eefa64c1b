"""Ports between the parts of the communications context, so that each part is built and tested
on its own. Every port here is tenant-scoped (REQUEST scope in dishka, built for one tenant) unless
it says otherwise; none logs names, phones, emails or message bodies.

| part | implements | uses |
|---|---|---|
| templates | :class:`TemplateRenderer` | |
| providers | :class:`ProviderDirectory`, parsers to :class:`StatusCallback` / :class:`InboundMessage` | |
| consent | :class:`SendPolicy`, :class:`ConsentRecorder` | |
| messages | :class:`OutgoingMessages`, :class:`PatientContacts` (over the patients context), | all above |
| | :class:`CaregiverContacts` (over the caregivers context) | |
| inbox | applies :class:`InboundMessage` (threads, keywords, replies) | messages, consent |
| reminders, campaigns | event handlers and jobs | :class:`OutgoingMessages` |

Times are timezone-aware; stored and passed in UTC. Phones are E.164 (``+447700900123``), emails
lower-cased (``prm.domain.shared.contact``).
"""

from abc import abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol
from uuid import UUID

from prm.domain.communications.channels import Channel, MessageStatus
from prm.domain.shared.ids import PatientId

# --------------------------------------------------------------------------- templates


@dataclass(frozen=True, slots=True, kw_only=True)
class RenderedMessage:
    """A template rendered for one message. ``subject`` is ``None`` on channels without one."""

    template_id: UUID
    template_name: str
    language: str
    """BCP 47 tag of the variant chosen (the patient's language, else the tenant's default)."""
    category: str
    """A :class:`~prm.domain.communications.channels.TemplateCategory` value (or a tenant's own)."""
    subject: str | None
    body: str


class TemplateRenderer(Protocol):
    """Renders the tenant's stored templates (Jinja2 sandbox, strict undefined variables)."""

    @abstractmethod
    async def render(
        self,
        *,
        name: str,
        channel: Channel,
        language: str | None,
        variables: Mapping[str, object],
    ) -> RenderedMessage:
        """Render the template ``name`` for ``channel`` in ``language`` (falling back to the
        tenant's default language, then to any variant). Raises ``TemplateNotFound`` and
        ``TemplateRenderFailed`` (:mod:`prm.domain.communications.errors`)."""


# --------------------------------------------------------------------------- providers


@dataclass(frozen=True, slots=True, kw_only=True)
class OutgoingMessage:
    """One message to hand to a provider. ``message_id`` is ours; adapters pass it on where the
    provider carries it back (WhatsApp ``biz_opaque_callback_data``, the SMTP ``Message-ID``, the
    Twilio status callback URL's query) so callbacks and crash recovery can find the message."""

    message_id: UUID
    tenant_id: UUID
    channel: Channel
    to: str
    """E.164 phone (sms, whatsapp) or email address."""
    subject: str | None
    body: str
    attempt: int
    """1 for the first attempt; the idempotency key is ``f"{message_id}"`` for every attempt."""
    template: "ProviderTemplate | None" = None
    """WhatsApp only: a pre-approved template message instead of free text (outside the 24-hour
    customer service window)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderTemplate:
    """A provider-side template (WhatsApp Cloud API ``template`` object): name, language code and
    body parameters in order."""

    name: str
    language: str
    parameters: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderReceipt:
    """What the provider said about a message: its id there and the status it reported
    (``sent`` for accepted/queued; ``delivered``, ``read`` or ``failed`` when it already knows)."""

    provider: str
    """``twilio``, ``whatsapp_cloud``, ``smtp``, ``local``."""
    provider_message_id: str
    status: MessageStatus
    error_code: str | None = None
    error_message: str | None = None


class ProviderError(Exception):
    """Base of what a provider adapter raises. ``reason`` is safe to store and log (no PHI)."""

    def __init__(self, reason: str, *, code: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class TransientProviderError(ProviderError):
    """Try again later: a timeout, a connection error, 5xx, or 429 (``retry_after`` from its
    ``Retry-After``, when given)."""

    def __init__(self, reason: str, *, code: str | None = None, retry_after: timedelta | None = None) -> None:
        super().__init__(reason, code=code)
        self.retry_after = retry_after


class PermanentProviderError(ProviderError):
    """Never going to work as it is (4xx other than 429: invalid number, unsubscribed, bad
    credentials): the message fails at once with ``reason``."""


class MessageProvider(Protocol):
    """One provider account of one channel (Twilio SMS, WhatsApp Cloud, SMTP, the local sink)."""

    name: str

    @abstractmethod
    async def send(self, message: OutgoingMessage) -> ProviderReceipt:
        """Hand ``message`` over once. Raises :class:`TransientProviderError` or
        :class:`PermanentProviderError`; never anything else for what the provider does."""

    @abstractmethod
    async def lookup(self, message: OutgoingMessage, *, since: datetime) -> ProviderReceipt | None:
        """Crash recovery: did the provider already accept ``message`` (attempted at or after
        ``since``)? ``None`` when it did not, or when the provider cannot tell (then the adapter's
        docstring says what a resend risks). Raises :class:`TransientProviderError`."""


class ProviderDirectory(Protocol):
    """The provider configured for a channel in the tenant (tenant config, else settings, else
    the local sink in development)."""

    @abstractmethod
    async def for_channel(self, channel: Channel) -> MessageProvider: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusCallback:
    """A provider's report on a message it accepted (Twilio ``MessageStatus``, WhatsApp
    ``statuses[]``), verified and parsed. ``message_id`` is ours when the provider echoed it."""

    provider: str
    provider_message_id: str
    status: MessageStatus
    occurred_at: datetime
    message_id: UUID | None = None
    error_code: str | None = None
    error_message: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class InboundMessage:
    """A message a patient (or anyone) sent us, verified and parsed. ``sender`` and
    ``recipient`` are E.164 or email addresses."""

    provider: str
    channel: Channel
    provider_message_id: str
    sender: str
    recipient: str
    body: str
    received_at: datetime
    subject: str | None = None
    in_reply_to: str | None = None
    """Email ``In-Reply-To`` or WhatsApp ``context.id``: the provider id of the message answered."""


# --------------------------------------------------------------------------- consent and policy


@dataclass(frozen=True, slots=True, kw_only=True)
class SendRequestFacts:
    """What the send policy needs to know about one message about to go out."""

    patient_id: PatientId | None
    channel: Channel
    recipient: str
    category: str
    event_type: str | None
    """The PRM event the message is about (``appointment.booked`` ...) for per-event preferences."""
    due_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class SendDecision:
    """``allowed`` and ``not_before`` None: send now. ``allowed`` and ``not_before`` set: wait until
    then (quiet hours; the next allowed minute, in UTC). Not ``allowed``: block with ``reason``
    (``no_consent:sms``, ``opted_out:sms``, ``preference:appointment.booked:sms``,
    ``shared_phone`` ...: short, stable, no PHI)."""

    allowed: bool
    not_before: datetime | None = None
    reason: str | None = None


class SendPolicy(Protocol):
    """Consent, per-event preferences and quiet hours, decided together."""

    @abstractmethod
    async def decide(self, facts: SendRequestFacts) -> SendDecision: ...

    async def decide_many(self, facts: Sequence[SendRequestFacts]) -> list[SendDecision]:
        """One decision per item, in order (dispatch batches, campaigns). This default asks
        :meth:`decide` for each; the consent part's policy reads everything in two queries."""
        return [await self.decide(item) for item in facts]


class ConsentRecorder(Protocol):
    """Records a patient's consent changes that arrive on a channel (STOP/START keywords)."""

    @abstractmethod
    async def opt_out(self, patient_id: PatientId, channel: Channel, *, source: str, at: datetime) -> bool:
        """Record the opt-out; ``True`` when it changed something (so one confirmation goes out)."""

    @abstractmethod
    async def opt_in(self, patient_id: PatientId, channel: Channel, *, source: str, at: datetime) -> bool: ...


# --------------------------------------------------------------------------- messages


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageRequest:
    """A message another part wants sent. Either ``body`` or ``template_name`` (with
    ``template_vars``). ``recipient`` defaults to the patient's phone (sms, whatsapp) or email.
    ``dedup_key`` makes a second request with the same key return the first message (reminders:
    ``reminder:<appointment_id>:<offset>``)."""

    patient_id: PatientId | None
    channel: Channel
    recipient: str | None = None
    subject: str | None = None
    body: str | None = None
    template_name: str | None = None
    template_vars: Mapping[str, object] = field(default_factory=dict)
    category: str = "general"
    event_type: str | None = None
    scheduled_for: datetime | None = None
    appointment_id: UUID | None = None
    journey_instance_id: UUID | None = None
    campaign_id: UUID | None = None
    thread_id: UUID | None = None
    reply_to_id: UUID | None = None
    dedup_key: str | None = None


class OutgoingMessages(Protocol):
    """Queues outgoing messages in the caller's unit of work (the send job is scheduled with it)."""

    @abstractmethod
    async def queue(self, request: MessageRequest) -> UUID:
        """Store the message (``scheduled`` or ``queued``, or ``blocked``/``failed`` with the reason
        when it can never go) and schedule its send job; returns its id."""

    @abstractmethod
    async def cancel_pending(self, *, appointment_id: UUID, categories: Sequence[str]) -> int:
        """Cancel the appointment's messages of these categories that have not been handed to a
        provider yet; returns how many."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PatientContact:
    """What messaging needs of a patient: contact points (E.164 phones, mobile first; emails),
    preferred language (BCP 47) and whether the record is active."""

    patient_id: PatientId
    phones: tuple[str, ...]
    emails: tuple[str, ...]
    preferred_language: str | None
    active: bool
    given_name: str | None = None
    """For templates' ``patient_name``; never logged."""


class PatientContacts(Protocol):
    """The communications context's view of patients (through the patients context's use cases)."""

    @abstractmethod
    async def get(self, patient_id: PatientId) -> PatientContact | None: ...

    @abstractmethod
    async def by_phone(self, phone: str) -> Sequence[PatientId]:
        """Active patients with this E.164 phone (several when a family shares one)."""

    @abstractmethod
    async def by_email(self, email: str) -> Sequence[PatientId]: ...


@dataclass(frozen=True, slots=True)
class CaregiverContact:
    """A caregiver who receives a copy of the patient's message: their id (the caregivers
    context's) and their address on the message's channel (E.164 phone or email)."""

    caregiver_id: UUID
    address: str


class CaregiverContacts(Protocol):
    """The communications context's view of patients' caregivers (FHIR RelatedPerson; through the
    caregivers context's use cases): who else gets a patient's messages."""

    @abstractmethod
    async def recipients(
        self, patient_id: PatientId, channel: Channel, day: date, *, exclude: str | None = None
    ) -> Sequence[CaregiverContact]:
        """The patient's caregivers who receive the patient's communications on ``channel`` on
        ``day`` (set to receive them, active that day, preferring that channel or none), each
        address once and never ``exclude`` (the patient's own address)."""


class NoCaregivers(CaregiverContacts):
    """No patient has caregivers (parts and tests built without the caregivers context)."""

    async def recipients(
        self, patient_id: PatientId, channel: Channel, day: date, *, exclude: str | None = None
    ) -> Sequence[CaregiverContact]:
        return ()
