"""Contact value objects in FHIR R4 terms: ContactPoint, Address.

Phones are kept in E.164 (``+14155552671``), parsed with Google's libphonenumber port
(``phonenumbers``) against a default region for numbers typed without a country code. Emails are
checked for syntax with ``email-validator`` (no DNS look-up) and stored with the domain part
lower-cased.
"""

from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from prm.domain.shared.errors import RuleViolated


class InvalidPhoneNumber(RuleViolated):
    code = "prm.invalid_phone_number"


class InvalidEmail(RuleViolated):
    code = "prm.invalid_email"


class InvalidRegion(RuleViolated):
    code = "prm.invalid_region"


class ContactPointSystem(StrEnum):
    """FHIR R4 ContactPointSystem (http://hl7.org/fhir/contact-point-system)."""

    PHONE = "phone"
    FAX = "fax"
    EMAIL = "email"
    PAGER = "pager"
    URL = "url"
    SMS = "sms"
    OTHER = "other"


class ContactPointUse(StrEnum):
    """FHIR R4 ContactPointUse (http://hl7.org/fhir/contact-point-use)."""

    HOME = "home"
    WORK = "work"
    TEMP = "temp"
    OLD = "old"
    MOBILE = "mobile"


_PHONE_LIKE = frozenset(
    {ContactPointSystem.PHONE, ContactPointSystem.FAX, ContactPointSystem.SMS, ContactPointSystem.PAGER}
)


def check_region(region: str) -> str:
    """Return ``region`` upper-cased if libphonenumber knows it (ISO 3166-1 alpha-2, e.g. ``"GB"``).

    Raises :class:`InvalidRegion` otherwise.
    """
    upper = region.upper()
    if upper not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidRegion(f"unknown phone region {region!r}: use an ISO 3166-1 alpha-2 code such as 'US'")
    return upper


def normalize_phone(raw: str, default_region: str, *, field: str | None = None) -> str:
    """Return ``raw`` as an E.164 string (``"+441632960983"``).

    ``default_region`` (ISO 3166-1 alpha-2) applies to numbers typed without ``+`` and country
    code. Normalising an E.164 string returns it unchanged. Raises :class:`InvalidPhoneNumber`
    (naming ``field``) when the text is not a possible, valid number for its region.
    """
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber(f"not a phone number: {exc}", field=field) from exc
    if not _is_valid(number, default_region):
        raise InvalidPhoneNumber(
            f"not a valid phone number (numbers without a +country code are read as {default_region} numbers)",
            field=field,
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _is_valid(number: phonenumbers.PhoneNumber, default_region: str) -> bool:
    """``phonenumbers.is_valid_number``, asking the default region first: a number valid there is
    valid (10 µs), and most numbers are the tenant's own; the full check first finds the region
    among every region of the country code (about 25 for +1)."""
    return phonenumbers.is_valid_number_for_region(number, default_region) or phonenumbers.is_valid_number(number)


def phone_search_digits(query: str, default_region: str) -> str:
    """Digits to look for among stored E.164 phones, whatever format the user typed.

    A complete number (``"(617) 492-3500"``, ``"+1 617 492 3500"``, ``"0161 496 0000"`` in GB)
    becomes its E.164 digits; a fragment (``"492-35"``) becomes its bare digits with national
    trunk zeros removed, for a substring match. Returns ``""`` when the query has no digits.
    """
    try:
        number = phonenumbers.parse(query, default_region)
        if _is_valid(number, default_region):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)[1:]
    except phonenumbers.NumberParseException:
        pass
    digits = "".join(ch for ch in query if ch.isdigit())
    return digits.lstrip("0") if not query.lstrip().startswith("+") else digits


def complete_phone(query: str, default_region: str) -> str | None:
    """The E.164 form of ``query`` when it is a whole, valid number (in any format; without a
    ``+country`` it is read in ``default_region``), else ``None`` (a fragment, or not a number)."""
    try:
        number = phonenumbers.parse(query, default_region)
    except phonenumbers.NumberParseException:
        return None
    if not _is_valid(number, default_region):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw: str, *, field: str | None = None) -> str:
    """Return the normalised address (domain lower-cased, IDNA); syntax only, no DNS.

    Raises :class:`InvalidEmail` naming ``field``.
    """
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidEmail(f"not a valid email address: {exc}", field=field) from exc


@dataclass(frozen=True, slots=True)
class ContactPoint:
    """FHIR R4 ContactPoint: a phone (E.164), email or other channel of contact."""

    system: ContactPointSystem
    value: str
    use: ContactPointUse | None = None
    rank: int | None = None

    @classmethod
    def create(
        cls,
        *,
        system: ContactPointSystem,
        value: str,
        use: ContactPointUse | None = None,
        rank: int | None = None,
        default_region: str,
        field: str | None = None,
        value_field: str | None = None,
    ) -> "ContactPoint":
        """Validate and normalise: phone-like systems to E.164, emails to normal form.

        Raises :class:`InvalidPhoneNumber` / :class:`InvalidEmail` naming ``value_field`` (default
        ``field + ".value"``), and :class:`RuleViolated` for a rank below 1.
        """
        value_field = value_field or (f"{field}.value" if field else None)
        if system in _PHONE_LIKE:
            value = normalize_phone(value, default_region, field=value_field)
        elif system is ContactPointSystem.EMAIL:
            value = normalize_email(value, field=value_field)
        else:
            value = value.strip()
            if not value:
                raise RuleViolated("contact point value must not be empty", field=value_field)
        if rank is not None and rank < 1:
            raise RuleViolated(
                "rank must be 1 or more (1 is the most preferred)", field=f"{field}.rank" if field else None
            )
        return cls(system=system, value=value, use=use, rank=rank)

    @property
    def is_phone(self) -> bool:
        return self.system in _PHONE_LIKE


class AddressUse(StrEnum):
    """FHIR R4 AddressUse (http://hl7.org/fhir/address-use)."""

    HOME = "home"
    WORK = "work"
    TEMP = "temp"
    OLD = "old"
    BILLING = "billing"


@dataclass(frozen=True, slots=True, kw_only=True)
class Address:
    """FHIR R4 Address (postal). ``country`` is an ISO 3166 code or name as given."""

    use: AddressUse | None = None
    line: tuple[str, ...] = ()
    city: str | None = None
    district: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None

    def is_empty(self) -> bool:
        return not (self.line or self.city or self.district or self.state or self.postal_code or self.country)
