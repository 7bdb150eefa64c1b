"""The python-hl7 codec: normalisation, the checks that make a message rejected, the ACK, and
what PID becomes (HL7 v2.5.1 chapters 2 and 3; the FHIR v2-to-FHIR mappings)."""

from datetime import date
from pathlib import Path

import hl7  # type: ignore[import-untyped]
import pytest

from prm.adapters.hl7.codec import PythonHl7Codec, decode, normalize
from prm.domain.hl7.model import AckCode, Hl7Error, Hl7ErrorCode
from prm.domain.shared.contact import AddressUse, ContactPointSystem, ContactPointUse
from prm.domain.shared.person import AdministrativeGender

DATA = Path(__file__).parent.parent.parent / "data" / "hl7v2"
codec = PythonHl7Codec()
MSH = "MSH|^~\\&|HIS|CITY|PRM|PRM|20260101120000||ADT^A04^ADT_A01|CTRL1|P|2.5"


def test_normalize_undoes_bom_lf_crlf_and_blank_lines() -> None:
    assert normalize("\ufeffMSH|a\r\nPID|b\n\nPV1|c") == "MSH|a\rPID|b\rPV1|c\r"
    assert normalize("") == ""
    assert normalize("MSH|\x00") == "MSH|\ufffd\r"


def test_decode_falls_back_to_latin_1() -> None:
    assert decode("Müller".encode()) == "Müller"
    assert decode("Müller".encode("latin-1")) == "Müller"


def test_inspect_reads_the_header() -> None:
    inspection = codec.inspect(MSH + "\rPID|1||42^^^CITY^MR||Roe^Rick\r")
    assert inspection.errors == ()
    h = inspection.header
    assert (h.sending_application, h.sending_facility, h.message_type, h.control_id, h.version) == (
        "HIS",
        "CITY",
        "ADT^A04",
        "CTRL1",
        "2.5",
    )


@pytest.mark.parametrize(
    ("raw", "segment", "field"),
    [
        ("PID|1||42", "MSH", None),
        ("MSH|^~|HIS|CITY", "MSH", 2),
        ("MSH|^~\\&|HIS|CITY|PRM|PRM|2026||ADT^A04||P|2.5\rPID|1||4", "MSH", 10),
        ("MSH|^~\\&|HIS|CITY|PRM|PRM|2026||ADT^A04|C|P|\rPID|1||4", "MSH", 12),
        ("MSH|^~\\&|HIS|CITY|PRM|PRM|2026|||C|P|2.5", "MSH", 9),
        ("MSH|^~\\&|HIS|CITY|PRM|PRM|2026||ADT^A04|C|P|2.5", "PID", None),  # truncated
        ("MSH|^~\\&|HIS|CITY|PRM|PRM|2026||ADT^A40|C|P|2.5\rPID|1||4", "MRG", None),
        (MSH + "\rPID|1\r/* comment */", "MSH", None),
        (MSH + "\rPID|1\r" + MSH, "MSH", None),
        (MSH + "\rPID|1||\x00", "MSH", None),
    ],
)
def test_what_makes_a_message_rejected(raw: str, segment: str, field: int | None) -> None:
    errors = codec.inspect(raw).errors
    assert errors
    assert (errors[0].segment, errors[0].field) == (segment, field)


def test_the_ack_answers_the_control_id_and_names_each_error() -> None:
    inspection = codec.inspect(MSH + "\rPID|1||42^^^CITY^MR\r")
    error = Hl7Error("PID", 3, Hl7ErrorCode.APPLICATION_ERROR, "a|b^c")
    ack = hl7.parse(codec.ack(inspection, AckCode.AE, [error]))
    msh, msa, err = ack.segment("MSH"), ack.segment("MSA"), ack.segment("ERR")
    assert str(msh(9)) == "ACK^A04^ACK"
    assert (str(msh(5)), str(msh(6))) == ("HIS", "CITY")
    assert (str(msa(1)), str(msa(2))) == ("AE", "CTRL1")
    assert str(err(2)) == "PID^1^3"
    assert str(err(3)(1)(1)) == "207"
    assert str(err(4)) == "E"
    assert ack.unescape(str(err(8))) == "a|b^c"


def test_a_message_too_broken_to_parse_still_gets_a_parseable_ar() -> None:
    inspection = codec.inspect("MSH|^^^^|SEND|FAC|||||||")
    ack = hl7.parse(codec.ack(inspection, AckCode.AR, inspection.errors))
    assert str(ack.segment("MSA")(1)) == "AR"
    assert str(ack.segment("ERR")(2)) == "MSH^1^2"


@pytest.mark.parametrize("path", sorted(DATA.rglob("*.hl7")), ids=lambda p: p.name)
def test_every_sample_is_inspected_and_acknowledged_without_raising(path: Path) -> None:
    inspection = codec.inspect(decode(path.read_bytes()))
    code = AckCode.AR if inspection.errors else AckCode.AA
    ack = hl7.parse(codec.ack(inspection, code, inspection.errors))
    assert str(ack.segment("MSA")(1)) == code.value
    assert str(ack.segment("MSA")(2)) == inspection.header.control_id


def test_pid_becomes_a_patient_in_fhir_terms() -> None:
    pid = (
        "PID|1||X9^^^SSA^SS~42^^^CITY^MR||Roe&&&&Ro^Rick^J^Jr^Dr^^L||19700203|F|||"
        "1&Main St^Apt 2^Springfield^IL^62701^US^H^^Sangamon~^^^^^^B||"
        "^PRN^PH^^1^217^5550100~^NET^Internet^rick@example.org~555^PRN^PH|(217) 555-0199^WPN^CP|es"
    )
    content = codec.adt(normalize(MSH + "\r" + pid + "\rPV1|1|O|||||||||||||||||V77\r"), "US")
    assert content.trigger == "A04"
    assert content.encounter_id == "V77"
    (patient,) = content.patients
    assert [(i.value, i.system, i.type_code) for i in patient.identifiers] == [
        ("42", "urn:prm:hl7:aa:CITY", "MR"),
        ("X9", "urn:prm:hl7:aa:SSA", "SS"),
    ]
    assert patient.name is not None
    assert (patient.name.family, patient.name.given, patient.name.prefix, patient.name.suffix) == (
        "Roe",
        ("Rick", "J"),
        ("Dr",),
        ("Jr",),
    )
    assert patient.gender is AdministrativeGender.FEMALE
    assert patient.birth_date == date(1970, 2, 3)
    (address,) = patient.addresses
    assert (address.line, address.city, address.district, address.use) == (
        ("1 Main St", "Apt 2"),
        "Springfield",
        "Sangamon",
        AddressUse.HOME,
    )
    assert [(p.system, p.value, p.use) for p in patient.phones] == [
        (ContactPointSystem.PHONE, "+12175550100", ContactPointUse.HOME),
        (ContactPointSystem.EMAIL, "rick@example.org", ContactPointUse.HOME),
        (ContactPointSystem.PHONE, "+12175550199", ContactPointUse.MOBILE),
    ]
    assert [w.field for w in patient.warnings] == [13]  # "555" is no phone number
    assert patient.language == "es"


@pytest.mark.parametrize(
    ("code", "gender"),
    [
        ("M", AdministrativeGender.MALE),
        ("F", AdministrativeGender.FEMALE),
        ("O", AdministrativeGender.OTHER),
        ("U", AdministrativeGender.UNKNOWN),
        ("A", AdministrativeGender.UNKNOWN),
        ("N", AdministrativeGender.UNKNOWN),
        ("", None),
    ],
)
def test_pid_8_maps_to_administrative_gender(code: str, gender: AdministrativeGender | None) -> None:
    content = codec.adt(normalize(f"{MSH}\rPID|1||42^^^CITY^MR||Roe^Rick|||{code}"), "US")
    assert content.patients[0].gender is gender


def test_a40_pairs_each_pid_with_its_mrg() -> None:
    raw = (DATA / "linuxforhealth" / "adt_a40_merge_two_pairs.hl7").read_text()
    content = codec.adt(normalize(raw), "US")
    assert [p.mrn.value for p in content.patients] == ["MR1", "MR3"]
    assert [m.value if m else None for m in content.merged] == ["MR2", "MR4"]
