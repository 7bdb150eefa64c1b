"""Reading one value of a Synthea CSV cell: codes, dates, phones, and how a bad one is reported.

A value that makes its row unusable raises :class:`BadValueError` (the row is rejected); one
that is only wrong in an optional column is read as absent and described by a
:class:`~prm.application.shared.imports.ValueWarning`. Either way the report quotes at most the
bad value, cut to :data:`LONGEST_QUOTE` characters, never the rest of the row.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import TypeVar

import phonenumbers

from prm.application.shared.imports import Rejection, ValueWarning
from prm.domain.shared.person import AdministrativeGender

LONGEST_QUOTE = 24  # a quoted bad value is cut here (a date-time fits): never dump a stray text
LEFT_OUT = "left out"

_GENDERS = {"M": AdministrativeGender.MALE, "F": AdministrativeGender.FEMALE, "": AdministrativeGender.UNKNOWN}

Report = TypeVar("Report", Rejection, ValueWarning)

_SCIENTIFIC = re.compile(r"^\s*\d(?:\.\d+)?[eE]\+\d+\s*$")  # 4.42076E+11: what a spreadsheet made of a number


class BadValueError(Exception):
    """The value of ``column`` makes the row unusable; ``reason`` says why."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


def quote(value: str, longest: int = LONGEST_QUOTE) -> str:
    """``value`` as a Python literal, cut to ``longest`` characters (``'…'`` marks a cut)."""
    if len(value) > longest:
        value = value[:longest] + "…"
    return repr(value)


def gender(value: str) -> AdministrativeGender | None:
    """``M`` male, ``F`` female, blank unknown (any case); ``None`` for another code."""
    return _GENDERS.get(value.upper())


def gender_note(value: str) -> str:
    return f"not a gender code {quote(value)} (M or F): {LEFT_OUT} (gender unknown)"


def iso_date(value: str) -> date | None:
    """An ISO date ``YYYY-MM-DD`` (a date-time's date part is taken); blank is ``None``. Raises
    ``ValueError`` for anything else."""
    if not value:
        return None
    text = value[:10] if len(value) > 10 and value[10] == "T" else value
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        return date.fromisoformat(text)
    raise ValueError(value)


@dataclass(frozen=True, slots=True)
class PhoneReading:
    """A phone cell read: ``value`` in E.164 (``None``: none usable), ``note`` (``None``: read
    cleanly) saying what was done with a cell that does not hold exactly one valid number, and
    ``lossy``: part of the cell (or all of it) did not make it into ``value``."""

    value: str | None
    note: str | None = None
    lossy: bool = False


def read_phone(raw: str, region: str, *, region_known: bool) -> PhoneReading:
    """The phone number in ``raw``, for a row whose country is ``region`` (ISO 3166-1 alpha-2;
    ``region_known`` says whether it is the row's own country or only the tenant's region).

    The cell is parsed with libphonenumber (``phonenumbers``): numbers without ``+`` and a country
    code are read in ``region``. A cell holding several numbers (``508-999-6920 Or
    508-999-6920``, ``+442392794753;+442392794754``) gives its first valid one, with a note; a
    cell with none (``871-595-3366`` in the US, a spreadsheet's ``4.42076E+11``) gives ``None``
    and a note. Blank is ``None`` without a note.
    """
    if not raw:
        return PhoneReading(None)
    where = region if region_known else f"{region} (the tenant's region: the row's country is not known)"
    try:
        number = phonenumbers.parse(raw, region)
        if phonenumbers.is_valid_number(number):
            return PhoneReading(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    except phonenumbers.NumberParseException:
        pass
    found = [match.number for match in phonenumbers.PhoneNumberMatcher(raw, region)]
    if not found:
        hint = " (a spreadsheet's number format: digits are lost)" if _SCIENTIFIC.match(raw) else ""
        return PhoneReading(None, f"not a valid phone number in {where} {quote(raw)}{hint}: {LEFT_OUT}", lossy=True)
    first = phonenumbers.format_number(found[0], phonenumbers.PhoneNumberFormat.E164)
    distinct = {phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164) for n in found}
    if len(distinct) == 1 and len(found) > 1:
        return PhoneReading(first, f"holds the same number {len(found)} times: kept once")
    if len(found) > 1:
        return PhoneReading(first, f"holds {len(found)} phone numbers: the first is kept", lossy=True)
    return PhoneReading(first, "holds more than a phone number: the number is kept", lossy=True)


def in_columns(report: Report, columns: Mapping[str, str]) -> Report:
    """``report`` with its field (a dotted domain path such as ``organization.phone``) named by
    the CSV column in ``columns`` that holds it: the whole path if ``columns`` has it, else its
    first part, the rest of the path then going in front of the reason. A field with no column is
    left as it is."""
    if report.field is None:
        return report
    if report.field in columns:
        return replace(report, field=columns[report.field])
    head, _, rest = report.field.partition(".")
    column = columns.get(head)
    if column is None:
        return report
    return replace(report, field=column, reason=f"{rest}: {report.reason}" if rest else report.reason)
