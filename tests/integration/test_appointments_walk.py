"""The README's scheduling walk, call for call, on SQLite and PostgreSQL: a location, a weekly
schedule, availability, a booking by ``time_slot_id`` alone, a waiting patient, the cancellation
that offers the freed slot, and the acceptance that books it. (The README runs the same requests
with curl; keep the two in step.)"""

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

from litestar import Litestar
from litestar.testing import AsyncTestClient

Client = AsyncTestClient[Litestar]
API = "/api/v1/prm"
LONDON = ZoneInfo("Europe/London")


def next_weeks_monday() -> date:
    """The README's ``DAY``: the Monday of the week a week from today (1 to 7 days ahead)."""
    day = datetime.now(UTC).date() + timedelta(days=7)
    return day - timedelta(days=day.weekday())


async def call(client: Client, method: str, path: str, status: int, body: dict[str, Any] | None = None) -> Any:
    response = await client.request(method, f"{API}{path}", json=body)
    assert response.status_code == status, response.text
    return response.json()


async def test_the_readme_scheduling_walk(client: Client) -> None:
    doctor = await call(
        client,
        "POST",
        "/practitioners",
        201,
        {"first_name": "Grace", "last_name": "Hopper", "speciality": "Cardiology"},
    )
    ada = await call(
        client,
        "POST",
        "/patients",
        201,
        {"name": {"given": ["Ada"], "family": "Lovelace"}, "mrn": f"MRN-{uuid4().hex[:8]}", "gender": "female"},
    )
    alan = await call(
        client,
        "POST",
        "/patients",
        201,
        {"name": {"given": ["Alan"], "family": "Turing"}, "mrn": f"MRN-{uuid4().hex[:8]}", "gender": "male"},
    )

    location = await call(
        client,
        "POST",
        "/locations",
        201,
        {"name": "Harley Street", "time_zone": "Europe/London", "phone": "+44 20 7946 0018"},
    )
    assert location["time_zone"] == "Europe/London"

    schedule = await call(
        client,
        "POST",
        "/schedules",
        201,
        {
            "practitioner_id": doctor["id"],
            "location_id": location["id"],
            "rules": [{"weekdays": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "12:00"}],
            "slot_minutes": 30,
        },
    )
    assert schedule["rules"] == [{"weekdays": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "12:00"}]

    day = next_weeks_monday()
    availability = await call(
        client, "GET", f"/appointments/availability?practitioner_id={doctor['id']}&date={day.isoformat()}", 200
    )
    slots = availability["slots"]
    assert (availability["start_date"], availability["end_date"], availability["count"]) == (
        day.isoformat(),
        day.isoformat(),
        6,
    )
    local_starts = [datetime.fromisoformat(s["local_start"]) for s in slots]
    assert [t.astimezone(LONDON).strftime("%H:%M") for t in local_starts] == [
        "09:00",
        "09:30",
        "10:00",
        "10:30",
        "11:00",
        "11:30",
    ]
    assert {s["time_zone"] for s in slots} == {"Europe/London"}

    booked = await call(
        client,
        "POST",
        "/appointments",
        201,
        {"patient_id": ada["id"], "time_slot_id": slots[0]["time_slot_id"], "appointment_type": "consultation"},
    )
    assert (booked["practitioner_id"], booked["location_id"], booked["status"]) == (
        doctor["id"],
        location["id"],
        "booked",
    )
    assert (booked["start_time"], booked["end_time"]) == (slots[0]["start_time"], slots[0]["end_time"])

    waiting = await call(
        client,
        "POST",
        "/waitlist",
        201,
        {"patient_id": alan["id"], "practitioner_id": doctor["id"], "preferred_times": ["morning"]},
    )
    assert waiting["status"] == "waiting"

    cancelled = await call(client, "POST", f"/appointments/{booked['id']}/cancel", 200, {"reason": "pat"})
    assert (cancelled["appointment"]["status"], cancelled["appointment"]["cancellation_reason"]) == ("cancelled", "pat")
    offer_id = cancelled["waitlist_offer_id"]
    assert offer_id is not None

    accepted = await call(client, "POST", f"/waitlist/offers/{offer_id}/accept", 201)
    assert (accepted["offer"]["status"], accepted["next_offer"]) == ("used", None)
    appointment = accepted["appointment"]
    assert (appointment["patient_id"], appointment["start_time"], appointment["source_channel"]) == (
        alan["id"],
        slots[0]["start_time"],
        "waitlist",
    )

    entries = await call(client, "GET", f"/waitlist?patient_id={alan['id']}", 200)
    assert [(e["id"], e["status"]) for e in entries["items"]] == [(waiting["id"], "booked")]
