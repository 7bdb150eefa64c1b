"""What the codec reads of an SIU message (HL7 v2.5.1 chapter 10): ids, times by precedence
(TQ1, SCH-11, AIS-4 with a duration), a window longer than a day read as start plus duration,
type, reason, personnel and the errors that stop it."""

from datetime import UTC, datetime, timedelta

from prm.adapters.hl7.codec import PythonHl7Codec

codec = PythonHl7Codec()
MSH = "MSH|^~\\&|SCH|FAC|PRM|PRM|20260101||SIU^S12|C1|P|2.5\r"
PID = "PID|1||MRN1^^^FAC^MR||Roe^Ann\r"


def test_tq1_gives_the_times_and_sch_the_ids_type_and_reason() -> None:
    content = codec.siu(
        MSH + "SCH|P1|F1||||Add|Checkup^Routine check|FOLLOWUP^Follow-up|30|min\r"
        "TQ1|||||||20260105093000+0100|20260105100000+0100\r" + PID + "AIP|1||1210^Ge^Rob|\rAIP|1||400^Pb^Tim|\r",
        "US",
    )
    assert (content.trigger, content.placer_id, content.filler_id) == ("S12", "P1", "F1")
    assert content.starts_at == datetime(2026, 1, 5, 8, 30, tzinfo=UTC)
    assert content.ends_at == datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    assert (content.appointment_type, content.reason_text) == ("Follow-up", "Routine check")
    assert content.practitioners == ("1210", "400")
    assert content.patient is not None
    assert content.patient.mrn.value == "MRN1"
    assert content.errors == ()


def test_sch_11_then_ais_4_with_a_duration_in_its_units() -> None:
    v23 = codec.siu(MSH + "SCH|P1|||||||||^^^20260105161000\rAIS|1||X|20260105161000|||2|h\r", "US")
    assert v23.starts_at == datetime(2026, 1, 5, 16, 10, tzinfo=UTC)
    assert v23.ends_at == v23.starts_at + timedelta(hours=2)
    ais = codec.siu(MSH + "SCH||F9\rAIS|1||X|20260105161000|||45|min^Minutes^ISO\r", "US")
    assert ais.starts_at is not None
    assert ais.ends_at == ais.starts_at + timedelta(minutes=45)


def test_a_window_over_a_day_is_read_as_its_start_plus_the_duration() -> None:
    content = codec.siu(MSH + "SCH|P1||||||||70|Min\rTQ1|||||||202010041126+0215|202010081126+0215\r", "US")
    assert content.starts_at is not None
    assert content.ends_at == content.starts_at + timedelta(minutes=70)


def test_without_sch_ids_the_message_cannot_be_applied() -> None:
    content = codec.siu(MSH + "SCH|||||\r" + PID, "US")
    assert [(e.segment, e.field, e.code.value) for e in content.errors] == [("SCH", 1, "101")]


def test_an_siu_message_without_sch_is_truncated() -> None:
    inspection = codec.inspect(MSH + PID)
    assert [(e.segment, e.code.value) for e in inspection.errors] == [("SCH", "100")]
