"""The relationships a caregiver may have to the patient: HL7 v3 RoleCode (FHIR R4
``RelatedPerson.relationship``, value set ``relatedperson-relationshiptype``).

PRM accepts the personal-relationship codes of the v3 RoleCode system that front desks use
(family, partners, friends and neighbours) plus the legal and care roles (guardian, power of
attorney, next of kin, emergency contact, caregiver). Codes are upper case as in the code system;
each has the code system's display name.
"""

from collections.abc import Mapping

ROLE_CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
"""The FHIR code system of :data:`RELATIONSHIPS`."""

RELATIONSHIPS: Mapping[str, str] = {
    "PRN": "parent",
    "MTH": "mother",
    "FTH": "father",
    "STPPRN": "step parent",
    "GRPRN": "grandparent",
    "GRMTH": "grandmother",
    "GRFTH": "grandfather",
    "CHILD": "child",
    "DAUC": "daughter",
    "SONC": "son",
    "STPCHLD": "step child",
    "GRNDCHILD": "grandchild",
    "SPS": "spouse",
    "WIFE": "wife",
    "HUSB": "husband",
    "DOMPART": "domestic partner",
    "SIGOTHR": "significant other",
    "SIB": "sibling",
    "BRO": "brother",
    "SIS": "sister",
    "AUNT": "aunt",
    "UNCLE": "uncle",
    "NIENEPH": "niece/nephew",
    "COUSN": "cousin",
    "FAMMEMB": "family member",
    "FRND": "unrelated friend",
    "NBOR": "neighbor",
    "ROOM": "roommate",
    "GUARD": "guardian",
    "POWATT": "power of attorney",
    "HPOWATT": "healthcare power of attorney",
    "NOK": "next of kin",
    "ECON": "emergency contact",
    "CAREGIVER": "caregiver",
}
"""Accepted relationship codes and their display names."""


def relationship_code(raw: str) -> str | None:
    """The code as :data:`RELATIONSHIPS` spells it (``"mth"`` and ``" MTH "`` are ``"MTH"``), or
    ``None`` when it is not one of them."""
    code = raw.strip().upper()
    return code if code in RELATIONSHIPS else None


def display(code: str) -> str:
    """The display name of an accepted code (``"MTH"``: ``"mother"``)."""
    return RELATIONSHIPS[code]
