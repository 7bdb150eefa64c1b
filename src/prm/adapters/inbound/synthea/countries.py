"""The country a Synthea row lives in, and the identifier systems that go with it.

Synthea's CSV files have no country column: a US export writes the state's name in
``patients.STATE`` (``Massachusetts``) and its USPS code in ``providers.STATE`` and
``organizations.STATE`` (``MA``); an export made with a ``synthea-international`` set-up writes that
set-up's region there instead, which for some is the country itself (``UnitedKingdom``). So a
row's country is, in this order:

1. its ``COUNTRY`` column, when the file has one (exports that were post-processed): an
   ISO 3166-1 alpha-2 code (``GB``) or one of the names below;
2. the country ``STATE`` names: a US state, district or territory (name or USPS code) is ``US``;
   a country name (``United Kingdom``, ``UnitedKingdom``, ``England``, ``Deutschland`` ...) is
   that country;
3. otherwise unknown (``None``): a region of another country (``Bayern``) is not guessed at.

Names are matched without case, spaces or punctuation. The tables are deliberately small: a
country missing here only means the tenant's phone region is used for that export's phones.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass

import phonenumbers

US = "US"

_US_STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
    "CT": "Connecticut", "DE": "Delaware", "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho",
    "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York", "NC": "North Carolina",
    "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas",
    "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington", "WV": "West Virginia",
    "WI": "Wisconsin", "WY": "Wyoming", "DC": "District of Columbia", "PR": "Puerto Rico", "GU": "Guam",
    "VI": "U.S. Virgin Islands", "AS": "American Samoa", "MP": "Northern Mariana Islands",
}  # fmt: skip
"""USPS codes of the 50 states, DC and the inhabited territories, with their names."""

_COUNTRY_NAMES = {
    "US": ("United States", "United States of America", "USA"),
    "GB": ("United Kingdom", "Great Britain", "UK", "England", "Scotland", "Wales", "Northern Ireland"),
    "IE": ("Ireland",),
    "CA": ("Canada",),
    "AU": ("Australia",),
    "NZ": ("New Zealand",),
    "DE": ("Germany", "Deutschland"),
    "AT": ("Austria", "Österreich"),
    "CH": ("Switzerland",),
    "FR": ("France",),
    "BE": ("Belgium",),
    "NL": ("Netherlands", "The Netherlands", "Nederland"),
    "LU": ("Luxembourg",),
    "ES": ("Spain", "España"),
    "PT": ("Portugal",),
    "IT": ("Italy", "Italia"),
    "DK": ("Denmark", "Danmark"),
    "SE": ("Sweden", "Sverige"),
    "NO": ("Norway", "Norge"),
    "FI": ("Finland", "Suomi"),
    "EE": ("Estonia",),
    "LV": ("Latvia",),
    "LT": ("Lithuania",),
    "PL": ("Poland", "Polska"),
    "CZ": ("Czechia", "Czech Republic"),
    "SK": ("Slovakia",),
    "HU": ("Hungary",),
    "SI": ("Slovenia",),
    "HR": ("Croatia",),
    "RO": ("Romania",),
    "BG": ("Bulgaria",),
    "GR": ("Greece",),
    "CY": ("Cyprus",),
    "MT": ("Malta",),
    "BR": ("Brazil", "Brasil"),
    "MX": ("Mexico", "México"),
    "IN": ("India",),
    "SG": ("Singapore",),
}
"""Countries by ISO 3166-1 alpha-2 code, with English (and own) names: those of the
``synthea-international`` set-ups and a few more."""


def _key(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


_BY_STATE: Mapping[str, str] = {
    **{_key(name): US for name in _US_STATES.values()},
    **{_key(code): US for code in _US_STATES},
    **{_key(name): code for code, names in _COUNTRY_NAMES.items() for name in names if code != US},
    **{_key(name): US for name in _COUNTRY_NAMES[US]},
}
_BY_COUNTRY: Mapping[str, str] = {
    **{_key(name): code for code, names in _COUNTRY_NAMES.items() for name in names},
    **{_key(code): code for code in phonenumbers.SUPPORTED_REGIONS},
}


class CountryOf:
    """``country_of(state, country)``: the ISO 3166-1 alpha-2 code of a row's country, or
    ``None`` when unknown (see the module docstring). Remembers the few distinct values an
    export has, so that a row costs one dictionary look-up."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], str | None] = {}

    def __call__(self, state: str, country: str = "") -> str | None:
        key = (state, country)
        try:
            return self._seen[key]
        except KeyError:
            pass
        found = _BY_COUNTRY.get(_key(country)) if country else None
        if found is None and state:
            found = _BY_STATE.get(_key(state))
        self._seen[key] = found
        return found


# --- identifiers --------------------------------------------------------------------------------

SYNTHEA_SYSTEM = "https://github.com/synthetichealth/synthea"
"""The system of Synthea's own ids (its FHIR export gives the patient this identifier too)."""

SSN_SYSTEM = "http://hl7.org/fhir/sid/us-ssn"
DRIVERS_SYSTEM = "urn:oid:2.16.840.1.113883.4.3.25"
PASSPORT_SYSTEM = "http://standardhealthrecord.org/fhir/StructureDefinition/passportNumber"
"""Identifier systems as Synthea's FHIR R4 export writes them (``Patient.identifier``), for US data."""


@dataclass(frozen=True, slots=True)
class IdentifierSystems:
    """The ``(system, v2-0203 type)`` of the ``SSN``, ``DRIVERS`` and ``PASSPORT`` columns."""

    ssn: tuple[str, str]
    drivers: tuple[str, str]
    passport: tuple[str, str]


US_SYSTEMS = IdentifierSystems((SSN_SYSTEM, "SS"), (DRIVERS_SYSTEM, "DL"), (PASSPORT_SYSTEM, "PPN"))


def identifier_systems(country: str | None) -> IdentifierSystems:
    """The systems of a row's identifiers by its country.

    US rows get the systems of Synthea's FHIR export. For another country Synthea still writes
    its own made-up numbers (``999-…`` SSNs, ``S999…`` licences) rather than that country's
    real identifiers, so they are not labelled as the national ones (an NHS number has a check
    digit that ``999-52-7304`` fails): they get systems in Synthea's namespace qualified by the
    country (``…/synthea/identifier/ssn/GB``, type ``NI``, a national person identifier), which
    keeps them apart from real national numbers and from US SSNs. A row whose country is not
    known gets the same systems without the country part (``…/synthea/identifier/ssn``,
    type ``SS``, as the column says): not the US system, which would claim the number is a US SSN.
    """
    if country == US:
        return US_SYSTEMS
    return _other_systems(country)


_OTHER: dict[str | None, IdentifierSystems] = {}


def _other_systems(country: str | None) -> IdentifierSystems:
    found = _OTHER.get(country)
    if found is None:
        suffix = f"/{country}" if country else ""
        base = f"{SYNTHEA_SYSTEM}/identifier"
        found = IdentifierSystems(
            (f"{base}/ssn{suffix}", "NI" if country else "SS"),
            (f"{base}/drivers{suffix}", "DL"),
            (f"{base}/passport{suffix}", "PPN"),
        )
        _OTHER[country] = found
    return found
