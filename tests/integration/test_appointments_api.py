"""The scheduling and appointments API on SQLite and PostgreSQL (see ``tests/conftest.py``).

Walks the issue's "done when" path: a location and a weekly schedule give real slots in the
clinic's local time; booking one removes it; booking it again is a 409 naming the appointment;
cancelling offers it to a waiting patient who accepts it; the calendar is iCalendar.
"""

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from dishka import Provider, Scope, provide
from icalendar import Calendar
from litestar import Litestar
from litestar.testing import AsyncTestClient

from prm.application.appointments.expire_offers import ExpireOffers
from prm.application.shared.ports import Clock
from prm.entrypoints.http.app import create_app
from prm.entrypoints.library import Prm
from prm.settings import Settings
from tests.fakes import FixedClock

Client = AsyncTestClient[Litestar]
API = "/api/v1/prm"
LONDON = ZoneInfo("Europe/London")


async def _created(client: Client, path: str, payload: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(f"{API}{path}", json=payload)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def patient(client: Client) -> str:
    body = {"name": {"given": ["Ada"], "family": "Lovelace"}, "mrn": f"MRN-{uuid4().hex[:10]}", "gender": "female"}
    return str((await _created(client, "/patients", body))["id"])


async def practitioner(client: Client, speciality: str = "Cardiology") -> str:
    body = {"first_name": "John", "last_name": f"Smith{uuid4().hex[:4]}", "speciality": speciality}
    return str((await _created(client, "/practitioners", body))["id"])


async def clinic(client: Client, practitioner_id: str, *, buffer: int = 0) -> tuple[str, str]:
    location = await _created(
        client, "/locations", {"name": "Harley Street", "time_zone": "Europe/London", "phone": "+44 20 7946 0018"}
    )
    schedule = await _created(
        client,
        "/schedules",
        {
            "practitioner_id": practitioner_id,
            "location_id": location["id"],
            "rules": [{"weekdays": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "12:00"}],
            "slot_minutes": 30,
            "buffer_minutes": buffer,
            "valid_from": "2020-01-01",
        },
    )
    return str(location["id"]), str(schedule["id"])


def next_weekday(days_ahead: int = 7) -> date:
    day = datetime.now(UTC).date() + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


async def availability(client: Client, practitioner_id: str, day: date, **more: Any) -> list[dict[str, Any]]:
    response = await client.get(
        f"{API}/appointments/availability", params={"practitioner_id": practitioner_id, "date": day.isoformat(), **more}
    )
    assert response.status_code == 200, response.text
    slots: list[dict[str, Any]] = response.json()["slots"]
    return slots


async def test_availability_books_conflicts_cancels_and_offers_to_the_waitlist(client: Client) -> None:
    doctor = await practitioner(client)
    location_id, _ = await clinic(client, doctor)
    day = next_weekday()
    slots = await availability(client, doctor, day)
    assert len(slots) == 6
    assert [datetime.fromisoformat(s["local_start"]).strftime("%H:%M") for s in slots] == [
        "09:00",
        "09:30",
        "10:00",
        "10:30",
        "11:00",
        "11:30",
    ]
    assert all(datetime.fromisoformat(s["local_start"]).astimezone(LONDON).hour in (9, 10, 11) for s in slots)

    first, second = await patient(client), await patient(client)
    booking = {
        "patient_id": first,
        "practitioner_id": doctor,
        "location_id": location_id,
        "time_slot_id": slots[0]["time_slot_id"],
        "appointment_type": "consultation",
    }
    booked = await _created(client, "/appointments", booking)
    assert booked["status"] == "booked"
    assert booked["start_time"].replace("Z", "+00:00") == datetime.fromisoformat(slots[0]["start_time"]).isoformat()
    assert len(await availability(client, doctor, day)) == 5

    again = await client.post(f"{API}/appointments", json={**booking, "patient_id": second})
    assert again.status_code == 409, again.text
    assert again.json()["code"] in {"appointments.slot_unavailable", "appointments.slot_not_available"}
    overlap = await client.post(
        f"{API}/appointments",
        json={
            "patient_id": second,
            "practitioner_id": doctor,
            "start_time": slots[0]["start_time"],
            "end_time": slots[1]["start_time"],
        },
    )
    assert (overlap.status_code, overlap.json()["code"]) == (409, "appointments.slot_unavailable")
    assert booked["id"] in overlap.json()["detail"]

    conflicts = await client.get(
        f"{API}/appointments/conflicts",
        params={"practitioner_id": doctor, "start_time": slots[0]["start_time"], "end_time": slots[0]["end_time"]},
    )
    assert conflicts.json()["conflict_count"] == 1

    waiting = await _created(
        client, "/waitlist", {"patient_id": second, "practitioner_id": doctor, "preferred_times": ["morning"]}
    )
    cancelled = await client.post(f"{API}/appointments/{booked['id']}/cancel", json={"reason": "pat"})
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["appointment"]["cancellation_reason"] == "pat"
    offer_id = cancelled.json()["waitlist_offer_id"]
    assert offer_id is not None
    # The offered slot is held for the waiting patient: not in availability meanwhile.
    assert len(await availability(client, doctor, day)) == 5
    accepted = await client.post(f"{API}/waitlist/offers/{offer_id}/accept")
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["appointment"]["patient_id"] == second
    entries = (await client.get(f"{API}/waitlist", params={"patient_id": second})).json()["items"]
    assert entries[0]["id"] == waiting["id"]
    assert entries[0]["status"] == "booked"
    uncancel = await client.patch(f"{API}/appointments/{booked['id']}", json={"status": "booked"})
    assert (uncancel.status_code, uncancel.json()["code"]) == (409, "appointments.invalid_transition")

    calendar = await client.get(f"{API}/appointments/calendar", params={"practitioner_id": doctor})
    assert calendar.status_code == 200
    assert calendar.headers["content-type"].startswith("text/calendar")
    parsed = Calendar.from_ical(calendar.content)
    events = list(parsed.walk("VEVENT"))
    assert len(events) == 2
    assert any(tz["TZID"] == "Europe/London" for tz in parsed.walk("VTIMEZONE"))
    one = await client.get(f"{API}/appointments/{accepted.json()['appointment']['id']}/calendar")
    assert b"BEGIN:VEVENT" in one.content

    listed = (await client.get(f"{API}/patients/{second}/appointments")).json()
    assert listed["total"] == 1
    stats = (await client.get(f"{API}/appointments/stats")).json()
    assert stats["by_status"] == {"booked": 1, "cancelled": 1}
    assert stats["by_type"] == {"consultation": 1, "unspecified": 1}
    upcoming = (await client.get(f"{API}/appointments/upcoming", params={"practitioner_id": doctor})).json()
    assert [a["patient_id"] for a in upcoming] == [second]


async def test_buffer_and_time_off_remove_slots(client: Client) -> None:
    doctor = await practitioner(client)
    _, schedule_id = await clinic(client, doctor, buffer=10)
    day = next_weekday()
    slots = await availability(client, doctor, day)
    assert [datetime.fromisoformat(s["local_start"]).strftime("%H:%M") for s in slots] == [
        "09:00",
        "09:40",
        "10:20",
        "11:00",
    ]
    start = datetime.combine(day, datetime.min.time(), tzinfo=LONDON).replace(hour=9)
    off = await client.post(
        f"{API}/schedules/{schedule_id}/exceptions",
        json={
            "kind": "time_off",
            "start_time": start.isoformat(),
            "end_time": (start + timedelta(hours=1)).isoformat(),
        },
    )
    assert off.status_code == 201, off.text
    assert [
        datetime.fromisoformat(s["local_start"]).strftime("%H:%M") for s in await availability(client, doctor, day)
    ] == [
        "10:00",
        "10:40",
        "11:20",
    ]


async def test_life_cycle_over_http(client: Client) -> None:
    doctor = await practitioner(client)
    someone = await patient(client)
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    booked = await _created(
        client,
        "/appointments",
        {
            "patient_id": someone,
            "practitioner_id": doctor,
            "start_time": start.isoformat(),
            "end_time": (start + timedelta(minutes=20)).isoformat(),
        },
    )
    early = await client.patch(f"{API}/appointments/{booked['id']}", json={"status": "fulfilled"})
    assert (early.status_code, early.json()["code"]) == (409, "appointments.invalid_transition")
    moved = await client.patch(
        f"{API}/appointments/{booked['id']}",
        json={"start_time": (start + timedelta(hours=2)).isoformat()},
        headers={"If-Match": '"1"'},
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["duration_minutes"], moved.json()["version"]) == (20, 2)
    stale = await client.patch(
        f"{API}/appointments/{booked['id']}", json={"reason_text": "x"}, headers={"If-Match": '"1"'}
    )
    assert stale.status_code == 409
    assert (await client.delete(f"{API}/appointments/{booked['id']}")).status_code == 204
    assert (await client.get(f"{API}/appointments/{booked['id']}")).status_code == 404


async def test_conversational_booking(client: Client) -> None:
    doctor = await practitioner(client, speciality="Dermatology")
    await clinic(client, doctor)
    someone = await patient(client)
    day = next_weekday()
    found = await client.post(
        f"{API}/appointments/find-slots",
        json={
            "patient_id": someone,
            "speciality": "dermatology",
            "start_date": day.isoformat(),
            "end_date": day.isoformat(),
            "part_of_day": "morning",
            "count": 3,
        },
    )
    assert found.status_code == 201, found.text
    choice = found.json()
    assert [s["number"] for s in choice["slots"]] == [1, 2, 3]
    assert "1. " in choice["message"]
    # Held: other patients do not see them.
    assert len(await availability(client, doctor, day)) == 3
    confused = await client.post(
        f"{API}/appointments/select-slot",
        json={"conversation_id": choice["conversation_id"], "patient_id": someone, "reply": "7"},
    )
    assert (confused.status_code, confused.json()["code"]) == (422, "appointments.reply_not_understood")
    second_start = datetime.fromisoformat(choice["slots"][1]["local_start"])
    picked = await client.post(
        f"{API}/appointments/select-slot",
        json={
            "conversation_id": choice["conversation_id"],
            "patient_id": someone,
            "reply": second_start.strftime("%Y-%m-%d %H:%M"),
        },
    )
    assert picked.status_code == 201, picked.text
    assert picked.json()["appointment"]["start_time"].replace("Z", "+00:00") == choice["slots"][1][
        "start_time"
    ].replace("Z", "+00:00")
    # The other holds are released: 5 slots left of 6.
    assert len(await availability(client, doctor, day)) == 5


@pytest.mark.postgresql_only
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_fifty_simultaneous_bookings_of_one_slot(client: Client, settings: Settings) -> None:
    doctor = await practitioner(client)
    location_id, _ = await clinic(client, doctor)
    slot = (await availability(client, doctor, next_weekday()))[0]
    patients = [await patient(client) for _ in range(50)]
    async with AsyncTestClient(app=create_app(settings)) as other:
        other.headers.update(client.headers)

        async def book(patient_id: str) -> int:
            response = await other.post(
                f"{API}/appointments",
                json={
                    "patient_id": patient_id,
                    "practitioner_id": doctor,
                    "location_id": location_id,
                    "start_time": slot["start_time"],
                    "end_time": slot["end_time"],
                },
            )
            return response.status_code

        statuses = await asyncio.gather(*(book(p) for p in patients))
    assert sorted(statuses).count(201) == 1
    assert statuses.count(409) == 49
    listed = (await client.get(f"{API}/appointments", params={"practitioner_id": doctor, "status": "booked"})).json()
    assert listed["total"] == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_simultaneous_bookings_of_one_slot_on_sqlite_give_one_success(client: Client) -> None:
    doctor = await practitioner(client)
    location_id, _ = await clinic(client, doctor)
    slot = (await availability(client, doctor, next_weekday()))[0]
    patients = [await patient(client) for _ in range(8)]

    async def book(patient_id: str) -> int:
        response = await client.post(
            f"{API}/appointments",
            json={"patient_id": patient_id, "practitioner_id": doctor, "location_id": location_id,
                  "start_time": slot["start_time"], "end_time": slot["end_time"]},
        )  # fmt: skip
        return response.status_code

    statuses = await asyncio.gather(*(book(p) for p in patients))

    assert sorted(statuses) == [201] + [409] * 7
    listed = (await client.get(f"{API}/appointments", params={"practitioner_id": doctor, "status": "booked"})).json()
    assert listed["total"] == 1


async def test_availability_by_speciality_spans_its_practitioners(client: Client) -> None:
    speciality = f"Cardiology {uuid4().hex[:6]}"  # of this test alone
    heart, valve = await practitioner(client, speciality), await practitioner(client, speciality.upper())
    skin = await practitioner(client, "Dermatology")
    for doctor in (heart, valve, skin):
        await clinic(client, doctor)
    day = next_weekday()

    response = await client.get(
        f"{API}/appointments/availability", params={"speciality": speciality.lower(), "date": day.isoformat()}
    )

    assert response.status_code == 200, response.text
    slots = response.json()["slots"]
    assert {s["practitioner_id"] for s in slots} == {heart, valve}
    assert len(slots) == 12
    assert [s["start_time"] for s in slots] == sorted(s["start_time"] for s in slots)


class _ThreeHoursLater(Provider):
    """The clock of a scheduler that runs three hours from now: every two-hour offer has lapsed."""

    @provide(scope=Scope.APP, override=True)
    def clock(self) -> Clock:
        return FixedClock(datetime.now(UTC) + timedelta(hours=3))


async def test_a_lapsed_offer_goes_to_the_next_waiting_patient(client: Client, settings: Settings) -> None:
    doctor = await practitioner(client)
    location_id, _ = await clinic(client, doctor)
    slot = (await availability(client, doctor, next_weekday()))[0]
    booked = await _created(
        client,
        "/appointments",
        {"patient_id": await patient(client), "practitioner_id": doctor, "location_id": location_id,
         "time_slot_id": slot["time_slot_id"]},
    )  # fmt: skip
    first, second = await patient(client), await patient(client)
    await _created(client, "/waitlist", {"patient_id": first, "practitioner_id": doctor, "priority": 1})
    await _created(client, "/waitlist", {"patient_id": second, "practitioner_id": doctor, "priority": 2})
    offer_id = (await client.post(f"{API}/appointments/{booked['id']}/cancel", json={"reason": "prov"})).json()[
        "waitlist_offer_id"
    ]
    assert offer_id is not None
    not_yet = await client.post(f"{API}/waitlist/offers/expire")
    assert not_yet.json() == {"expired": 0}

    async with Prm.open(settings, providers=(_ThreeHoursLater(),)) as prm:
        assert await prm.run(ExpireOffers) == 1

    statuses = {
        e["patient_id"]: e["status"]
        for e in (await client.get(f"{API}/waitlist", params={"practitioner_id": doctor})).json()["items"]
    }
    assert statuses == {first: "waiting", second: "offered"}
    late = await client.post(f"{API}/waitlist/offers/{offer_id}/accept")
    assert (late.status_code, late.json()["code"]) == (409, "appointments.hold_expired")
