"""PRM channel consent record → FHIR R4 ``Consent`` resource (https://hl7.org/fhir/R4/consent.html).

PRM keeps a patient's consents to be messaged as a history per channel, appended and never
changed (:mod:`prm.domain.communications.consent`); each record is one Consent, with its id.

- ``meta``: a record changes once at most, when a later one replaces it: ``versionId`` ``1``
  (``lastUpdated`` when recorded), then ``2`` (``lastUpdated`` when replaced);
- ``status`` (http://hl7.org/fhir/consent-state-codes): ``active`` for a record that is
  ``active`` and still the latest of its patient on its channel; ``inactive`` for a withdrawn
  record and for one a later record replaced (FHIR: "the consent is terminated or replaced");
- ``scope``: ``patient-privacy`` (http://terminology.hl7.org/CodeSystem/consentscope): the
  agreement to use the patient's contact details to message them;
- ``category``: LOINC ``59284-0`` "Patient Consent" (http://loinc.org), with PRM's own
  ``messaging`` (system ``urn:prm:consent-category``);
- ``patient`` and ``performer``: ``Patient/{id}`` (the patient gives or refuses it, also when
  staff record what they said); ``dateTime``: when it was recorded;
- ``policyRule`` (R4 requires a policy or a policyRule, invariant ppc-1): v3 ActCode
  (http://terminology.hl7.org/CodeSystem/v3-ActCode) ``OPTIN`` for a permit, ``OPTOUT`` for a
  deny;
- ``provision.type``: ``permit`` / ``deny`` as recorded; ``provision.code``: the channel, as
  ``Communication.medium`` codes it (v3 ParticipationMode ``SMSWRIT`` / ``EMAILWRIT`` /
  ``MSGWRIT`` with PRM's ``urn:prm:channel``);
- the record's ``source`` (``keyword``, ``staff``, ``api``, ``import``, ``patient_portal``) as the
  extension :data:`SOURCE_EXTENSION` (``valueCode``).
"""

from typing import Any

from prm.adapters.fhir.communication import medium
from prm.adapters.fhir.patient import instant
from prm.application.communications.consent_ports import ConsentEntry
from prm.domain.communications.consent import ProvisionType

CONSENT_STATE_SYSTEM = "http://hl7.org/fhir/consent-state-codes"
SCOPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/consentscope"
LOINC = "http://loinc.org"
CONSENT_CATEGORY_SYSTEM = "urn:prm:consent-category"
ACT_CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
SOURCE_EXTENSION = "urn:prm:fhir:extension:consent-source"

POLICY_RULE: dict[ProvisionType, tuple[str, str]] = {
    ProvisionType.PERMIT: ("OPTIN", "opt-in"),
    ProvisionType.DENY: ("OPTOUT", "opt-out"),
}

SEARCH_PARAMS: tuple[tuple[str, str, str], ...] = (
    ("patient", "reference", "Patient/<id> or an id; without it, all of the tenant's records"),
    ("status", "token", "active (in force) | inactive (withdrawn or replaced), comma-separated"),
)
"""The search parameters served: name, FHIR type, documentation."""

CAPABILITY: tuple[str, tuple[tuple[str, str, str], ...], frozenset[str], str] = (
    "Consent",
    SEARCH_PARAMS,
    frozenset({"status"}),
    "communications:read",
)
"""This resource's ``CapabilityStatement.rest.resource`` entry: type, search parameters, those
defined on the resource itself (the others are FHIR's shared ``clinical-*`` or ``individual-*`` ones), permission."""


def consent_resource(entry: ConsentEntry) -> dict[str, Any]:
    """The FHIR R4 Consent for one consent record (see the module docstring)."""
    r = entry.record
    patient = {"reference": f"Patient/{r.patient_id}"}
    rule, rule_display = POLICY_RULE[r.provision]
    return {
        "resourceType": "Consent",
        "id": str(r.id),
        "meta": {
            "versionId": "1" if entry.current else "2",
            "lastUpdated": instant(entry.replaced_at or r.recorded_at),
        },
        "extension": [{"url": SOURCE_EXTENSION, "valueCode": r.source.value}],
        "status": "active" if entry.in_force else "inactive",
        "scope": {
            "coding": [{"system": SCOPE_SYSTEM, "code": "patient-privacy", "display": "Privacy Consent"}],
        },
        "category": [
            {
                "coding": [
                    {"system": LOINC, "code": "59284-0", "display": "Patient Consent"},
                    {"system": CONSENT_CATEGORY_SYSTEM, "code": "messaging"},
                ]
            }
        ],
        "patient": patient,
        "dateTime": instant(r.recorded_at),
        "performer": [patient],
        "policyRule": {"coding": [{"system": ACT_CODE_SYSTEM, "code": rule, "display": rule_display}]},
        "provision": {"type": r.provision.value, "code": [medium(r.channel)]},
    }
