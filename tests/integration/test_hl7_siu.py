"""HL7 v2 SIU over HTTP (issue 14), on SQLite and PostgreSQL: every well-formed SIU sample of
``tests/data/hl7v2`` makes its appointment change once ``hl7.apply`` ran (S12 books, even in the
past; S13 reschedules; S15 cancels; S17 enters in error; S26 marks no-show), later messages find
the appointment by SCH-1/SCH-2, an unknown one fails naming SCH-1, and a failed message leaves
nothing behind (a savepoint around its application)."""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from prm.settings import Settings
from tests.integration.integrations_support import outbox_types
from tests.integration.test_hl7_api import API, apply, patient, post_json, sample

Client = AsyncTestClient[Litestar]
MS = "microsoft_fhir_converter"
OFFSET = timedelta(hours=2, minutes=15)  # the samples' +0215


def local(text: str) -> str:
    """A ``YYYYmmddHHMM`` time of the samples (at +0215) in UTC, ISO 8601 as the API writes it."""
    moment = datetime.strptime(text, "%Y%m%d%H%M").replace(tzinfo=UTC) - OFFSET
    return moment.isoformat().replace("+00:00", "Z")


async def practitioners(client: Client) -> dict[str, str]:
    """The samples' AIP-3 personnel as practitioners: license numbers 1210, 400; source id 500."""
    ids = {}
    for number, first, last, key in (
        ("1210", "Robert", "Ge", "license_number"),
        ("400", "Tim", "Pb", "license_number"),
        ("500", "Robert", "Rt", "external_id"),
    ):
        response = await client.post(f"{API}/practitioners", json={"first_name": first, "last_name": last, key: number})
        assert response.status_code == 201, response.text
        ids[number] = response.json()["id"]
    return ids


async def applied(client: Client, settings: Settings, tenant_id: UUID, raw: str) -> dict[str, Any]:
    body = await post_json(client, raw)
    assert body["ack_code"] == "AA", body
    await apply(settings, tenant_id, body["message_id"])
    detail: dict[str, Any] = (await client.get(f"{API}/hl7/messages/{body['message_id']}")).json()
    return detail


async def appointment(client: Client, appointment_id: str) -> dict[str, Any]:
    response = await client.get(f"{API}/appointments/{appointment_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def appointment_changes(detail: dict[str, Any]) -> list[tuple[str, str]]:
    return [(c["action"], c["entity_id"]) for c in detail["changes"] if c["entity"] == "appointment"]


BOOKINGS = [
    (f"{MS}/SIU-S12-01.hl7", "1210", "202109240930", "202109241020", "Normal", "EMERGENCY"),
    (f"{MS}/SIU-S12-02.hl7", "400", "202108181130", "202108181230", "Normal", "CHECKUP"),
    (f"{MS}/SIU-S12_1.hl7", "400", "202010041126", "202010041236", "Normal", "EMERGENCY"),
]


@pytest.mark.parametrize(("name", "practitioner", "starts", "ends", "kind", "reason"), BOOKINGS)
async def test_s12_books_the_appointment_of_the_pid_patient_even_in_the_past(
    client: Client,
    settings: Settings,
    tenant_id: UUID,
    name: str,
    practitioner: str,
    starts: str,
    ends: str,
    kind: str,
    reason: str,
) -> None:
    staff = await practitioners(client)
    detail = await applied(client, settings, tenant_id, sample(name))
    assert detail["status"] == "processed", detail["errors"]
    assert [(c["entity"], c["action"]) for c in detail["changes"]] == [
        ("patient", "created"),
        ("appointment", "booked"),
    ]
    booked = await appointment(client, appointment_changes(detail)[0][1])
    assert (booked["start_time"], booked["end_time"]) == (local(starts), local(ends))
    assert (booked["status"], booked["source_channel"]) == ("booked", "hl7")
    assert (booked["appointment_type"], booked["reason_text"]) == (kind, reason)
    assert booked["practitioner_id"] == staff[practitioner]
    assert booked["patient_id"] == detail["changes"][0]["entity_id"]
    assert (await patient(client, booked["patient_id"]))["mrn"] == "PATID1234"


async def test_an_s12_books_at_the_location_ail_3_names_or_warns_that_it_names_none(
    client: Client, settings: Settings, tenant_id: UUID
) -> None:
    """AIL-3 ``055^Room01^^GH Clinic``: the facility (PL.4) names a PRM location, in another case;
    ``LabUnit101^Lab Room 01^^GHH Hospital`` (another appointment: its own control and SCH ids)
    names none: booked without a location, with a warning."""
    await practitioners(client)
    made = await client.post(f"{API}/locations", json={"name": "gh clinic", "time_zone": "Europe/London"})
    assert made.status_code == 201, made.text
    detail = await applied(client, settings, tenant_id, sample(f"{MS}/SIU-S12-01.hl7"))
    assert detail["status"] == "processed"
    assert not [e for e in detail["errors"] if e["segment"] == "AIL"]  # the PID warnings of the sample only
    booked = await appointment(client, appointment_changes(detail)[0][1])
    assert booked["location_id"] == made.json()["id"]

    other = sample(f"{MS}/SIU-S12-02.hl7").replace("|MSG00012|", "|MSG00099|").replace("SCH|12345|36996", "SCH|1|2")
    detail = await applied(client, settings, tenant_id, other)
    assert detail["status"] == "processed"
    [warning] = [e for e in detail["errors"] if e["segment"] == "AIL"]
    assert (warning["field"], warning["code"]) == (3, "204")
    assert "LabUnit101 Lab Room 01 GHH Hospital" in warning["text"]
    assert (await appointment(client, appointment_changes(detail)[0][1]))["location_id"] is None


FOLLOW_UPS = [
    (f"{MS}/SIU-S12-02.hl7", f"{MS}/SIU-S13-02.hl7", "rescheduled", "booked", ("202108201130", "202108201230")),
    (f"{MS}/SIU-S12-01.hl7", f"{MS}/SIU-S13-01.hl7", None, "booked", ("202109240930", "202109241020")),
    (f"{MS}/SIU-S12-01.hl7", f"{MS}/SIU-S14-01.hl7", None, "booked", ("202109240930", "202109241020")),
    (f"{MS}/SIU-S12-02.hl7", f"{MS}/SIU-S14-02.hl7", None, "booked", ("202108181130", "202108181230")),
    (f"{MS}/SIU-S12-01.hl7", f"{MS}/SIU-S15-01.hl7", "cancelled", "cancelled", None),
    (f"{MS}/SIU-S12-02.hl7", f"{MS}/SIU-S15-02.hl7", "cancelled", "cancelled", None),
    (f"{MS}/SIU-S12-01.hl7", f"{MS}/SIU-S17-01.hl7", "entered-in-error", "entered-in-error", None),
    (f"{MS}/SIU-S12-01.hl7", f"{MS}/SIU-S26-01.hl7", "noshow", "noshow", None),
    (f"{MS}/SIU-S12-02.hl7", f"{MS}/SIU-S26-02.hl7", "noshow", "noshow", None),
]


@pytest.mark.parametrize(("booking", "name", "action", "status", "times"), FOLLOW_UPS)
async def test_a_later_siu_message_changes_the_appointment_its_sch_ids_name(
    client: Client,
    settings: Settings,
    tenant_id: UUID,
    booking: str,
    name: str,
    action: str | None,
    status: str,
    times: tuple[str, str] | None,
) -> None:
    await practitioners(client)
    booked = appointment_changes(await applied(client, settings, tenant_id, sample(booking)))[0][1]
    detail = await applied(client, settings, tenant_id, sample(name))
    assert detail["status"] == "processed", detail["errors"]
    assert appointment_changes(detail) == ([(action, booked)] if action else [])  # None: the same times
    found = await appointment(client, booked)
    assert found["status"] == status
    if times is not None:
        assert (found["start_time"], found["end_time"]) == (local(times[0]), local(times[1]))


def future(raw: str, trigger: str, control_id: str, starts: datetime, minutes: int = 50) -> str:
    """A copy of SIU-S12-01 as ``trigger`` with ``control_id`` and TQ1 times from ``starts``."""
    ends = starts + timedelta(minutes=minutes)
    lines = []
    for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line.startswith("TQ1|"):
            line = f"TQ1|||||||{starts:%Y%m%d%H%M%S}+0000|{ends:%Y%m%d%H%M%S}+0000|A"
        lines.append(line)
    return "\r".join(lines).replace("SIU^S12^SIU_S12|MSG00012", f"SIU^{trigger}^SIU_{trigger}|{control_id}")


async def test_a_sequence_s12_s13_s15_books_moves_and_cancels_one_appointment(
    client: Client, settings: Settings, tenant_id: UUID
) -> None:
    await practitioners(client)
    raw = sample(f"{MS}/SIU-S12-01.hl7")
    starts = (datetime.now(UTC) + timedelta(days=7)).replace(hour=9, minute=0, second=0, microsecond=0)
    booked = await applied(client, settings, tenant_id, future(raw, "S12", "SEQ-1", starts))
    assert booked["status"] == "processed", booked["errors"]
    appointment_id = appointment_changes(booked)[0][1]
    moved = await applied(client, settings, tenant_id, future(raw, "S13", "SEQ-2", starts + timedelta(days=1), 30))
    assert appointment_changes(moved) == [("rescheduled", appointment_id)]
    found = await appointment(client, appointment_id)
    assert found["start_time"] == (starts + timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert found["duration_minutes"] == 30
    cancelled = await applied(client, settings, tenant_id, future(raw, "S15", "SEQ-3", starts + timedelta(days=1), 30))
    assert appointment_changes(cancelled) == [("cancelled", appointment_id)]
    assert (await appointment(client, appointment_id))["status"] == "cancelled"
    events = [kind for kind, _ in await outbox_types(settings, tenant_id, UUID(appointment_id))]
    assert events == ["appointment.booked", "appointment.rescheduled", "appointment.cancelled"]


def without_times(raw: str, appointment_type: str) -> str:
    """``raw`` with no TQ1, SCH-11 or AIS-4 (no time at all) and SCH-8 set to ``appointment_type``."""
    lines = []
    for line in raw.split("\r"):
        fields = line.split("|")
        if fields[0] == "TQ1":
            continue
        if fields[0] == "SCH":
            fields[8], fields[11] = appointment_type, ""
        if fields[0] == "AIS":
            fields[4] = ""
        lines.append("|".join(fields))
    return "\r".join(lines)


async def test_an_s14_without_times_keeps_them_and_changes_what_it_carries(
    client: Client, settings: Settings, tenant_id: UUID
) -> None:
    await practitioners(client)
    raw = sample(f"{MS}/SIU-S12-01.hl7")
    starts = (datetime.now(UTC) + timedelta(days=7)).replace(hour=9, minute=0, second=0, microsecond=0)
    booked = await applied(client, settings, tenant_id, future(raw, "S12", "KEEP-1", starts))
    appointment_id = appointment_changes(booked)[0][1]
    before = await appointment(client, appointment_id)
    modified = await applied(
        client, settings, tenant_id, without_times(future(raw, "S14", "KEEP-2", starts), "Complex")
    )
    assert modified["status"] == "processed", modified["errors"]
    after = await appointment(client, appointment_id)
    assert (after["start_time"], after["end_time"]) == (before["start_time"], before["end_time"])
    assert after["appointment_type"] == "Complex"
    moved_without_times = await applied(
        client, settings, tenant_id, without_times(future(raw, "S13", "KEEP-3", starts), "Complex")
    )
    assert moved_without_times["status"] == "failed"  # a move (S13) needs its new times
    assert (moved_without_times["errors"][0]["segment"], moved_without_times["errors"][0]["field"]) == ("SCH", 11)


async def test_a_message_naming_an_unknown_appointment_fails_naming_sch_1(
    client: Client, settings: Settings, tenant_id: UUID
) -> None:
    detail = await applied(client, settings, tenant_id, sample(f"{MS}/SIU-S15-01.hl7"))
    assert (detail["status"], detail["changes"]) == ("failed", [])
    error = detail["errors"][0]
    assert (error["segment"], error["field"], error["code"]) == ("SCH", 1, "204")
    assert "12345" in error["text"]


async def test_an_unknown_practitioner_fails_the_booking_and_leaves_no_patient(
    client: Client, settings: Settings, tenant_id: UUID
) -> None:
    detail = await applied(client, settings, tenant_id, sample(f"{MS}/SIU-S12-01.hl7"))
    assert (detail["status"], detail["changes"]) == ("failed", [])
    assert (detail["errors"][0]["segment"], detail["errors"][0]["field"]) == ("AIP", 3)
    assert (await client.get(f"{API}/patients")).json()["total"] == 0


async def test_a_failed_a40_rolls_back_the_merges_before_its_failure(
    client: Client, settings: Settings, tenant_id: UUID
) -> None:
    ids = {}
    for mrn in ("MR1", "MR2", "MR3"):  # MR4, the second pair's MRG-1, is unknown
        raw = f"MSH|^~\\&|HIS|MCM|PRM|PRM|20260101||ADT^A04|REG-{mrn}|P|2.6\rPID|1||{mrn}^^^XYZ^MR||Test^{mrn}\r"
        registered = await applied(client, settings, tenant_id, raw)
        ids[mrn] = registered["changes"][0]["entity_id"]
    detail = await applied(client, settings, tenant_id, sample("linuxforhealth/adt_a40_merge_two_pairs.hl7"))
    assert (detail["status"], detail["changes"]) == ("failed", [])
    assert detail["errors"][0]["segment"] == "MRG"
    for mrn in ("MR1", "MR2"):  # the first pair's merge is undone with the message
        found = await patient(client, ids[mrn])
        assert found.get("link", []) == [], mrn
    events = [kind for kind, _ in await outbox_types(settings, tenant_id, UUID(ids["MR2"]))]
    assert not [kind for kind in events if "merge" in kind]
