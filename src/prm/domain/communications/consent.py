"""A patient's consent to be messaged on a channel, in FHIR R4 Consent terms where they fit
(https://hl7.org/fhir/R4/consent.html): ``status`` (``active``: the record applies;
``inactive``: withdrawn, as if there were none), ``provision.type`` (``permit`` / ``deny``), the
``source`` of the record, when and by whom it was recorded (a user id, an API key id or
``system``).

Records are a history, appended and never changed; the current consent of a patient on a channel
is the latest record (by ``recorded_at``, then id).

**The rule** (:func:`consent_block`), decided per message:

1. a current ``active`` ``deny`` is an opt-out: nothing goes on the channel, whatever the
   category (``opted_out:<channel>``);
2. a current ``active`` ``permit`` allows every category;
3. with no record (or an ``inactive`` one) consent is **implied** for the transactional
   categories of :data:`TRANSACTIONAL_CATEGORIES` (the patient gave us the phone or email for
   their care, and ``general``, ``billing``, ``pharmacy`` with them) and **absent** for
   :data:`MARKETING_CATEGORIES` (``campaign``: marketing needs an explicit permit, as the TCPA,
   PECR and GDPR ask) (``no_consent:<channel>``);
4. a tenant that sets ``require_explicit_consent`` needs a permit for every category;
5. the reply confirming a STOP/START/HELP keyword (``event_type`` :data:`CONSENT_CONFIRMATION`)
   is never blocked.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from prm.domain.communications.channels import Channel, TemplateCategory
from prm.domain.shared.errors import RuleViolated
from prm.domain.shared.ids import PatientId, TenantId


class ConsentStatus(StrEnum):
    """FHIR ``Consent.status``, the two values PRM records."""

    ACTIVE = "active"
    INACTIVE = "inactive"


class ProvisionType(StrEnum):
    """FHIR ``Consent.provision.type``."""

    PERMIT = "permit"
    DENY = "deny"


class ConsentSource(StrEnum):
    """Where a consent record came from."""

    KEYWORD = "keyword"
    """An inbound STOP/START keyword."""
    STAFF = "staff"
    """Staff recording what the patient said."""
    API = "api"
    IMPORT = "import"
    PATIENT_PORTAL = "patient_portal"

    @classmethod
    def parse(cls, value: str) -> "ConsentSource":
        """``keyword``, ``staff`` ... or the inbox's ``inbound_keyword:<channel>`` (a keyword).
        Raises :class:`InvalidConsent` naming ``source``."""
        head = value.split(":", 1)[0]
        if head == "inbound_keyword":
            return cls.KEYWORD
        try:
            return cls(head)
        except ValueError:
            names = ", ".join(s.value for s in cls)
            raise InvalidConsent(f"source must be one of {names}", field="source") from None


class ConsentState(StrEnum):
    """The effective consent of a patient on a channel, as the API answers it."""

    PERMITTED = "permitted"
    OPTED_OUT = "opted_out"
    NONE = "none"
    """No applicable record: implied for transactional categories, absent for the others."""


TRANSACTIONAL_CATEGORIES = frozenset(
    c.value
    for c in (
        TemplateCategory.APPOINTMENT,
        TemplateCategory.REMINDER,
        TemplateCategory.WAITLIST,
        TemplateCategory.SURVEY,
        TemplateCategory.INSTRUCTIONS,
        TemplateCategory.FOLLOW_UP,
        TemplateCategory.RESULTS,
        TemplateCategory.URGENT,
    )
)
"""The patient's care: consent is implied without a record (unless the tenant requires it)."""

MARKETING_CATEGORIES = frozenset({TemplateCategory.CAMPAIGN.value})
"""Consent is absent without an explicit permit. The categories neither list names (``general``,
``billing``, ``pharmacy``, a tenant's own) are about the patient's account or care, not
marketing: implied, like the transactional ones."""

DIRECT_REPLY = "communications.direct_reply"
"""The ``event_type`` of PRM's answer to what a patient just wrote (a reminder reply confirmed or
cancelled): consent and preferences apply, quiet hours do not (the patient is awake and waiting)."""

CONSENT_CONFIRMATION = "communications.consent_confirmation"
"""The ``event_type`` of the one reply confirming a keyword (CTIA: a STOP is confirmed once): it
goes whatever the consent, preferences and quiet hours, since the patient just wrote to us."""


class InvalidConsent(RuleViolated):
    """A consent record that cannot be stored (HTTP 422 naming the field)."""

    code = "communications.invalid_consent"


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsentRecord:
    """One entry of a patient's consent history on one channel."""

    id: UUID
    tenant_id: TenantId
    patient_id: PatientId
    channel: Channel
    status: ConsentStatus
    provision: ProvisionType
    source: ConsentSource
    recorded_at: datetime
    recorded_by: str
    """A user or API key id, or ``system``."""

    @property
    def state(self) -> ConsentState:
        return consent_state(self)


def consent_state(current: ConsentRecord | None) -> ConsentState:
    """The effective consent given the latest record (``None``: there is none)."""
    if current is None:
        return ConsentState.NONE
    return state_of(current.status, current.provision)


def state_of(status: ConsentStatus, provision: ProvisionType) -> ConsentState:
    if status is ConsentStatus.INACTIVE:
        return ConsentState.NONE
    return ConsentState.PERMITTED if provision is ProvisionType.PERMIT else ConsentState.OPTED_OUT


def consent_block(
    state: ConsentState, channel: Channel, category: str, *, require_explicit_consent: bool
) -> str | None:
    """Why consent stops a message of ``category`` on ``channel`` (``opted_out:sms``,
    ``no_consent:sms``), or ``None`` when it may go. See the module for the rule."""
    if state is ConsentState.OPTED_OUT:
        return f"opted_out:{channel.value}"
    if state is ConsentState.PERMITTED:
        return None
    if require_explicit_consent or category in MARKETING_CATEGORIES:
        return f"no_consent:{channel.value}"
    return None
