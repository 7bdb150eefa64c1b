"""What PRM reads of an SIU message (HL7 v2.5.1 chapter 10, "Scheduling"; v2.8 adds TQ1), with
python-hl7 and the field readers of :mod:`prm.adapters.hl7.codec`.

- SCH-1 placer and SCH-2 filler appointment id: EI.1 of each (one of them is needed);
- the time: TQ1-7 start and TQ1-8 end (v2.6+), else SCH-11 TQ.4 start and TQ.5 end (before
  v2.6), else the first AIS-4 start; an end missing is the start plus the duration SCH-9 (units
  SCH-10), else AIS-7 (units AIS-8), units by their code or text (``s``, ``min``, ``h``, ``d``;
  minutes when none is given); so is an end more than a day after the start (a window, such as
  SCH-11's "within these days", not the appointment). Times without an offset are read as UTC;
- SCH-7 appointment reason and SCH-8 appointment type: CWE.2 text, else CWE.1 code;
- AIP-3 personnel (XCN.1 of each AIP, in order), AIL-3 location (PL.1, PL.2 and PL.4 joined, then PL.1, then PL.4).
"""

from datetime import datetime, timedelta
from typing import Any

from prm.adapters.hl7.pid import patient_of
from prm.adapters.hl7.segments import all_segments, first_segment, hl7_datetime, value_at
from prm.application.hl7.ports import SiuContent
from prm.domain.hl7.model import Hl7Error, Hl7ErrorCode

_UNITS = {
    "s": timedelta(seconds=1),
    "sec": timedelta(seconds=1),
    "second": timedelta(seconds=1),
    "seconds": timedelta(seconds=1),
    "min": timedelta(minutes=1),
    "mins": timedelta(minutes=1),
    "minute": timedelta(minutes=1),
    "minutes": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "hr": timedelta(hours=1),
    "hrs": timedelta(hours=1),
    "hour": timedelta(hours=1),
    "hours": timedelta(hours=1),
    "d": timedelta(days=1),
    "day": timedelta(days=1),
    "days": timedelta(days=1),
}
"""ISO+/ANSI/UCUM duration units (CNE.1, else CNE.2) to their length."""
_MAX_DURATION = timedelta(days=31)
_WINDOW = timedelta(hours=24)
"""A TQ1/SCH-11 range longer than this is a window the appointment lies in, not the appointment:
the start and the duration are used instead (an appointment lasts at most a day in PRM)."""


def _text(segment: Any, number: int, limit: int) -> str | None:
    value = value_at(segment, number, 1, 2) or value_at(segment, number, 1, 1)
    return value[:limit] or None


def _duration(segment: Any, amount_field: int, units_field: int) -> timedelta | None:
    amount = value_at(segment, amount_field)
    if not amount:
        return None
    try:
        count = float(amount)
    except ValueError:
        return None
    code = (value_at(segment, units_field, 1, 1) or value_at(segment, units_field, 1, 2) or "min").lower()
    unit = _UNITS.get(code) or _UNITS.get(value_at(segment, units_field, 1, 2).lower())
    if unit is None or count <= 0:
        return None
    return min(unit * count, _MAX_DURATION)


def _locations(ail: Any) -> tuple[str, ...]:
    """AIL-3 (PL) as location names, most specific first: point of care, room and facility
    joined (``"055 Room01 GH Clinic"``), the point of care (PL.1), the facility (PL.4)."""
    point, room, facility = (value_at(ail, 3, 1, n) for n in (1, 2, 4))
    joined = " ".join(p for p in (point, room, facility) if p)
    return tuple(dict.fromkeys(name[:200] for name in (joined, point, facility) if name))


def _times(message: Any, sch: Any) -> tuple[datetime | None, datetime | None]:
    tq1, ais = first_segment(message, "TQ1"), first_segment(message, "AIS")
    starts_at = hl7_datetime(value_at(tq1, 7)) if tq1 is not None else None
    ends_at = hl7_datetime(value_at(tq1, 8)) if tq1 is not None else None
    if starts_at is None:
        starts_at, ends_at = hl7_datetime(value_at(sch, 11, 1, 4)), hl7_datetime(value_at(sch, 11, 1, 5))
    if starts_at is None and ais is not None:
        starts_at, ends_at = hl7_datetime(value_at(ais, 4)), None
    if starts_at is not None and (ends_at is None or ends_at - starts_at > _WINDOW):
        duration = _duration(sch, 9, 10) or (_duration(ais, 7, 8) if ais is not None else None)
        ends_at = starts_at + duration if duration is not None else ends_at
    return starts_at, ends_at


def read_siu(message: Any, phone_region: str) -> SiuContent:
    """The :class:`SiuContent` of a parsed message (python-hl7's ``Message``)."""
    trigger = value_at(message.segment("MSH"), 9, 1, 2)
    sch = first_segment(message, "SCH")
    errors: list[Hl7Error] = []
    if sch is None:
        return SiuContent(
            trigger=trigger,
            errors=(Hl7Error("SCH", None, Hl7ErrorCode.SEGMENT_SEQUENCE, "segment SCH is missing"),),
        )
    placer, filler = value_at(sch, 1)[:255], value_at(sch, 2)[:255]
    if not placer and not filler:
        errors.append(
            Hl7Error("SCH", 1, Hl7ErrorCode.REQUIRED_FIELD_MISSING, "SCH-1 or SCH-2 must name the appointment")
        )
    pid = first_segment(message, "PID")
    patient = patient_of(pid, phone_region) if pid is not None else None
    starts_at, ends_at = _times(message, sch)
    ail = first_segment(message, "AIL")
    return SiuContent(
        trigger=trigger,
        placer_id=placer,
        filler_id=filler,
        patient=patient,
        practitioners=tuple(v for v in (value_at(aip, 3, 1, 1) for aip in all_segments(message, "AIP")) if v),
        starts_at=starts_at,
        ends_at=ends_at,
        appointment_type=_text(sch, 8, 100),
        reason_text=_text(sch, 7, 1000),
        locations=_locations(ail) if ail is not None else (),
        errors=tuple(errors),
    )
