"""ER7 HL7 v2 through python-hl7 (``hl7`` 0.4.5): what PRM reads of a message, and its ACK.

Reading (HL7 v2.5.1 chapter 2, "Message construction rules"):

- the text may start with a UTF-8 BOM and separate segments by CR, LF or CRLF: it is brought to
  CR-separated segments before parsing (python-hl7 splits on CR);
- a message is rejected (AR, with an ERR naming segment and field, table 0357 codes) when it does
  not start with MSH, its encoding characters (MSH-2) are not 4 or 5 distinct non-alphanumeric
  characters, a segment id is not three capitals or digits, a second MSH follows, python-hl7 cannot parse its MSH, MSH-9
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
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import hl7  # type: ignore[import-untyped]  # python-hl7 ships no type information
import hl7.datatypes  # type: ignore[import-untyped]
import hl7.exceptions  # type: ignore[import-untyped]

from prm.adapters.hl7.pid import first_identifier, patient_of
from prm.adapters.hl7.segments import all_segments, first_segment, hl7_datetime, value_at
from prm.application.hl7.ports import (
    AdtContent,
    Hl7Codec,
    Inspection,
    ParsedSegment,
    PatientIdentifierData,
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


def _encoding_errors(text: str) -> tuple[Hl7Error, ...]:
    if not text.startswith("MSH") or len(text) < 8:
        return (Hl7Error("MSH", None, Hl7ErrorCode.SEGMENT_SEQUENCE, "the message does not begin with an MSH segment"),)
    separator = text[3]
    encoding = text[4:].split(separator, 1)[0].split("\r", 1)[0]
    if (
        separator.isalnum()
        or separator.isspace()
        or len(encoding) not in (4, 5)
        or len(set(encoding)) != len(encoding)
        or any(c.isalnum() or c.isspace() for c in encoding)
    ):
        return (Hl7Error("MSH", 2, Hl7ErrorCode.DATA_TYPE, "MSH-2 must hold 4 or 5 distinct encoding characters"),)
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
    code, trigger = value_at(msh, 9, 1, 1), value_at(msh, 9, 1, 2)
    return Hl7Header(
        sending_application=str(msh(3)).strip()[:255] if len(msh) > 3 else "",
        sending_facility=str(msh(4)).strip()[:255] if len(msh) > 4 else "",
        message_type=f"{code}^{trigger}" if trigger else code,
        control_id=value_at(msh, 10)[:199],
        version=value_at(msh, 12, 1, 1)[:16],
    )


@lru_cache(maxsize=64)
def _parse(text: str) -> Any:
    """python-hl7's parse, remembered for the few latest texts: receiving a message inspects it,
    then acknowledges it (never changed in place: ``create_ack`` builds a new message)."""
    return hl7.parse(text)


def _parse_header(text: str) -> Any:
    """The message of ``text``'s MSH segment alone: all that receiving and acknowledging read.
    The other segments are parsed when the message is applied: once MSH and every segment id
    are sound, python-hl7 only splits them (nothing in them can fail to parse)."""
    return _parse(text.split("\r", 1)[0])


class PythonHl7Codec(Hl7Codec):
    """:class:`Hl7Codec` with python-hl7."""

    def inspect(self, raw: str) -> Inspection:
        text = normalize(raw)
        errors = _encoding_errors(text)
        if not errors and "\ufffd" in text:
            errors = (Hl7Error("MSH", None, Hl7ErrorCode.DATA_TYPE, "the message is not text (NUL or invalid bytes)"),)
        if errors:
            return Inspection(text, _bare_header(text), errors)
        names = [s.split(text[3], 1)[0] for s in text.split("\r") if s]
        bad = next((i for i, name in enumerate(names, 1) if not _SEGMENT_ID.match(name)), None)
        if bad is not None:
            error = Hl7Error("MSH", None, Hl7ErrorCode.SEGMENT_SEQUENCE, f"segment {bad} has no valid segment id")
            return Inspection(text, _bare_header(text), (error,))
        if names.count("MSH") > 1:
            error = Hl7Error("MSH", None, Hl7ErrorCode.SEGMENT_SEQUENCE, "one message per request: a second MSH found")
            return Inspection(text, _bare_header(text), (error,))
        try:
            message = _parse_header(text)
            header = _header(message.segment("MSH"))
        except _PARSE_ERRORS:
            error = Hl7Error("MSH", None, Hl7ErrorCode.SEGMENT_SEQUENCE, "the message cannot be parsed")
            return Inspection(text, _bare_header(text), (error,))
        found: list[Hl7Error] = []
        if not value_at(message.segment("MSH"), 9, 1, 1) or not value_at(message.segment("MSH"), 9, 1, 2):
            found.append(
                Hl7Error("MSH", 9, Hl7ErrorCode.REQUIRED_FIELD_MISSING, "MSH-9 needs a message code and trigger event")
            )
        if not header.control_id:
            found.append(Hl7Error("MSH", 10, Hl7ErrorCode.REQUIRED_FIELD_MISSING, "MSH-10 message control id is empty"))
        if not header.version:
            found.append(Hl7Error("MSH", 12, Hl7ErrorCode.REQUIRED_FIELD_MISSING, "MSH-12 version id is empty"))
        if header.message_type in APPLIED_TYPES:
            for name in _REQUIRED_SEGMENTS.get(header.message_type, ("PID",)):
                if name not in names:
                    found.append(
                        Hl7Error(name, None, Hl7ErrorCode.SEGMENT_SEQUENCE, f"segment {name} is missing (truncated?)")
                    )
        return Inspection(text, header, tuple(found))

    def ack(self, inspection: Inspection, code: AckCode, errors: Sequence[Hl7Error]) -> str:
        text = inspection.text
        try:
            if _encoding_errors(text):
                raise ValueError("no usable encoding characters")
            message = _parse_header(text)
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
        trigger = value_at(msh, 9, 1, 2)
        patients = tuple(patient_of(pid, phone_region) for pid in all_segments(message, "PID"))
        merged: tuple[PatientIdentifierData | None, ...] = ()
        errors: list[Hl7Error] = []
        if trigger == "A40":
            mrgs = list(all_segments(message, "MRG"))
            merged = tuple(first_identifier(mrg, 1) for mrg in mrgs)
            if len(mrgs) != len(patients):
                errors.append(Hl7Error("MRG", None, Hl7ErrorCode.SEGMENT_SEQUENCE, "each PID needs its MRG"))
        occurred = hl7_datetime(value_at(first_segment(message, "EVN"), 2)) or hl7_datetime(value_at(msh, 7))
        visit = value_at(first_segment(message, "PV1"), 19)
        for index, patient in enumerate(patients):
            if not patient.identifiers:
                errors.append(Hl7Error("PID", 3, Hl7ErrorCode.REQUIRED_FIELD_MISSING, f"PID #{index + 1} has no PID-3"))
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


def decode(data: bytes) -> str:
    """Bytes as received (HTTP body, MLLP block) to text: UTF-8 (a BOM is dropped later), else
    ISO-8859-1, the usual 8-bit character set of HL7 feeds (MSH-18 ``8859/1``)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")
