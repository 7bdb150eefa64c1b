"""ER7 HL7 v2 through python-hl7 (``hl7`` 0.4.5): what PRM reads of a message, and its ACK.

Reading (HL7 v2.5.1 chapter 2, "Message construction rules"):

- the text may start with a UTF-8 BOM and separate segments by CR, LF or CRLF: it is brought to
  CR-separated segments before parsing (python-hl7 splits on CR);
- a message is rejected (AR, with an ERR naming segment and field, table 0357 codes) when it does
  not start with MSH, its encoding characters (MSH-2) are not 4 or 5 distinct non-alphanumeric
  characters, a segment id is not three capitals or digits, a second MSH follows, python-hl7 cannot parse it, MSH-9
  (message code and trigger), MSH-10 or MSH-12 is empty, or a message type PRM applies lacks the
  segments it needs (PID; MRG for A40): a truncated message;
- fields are read with ``extract_field`` (unescaped; an absent field is empty).

The ACK is python-hl7's ``create_ack`` (original mode: MSH with sender and receiver swapped,
MSA-1 code, MSA-2 = MSH-10) plus one ERR per error: ERR-1 (ELD, for v2.4 and earlier), ERR-2 (ERL:
segment^1^field), ERR-3 (code^text^HL70357), ERR-4 severity ``E``, ERR-8 text. A message too broken
to parse gets the same ACK written from default separators, MSA-2 holding what MSH-10 could be read.
"""

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import quote

import hl7  # type: ignore[import-untyped]  # python-hl7 ships no type information
import hl7.datatypes  # type: ignore[import-untyped]
import hl7.exceptions  # type: ignore[import-untyped]

from prm.application.hl7.ports import (
    AdtContent,
    Hl7Codec,
    Inspection,
    ParsedSegment,
    PatientData,
    PatientIdentifierData,
    PhoneData,
    SiuContent,
)
from prm.domain.hl7.model import (
    APPLIED_TYPES,
    MAX_BATCH_MESSAGES,
    AckCode,
    Hl7Error,
    Hl7ErrorCode,
    Hl7Header,
    MalformedHl7Batch,
)
from prm.domain.shared.contact import Address, AddressUse, ContactPoint, ContactPointSystem, ContactPointUse
from prm.domain.shared.errors import RuleViolated
from prm.domain.shared.person import AdministrativeGender, HumanName

DEFAULT_MRN_SYSTEM = "urn:prm:mrn"
"""The MRN's system when PID-3 names no assigning authority (the patients context's default)."""
AUTHORITY_SYSTEM = "urn:prm:hl7:aa:"
"""Prefix of the system of an identifier whose assigning authority (CX-4) is a namespace id only."""

_PARSE_ERRORS = (
    hl7.exceptions.HL7Exception,
    IndexError,
    KeyError,
    ValueError,
    AssertionError,
    TypeError,
    AttributeError,
)
"""What python-hl7 raises on malformed input (it asserts on duplicate encoding characters)."""
_SEGMENT_ID = re.compile(r"^[A-Z][A-Z0-9]{2}$")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_MAX_REPETITIONS = 20
_REQUIRED_SEGMENTS = {
    "ADT^A40": ("PID", "MRG"),
    "SIU^S12": ("SCH", "PID"),
    "SIU^S13": ("SCH",),
    "SIU^S14": ("SCH",),
    "SIU^S15": ("SCH",),
    "SIU^S17": ("SCH",),
    "SIU^S26": ("SCH",),
}
"""Segments a message type PRM applies cannot do without (PID for the others): lacking one, it
is truncated. SIU^S12 books for the PID patient; the later SIU messages find their appointment
by SCH alone."""
_GENDERS = {
    "M": AdministrativeGender.MALE,
    "F": AdministrativeGender.FEMALE,
    "O": AdministrativeGender.OTHER,
    "U": AdministrativeGender.UNKNOWN,
    "A": AdministrativeGender.UNKNOWN,
    "N": AdministrativeGender.UNKNOWN,
}
"""HL7 table 0001 to FHIR AdministrativeGender as issue 14 asks: M male, F female, O other, and
U (unknown), A (ambiguous), N (not applicable) unknown; any other code is unknown too."""
_ADDRESS_USES = {"H": AddressUse.HOME, "B": AddressUse.WORK, "O": AddressUse.WORK, "C": AddressUse.TEMP}
_CODE_NAMES = {
    Hl7ErrorCode.SEGMENT_SEQUENCE: "Segment sequence error",
    Hl7ErrorCode.REQUIRED_FIELD_MISSING: "Required field missing",
    Hl7ErrorCode.DATA_TYPE: "Data type error",
    Hl7ErrorCode.UNSUPPORTED_MESSAGE_TYPE: "Unsupported message type",
    Hl7ErrorCode.UNSUPPORTED_EVENT: "Unsupported event code",
    Hl7ErrorCode.UNKNOWN_KEY: "Unknown key identifier",
    Hl7ErrorCode.APPLICATION_ERROR: "Application internal error",
}


def normalize(raw: str) -> str:
    """``raw`` without a BOM or blank lines, its segments separated (and ended) by CR; a NUL
    (which no HL7 text holds, nor PostgreSQL's ``text``) becomes U+FFFD."""
    text = raw.lstrip("\ufeff").replace("\x00", "\ufffd").replace("\r\n", "\r").replace("\n", "\r")
    segments = [s for s in text.split("\r") if s.strip()]
    return "\r".join(segments).lstrip() + ("\r" if segments else "")


def _field(segment: Any, number: int, repetition: int = 1, component: int = 1, sub: int = 1) -> str:
    try:
        return str(segment.extract_field(1, number, repetition, component, sub)).strip()
    except (IndexError, KeyError, AttributeError, TypeError):
        return ""


def _repetitions(segment: Any, number: int) -> int:
    try:
        value = segment(number)
    except (IndexError, KeyError, TypeError):
        return 0
    if isinstance(value, hl7.Field) and value and isinstance(value[0], hl7.Repetition):
        return min(len(value), _MAX_REPETITIONS)
    return 1 if str(value) else 0


def _error(segment: str, field: int | None, code: Hl7ErrorCode, text: str) -> Hl7Error:
    return Hl7Error(segment, field, code, text)


def _encoding_errors(text: str) -> tuple[Hl7Error, ...]:
    if not text.startswith("MSH") or len(text) < 8:
        return (_error("MSH", None, Hl7ErrorCode.SEGMENT_SEQUENCE, "the message does not begin with an MSH segment"),)
    separator = text[3]
    encoding = text[4:].split(separator, 1)[0].split("\r", 1)[0]
    if (
        separator.isalnum()
        or separator.isspace()
        or len(encoding) not in (4, 5)
        or len(set(encoding)) != len(encoding)
        or any(c.isalnum() or c.isspace() for c in encoding)
    ):
        return (_error("MSH", 2, Hl7ErrorCode.DATA_TYPE, "MSH-2 must hold 4 or 5 distinct encoding characters"),)
    return ()


def _bare_header(text: str) -> Hl7Header:
    """What can be read of MSH without python-hl7 (for the ACK of a message it cannot parse)."""
    if not text.startswith("MSH") or len(text) < 4:
        return Hl7Header()
    fields = text.split("\r", 1)[0].split(text[3])

    def get(n: int) -> str:  # MSH-n is fields[n - 1]: MSH-1 is the separator itself
        return fields[n - 1].strip() if len(fields) >= n else ""

    return Hl7Header(
        sending_application=get(3)[:255],
        sending_facility=get(4)[:255],
        control_id=get(10)[:199],
        version=get(12)[:16],
    )


def _header(msh: Any) -> Hl7Header:
    code, trigger = _field(msh, 9, 1, 1), _field(msh, 9, 1, 2)
    return Hl7Header(
        sending_application=str(msh(3)).strip()[:255] if len(msh) > 3 else "",
        sending_facility=str(msh(4)).strip()[:255] if len(msh) > 4 else "",
        message_type=f"{code}^{trigger}" if trigger else code,
        control_id=_field(msh, 10)[:199],
        version=_field(msh, 12, 1, 1)[:16],
    )


@lru_cache(maxsize=64)
def _parse(text: str) -> Any:
    """python-hl7's parse, remembered for the few latest texts: receiving a message inspects it,
    then acknowledges it (never changed in place: ``create_ack`` builds a new message)."""
    return hl7.parse(text)


class PythonHl7Codec(Hl7Codec):
    """:class:`Hl7Codec` with python-hl7."""

    def inspect(self, raw: str) -> Inspection:
        text = normalize(raw)
        errors = _encoding_errors(text)
        if not errors and "\ufffd" in text:
            errors = (_error("MSH", None, Hl7ErrorCode.DATA_TYPE, "the message is not text (NUL or invalid bytes)"),)
        if errors:
            return Inspection(text, _bare_header(text), errors)
        names = [s.split(text[3], 1)[0] for s in text.split("\r") if s]
        bad = next((i for i, name in enumerate(names, 1) if not _SEGMENT_ID.match(name)), None)
        if bad is not None:
            error = _error("MSH", None, Hl7ErrorCode.SEGMENT_SEQUENCE, f"segment {bad} has no valid segment id")
            return Inspection(text, _bare_header(text), (error,))
        if names.count("MSH") > 1:
            error = _error("MSH", None, Hl7ErrorCode.SEGMENT_SEQUENCE, "one message per request: a second MSH found")
            return Inspection(text, _bare_header(text), (error,))
        try:
            message = _parse(text)
            header = _header(message.segment("MSH"))
        except _PARSE_ERRORS:
            error = _error("MSH", None, Hl7ErrorCode.SEGMENT_SEQUENCE, "the message cannot be parsed")
            return Inspection(text, _bare_header(text), (error,))
        found: list[Hl7Error] = []
        if not _field(message.segment("MSH"), 9, 1, 1) or not _field(message.segment("MSH"), 9, 1, 2):
            found.append(
                _error("MSH", 9, Hl7ErrorCode.REQUIRED_FIELD_MISSING, "MSH-9 needs a message code and trigger event")
            )
        if not header.control_id:
            found.append(_error("MSH", 10, Hl7ErrorCode.REQUIRED_FIELD_MISSING, "MSH-10 message control id is empty"))
        if not header.version:
            found.append(_error("MSH", 12, Hl7ErrorCode.REQUIRED_FIELD_MISSING, "MSH-12 version id is empty"))
        if header.message_type in APPLIED_TYPES:
            for name in _REQUIRED_SEGMENTS.get(header.message_type, ("PID",)):
                if name not in names:
                    found.append(
                        _error(name, None, Hl7ErrorCode.SEGMENT_SEQUENCE, f"segment {name} is missing (truncated?)")
                    )
        return Inspection(text, header, tuple(found))

    def ack(self, inspection: Inspection, code: AckCode, errors: Sequence[Hl7Error]) -> str:
        text = inspection.text
        try:
            if _encoding_errors(text):
                raise ValueError("no usable encoding characters")
            message = _parse(text)
            ack = str(message.create_ack(code.value))
            separators = text[3] + text[4:8]
        except _PARSE_ERRORS:  # too broken for python-hl7: written from default separators
            ack = self._bare_ack(inspection, code)
            separators = "|^~\\&"
        if errors:
            fields = ack.split("\r")
            msa = fields[1].split(separators[0])
            msa[3:] = [_escape(errors[0].text, separators)]
            fields[1] = separators[0].join(msa[:4])
            ack = "\r".join(fields)
        return ack + "".join(_err_segment(error, inspection.header.version, separators) + "\r" for error in errors)

    @staticmethod
    def _bare_ack(inspection: Inspection, code: AckCode) -> str:
        header = inspection.header
        now = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        safe = [_escape(v, "|^~\\&") for v in (header.sending_application, header.sending_facility, header.control_id)]
        msh = f"MSH|^~\\&|PRM|PRM|{safe[0]}|{safe[1]}|{now}||ACK|{now}{abs(hash(header.control_id)) % 10**6}|P|2.5"
        return f"{msh}\rMSA|{code.value}|{safe[2]}\r"

    def segments(self, text: str) -> tuple[ParsedSegment, ...]:
        try:
            message = _parse(text)
        except _PARSE_ERRORS:  # a rejected message may not parse: shown raw only
            return ()
        found = []
        for segment in message:
            name = str(segment[0])
            fields = [str(f) for f in segment[1:]]
            if name == "MSH" and fields:
                fields = [text[3], *fields[1:]] if fields[0] == text[3] else [text[3], *fields]
            found.append(ParsedSegment(name, tuple(fields)))
        return tuple(found)

    def split_batch(self, raw: str) -> tuple[str, ...]:
        text = normalize(raw)
        if not text:
            raise MalformedHl7Batch("the batch is empty", field="body")
        try:
            container = hl7.parse_file(text) if text.startswith("FHS") else hl7.parse_batch(text)
        except _PARSE_ERRORS as exc:
            raise MalformedHl7Batch(_batch_reason(exc), field="body") from None
        batches = list(container) if text.startswith("FHS") else [container]
        messages = tuple(str(message).rstrip("\r") + "\r" for batch in batches for message in batch)
        if not messages:
            raise MalformedHl7Batch("the batch holds no message (MSH)", field="body")
        if len(messages) > MAX_BATCH_MESSAGES:
            raise MalformedHl7Batch(f"a batch holds at most {MAX_BATCH_MESSAGES} messages", field="body")
        return messages

    def adt(self, text: str, phone_region: str) -> AdtContent:
        message = _parse(text)
        msh = message.segment("MSH")
        trigger = _field(msh, 9, 1, 2)
        patients = tuple(_patient(pid, phone_region) for pid in _all(message, "PID"))
        merged: tuple[PatientIdentifierData | None, ...] = ()
        errors: list[Hl7Error] = []
        if trigger == "A40":
            mrgs = list(_all(message, "MRG"))
            merged = tuple(_first_identifier(mrg, 1) for mrg in mrgs)
            if len(mrgs) != len(patients):
                errors.append(_error("MRG", None, Hl7ErrorCode.SEGMENT_SEQUENCE, "each PID needs its MRG"))
        occurred = _datetime(_field(_first(message, "EVN"), 2)) or _datetime(_field(msh, 7))
        visit = _field(_first(message, "PV1"), 19)
        for index, patient in enumerate(patients):
            if not patient.identifiers:
                errors.append(_error("PID", 3, Hl7ErrorCode.REQUIRED_FIELD_MISSING, f"PID #{index + 1} has no PID-3"))
        return AdtContent(
            trigger=trigger,
            patients=patients,
            merged=merged,
            encounter_id=visit[:255] or None,
            occurred_at=occurred,
            errors=tuple(errors),
        )

    def siu(self, text: str, phone_region: str) -> SiuContent:
        from prm.adapters.hl7.siu import read_siu  # siu.py reads with this module's helpers

        return read_siu(_parse(text), phone_region)


_BATCH_REASONS = (
    ("before message header", "a segment comes before its message's MSH"),
    ("more than one BHS", "a batch holds a second BHS (a BHS inside a message?)"),
    ("more than one FHS", "a file holds a second FHS (an FHS inside a message?)"),
)


def _batch_reason(exc: Exception) -> str:
    """Why python-hl7 could not split a batch, without the segment it quotes (PHI)."""
    text = str(exc)
    return next((reason for key, reason in _BATCH_REASONS if key in text), "the batch cannot be parsed")


def _escape(value: str, separators: str) -> str:
    escape = separators[3]
    names = {separators[0]: "F", separators[1]: "S", separators[2]: "R", separators[3]: "E"}
    if len(separators) > 4:
        names[separators[4]] = "T"
    return "".join(f"{escape}{names[c]}{escape}" if c in names else c for c in value)


def _err_segment(error: Hl7Error, version: str, separators: str) -> str:
    fs, cs, sub = separators[0], separators[1], separators[4]
    position = str(error.field) if error.field is not None else ""
    name = _CODE_NAMES[error.code]
    eld = f"{error.segment}{cs}1{cs}{position}{cs}{error.code.value}{sub}{name}{sub}HL70357"
    erl = f"{error.segment}{cs}1{cs}{position}" if position else f"{error.segment}{cs}1"
    code = f"{error.code.value}{cs}{name}{cs}HL70357"
    text = _escape(error.text, separators[:4])
    del version  # ERR-1 and ERR-2 are both written: readers of any version find one
    return fs.join(["ERR", eld, erl, code, "E", "", "", "", text])


def _all(message: Any, name: str) -> list[Any]:
    try:
        return list(message.segments(name))
    except KeyError:
        return []


def _first(message: Any, name: str) -> Any:
    found = _all(message, name)
    return found[0] if found else None


def _datetime(value: str) -> datetime | None:
    if not value:
        return None
    try:
        moment = hl7.datatypes.parse_datetime(value)
    except (ValueError, TypeError):
        return None
    if not isinstance(moment, datetime):
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _system(segment: Any, field: int, repetition: int, is_mrn: bool) -> str:
    namespace = _field(segment, field, repetition, 4, 1)
    universal, kind = _field(segment, field, repetition, 4, 2), _field(segment, field, repetition, 4, 3)
    if universal and kind.upper() == "ISO":
        return f"urn:oid:{universal}"
    if namespace:
        return AUTHORITY_SYSTEM + quote(namespace, safe="")
    return DEFAULT_MRN_SYSTEM if is_mrn else AUTHORITY_SYSTEM + "unknown"


def _identifiers(segment: Any, field: int) -> list[PatientIdentifierData]:
    found = []
    for repetition in range(1, _repetitions(segment, field) + 1):
        value = _field(segment, field, repetition, 1)
        if value:
            kind = _field(segment, field, repetition, 5) or None
            found.append((repetition, value, kind))
    mrn = next((f for f in found if f[2] == "MR"), found[0] if found else None)
    result: list[PatientIdentifierData] = []
    seen: set[tuple[str, str]] = set()
    for repetition, value, kind in sorted(found, key=lambda f: f is not mrn):
        is_mrn = (repetition, value, kind) == mrn
        system = _system(segment, field, repetition, is_mrn)
        if (system, value) in seen:
            continue
        seen.add((system, value))
        result.append(PatientIdentifierData(value, system, kind if is_mrn or kind != "MR" else None))
    return result


def _first_identifier(segment: Any, field: int) -> PatientIdentifierData | None:
    found = _identifiers(segment, field)
    return found[0] if found else None


def _name(pid: Any) -> HumanName | None:
    count = _repetitions(pid, 5)
    chosen = next((r for r in range(1, count + 1) if _field(pid, 5, r, 7) == "L"), 1)
    family = _field(pid, 5, chosen, 1, 1)
    given = tuple(v for v in (_field(pid, 5, chosen, 2), _field(pid, 5, chosen, 3)) if v)
    if not family and not given:
        return None
    suffix = tuple(v for v in (_field(pid, 5, chosen, 4),) if v)
    prefix = tuple(v for v in (_field(pid, 5, chosen, 5),) if v)
    return HumanName(given=given, family=family or None, prefix=prefix, suffix=suffix)


def _birth_date(pid: Any, warnings: list[Hl7Error]) -> date | None:
    value = _field(pid, 7)
    if not value:
        return None
    digits = value[:8]
    try:
        if len(digits) < 8 or not digits.isdigit():
            raise ValueError(value)
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        warnings.append(_error("PID", 7, Hl7ErrorCode.DATA_TYPE, "PID-7 is not a full date: birth date left out"))
        return None


def _addresses(pid: Any) -> tuple[Address, ...]:
    found = []
    for r in range(1, _repetitions(pid, 11) + 1):
        street = " ".join(v for v in (_field(pid, 11, r, 1, sub) for sub in (1, 2, 3)) if v)  # SAD.1-3
        line = tuple(v for v in (street, _field(pid, 11, r, 2)) if v)
        address = Address(
            use=_ADDRESS_USES.get(_field(pid, 11, r, 7)),
            line=line,
            city=_field(pid, 11, r, 3) or None,
            state=_field(pid, 11, r, 4) or None,
            postal_code=_field(pid, 11, r, 5) or None,
            country=_field(pid, 11, r, 6) or None,
            district=_field(pid, 11, r, 9) or None,
        )
        if not address.is_empty() and address not in found:
            found.append(address)
    return tuple(found)


def _phones(pid: Any, region: str, warnings: list[Hl7Error]) -> tuple[PhoneData, ...]:
    found: list[PhoneData] = []
    seen: set[tuple[ContactPointSystem, str]] = set()
    for field, default_use in ((13, ContactPointUse.HOME), (14, ContactPointUse.WORK)):
        for r in range(1, _repetitions(pid, field) + 1):
            use_code, equipment = _field(pid, field, r, 2), _field(pid, field, r, 3)
            if equipment in ("Internet", "X.400") or use_code == "NET":
                system, value = ContactPointSystem.EMAIL, _field(pid, field, r, 4) or _field(pid, field, r, 1)
            else:
                system = {"FX": ContactPointSystem.FAX, "BP": ContactPointSystem.PAGER}.get(
                    equipment, ContactPointSystem.PHONE
                )
                local = _field(pid, field, r, 7)
                composed = (
                    "".join(v for v in (_country(_field(pid, field, r, 5)), _field(pid, field, r, 6), local) if v)
                    if local
                    else ""
                )
                value = _field(pid, field, r, 12) or _field(pid, field, r, 1) or composed
            if not value:
                continue
            use = ContactPointUse.MOBILE if equipment == "CP" else default_use
            try:
                point = ContactPoint.create(system=system, value=value, use=use, default_region=region)
            except RuleViolated:
                warnings.append(
                    _error("PID", field, Hl7ErrorCode.DATA_TYPE, f"a PID-{field} entry is not valid and was left out")
                )
                continue
            if (point.system, point.value) not in seen:
                seen.add((point.system, point.value))
                found.append(PhoneData(point.value, point.system, use))
    return tuple(found)


def _country(code: str) -> str:
    return f"+{code.lstrip('+')}" if code else ""


def _language(pid: Any, warnings: list[Hl7Error]) -> str | None:
    code = _field(pid, 15, 1, 1)
    if not code:
        return None
    if not _LANGUAGE.match(code):
        warnings.append(_error("PID", 15, Hl7ErrorCode.DATA_TYPE, "PID-15 is not a language code: left out"))
        return None
    return code.lower()


def _patient(pid: Any, region: str) -> PatientData:
    warnings: list[Hl7Error] = []
    identifiers = _identifiers(pid, 3) or _identifiers(pid, 2)
    try:
        name = _name(pid)
    except RuleViolated:
        name = None
        warnings.append(_error("PID", 5, Hl7ErrorCode.DATA_TYPE, "PID-5 is not a usable name: left out"))
    sex = _field(pid, 8)
    gender = _GENDERS.get(sex.upper(), AdministrativeGender.UNKNOWN) if sex else None
    return PatientData(
        identifiers=tuple(identifiers),
        name=name,
        gender=gender,
        birth_date=_birth_date(pid, warnings),
        addresses=_addresses(pid),
        phones=_phones(pid, region, warnings),
        language=_language(pid, warnings),
        warnings=tuple(warnings),
    )


def decode(data: bytes) -> str:
    """Bytes as received (HTTP body, MLLP block) to text: UTF-8 (a BOM is dropped later), else
    ISO-8859-1, the usual 8-bit character set of HL7 feeds (MSH-18 ``8859/1``)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")
