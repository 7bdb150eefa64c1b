"""What a client of the appointments API sees on the wire, on SQLite and PostgreSQL: booking by a
``time_slot_id`` alone, the 422 for a slot of another practitioner, a conversational booking that
confirms the very local time and zone it offered, iCalendar with one ``charset``, and the cancel
route's OpenAPI matching its answer."""

from datetime import datetime
from typing import Any

from litestar import Litestar

from tests.integration.test_appointments_api import (
    API,
    Client,
    _created,
    availability,
    next_weekday,
    patient,
    practitioner,
)

NEW_YORK = "America/New_York"


async def new_york_clinic(client: Client, practitioner_id: str) -> str:
    location = await _created(client, "/locations", {"name": "Fifth Avenue", "time_zone": NEW_YORK})
    await _created(
        client,
        "/schedules",
        {
            "practitioner_id": practitioner_id,
            "location_id": location["id"],
            "rules": [{"weekdays": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "12:00"}],
            "valid_from": "2020-01-01",
        },
    )
    return str(location["id"])


async def test_a_time_slot_id_alone_books_and_one_of_another_practitioner_is_a_422(client: Client) -> None:
    doctor, other = await practitioner(client), await practitioner(client)
    location_id = await new_york_clinic(client, doctor)
    slot = (await availability(client, doctor, next_weekday()))[0]
    someone = await patient(client)

    wrong = await client.post(
        f"{API}/appointments",
        json={"patient_id": someone, "practitioner_id": other, "time_slot_id": slot["time_slot_id"]},
    )
    assert wrong.status_code == 422, wrong.text
    problem = wrong.json()
    assert problem["errors"][0]["loc"] == ["body", "practitioner_id"]
    assert "another practitioner than practitioner_id" in problem["detail"]

    booked = await _created(client, "/appointments", {"patient_id": someone, "time_slot_id": slot["time_slot_id"]})
    assert (booked["practitioner_id"], booked["location_id"]) == (doctor, location_id)
    assert (booked["start_time"], booked["end_time"]) == (slot["start_time"], slot["end_time"])


async def test_booking_without_a_time_names_the_wire_fields(client: Client) -> None:
    doctor, someone = await practitioner(client), await patient(client)
    response = await client.post(f"{API}/appointments", json={"patient_id": someone, "practitioner_id": doctor})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == ["body", "start_time"]
    assert "start_time and end_time" in response.json()["detail"]
    backwards = await client.post(
        f"{API}/appointments",
        json={
            "patient_id": someone,
            "practitioner_id": doctor,
            "start_time": "2030-01-01T10:00:00Z",
            "end_time": "2030-01-01T09:30:00Z",
        },
    )
    assert backwards.status_code == 422, backwards.text
    assert backwards.json()["errors"][0]["loc"] == ["body", "end_time"]
    assert "starts_at" not in backwards.text
    assert "ends_at" not in backwards.text


async def test_select_slot_confirms_the_local_time_and_zone_find_slots_offered(client: Client) -> None:
    doctor = await practitioner(client)
    await new_york_clinic(client, doctor)
    someone = await patient(client)
    day = next_weekday()
    found = await client.post(
        f"{API}/appointments/find-slots",
        json={"patient_id": someone, "practitioner_id": doctor, "start_date": day.isoformat(), "count": 2},
    )
    assert found.status_code == 201, found.text
    offer = found.json()
    second = offer["slots"][1]
    local = datetime.fromisoformat(second["local_start"])
    assert (second["time_zone"], local.strftime("%H:%M")) == (NEW_YORK, "09:30")
    offered_text = f"{local:%a %d %b} 09:30 ({NEW_YORK})"
    assert f"2. {offered_text}" in offer["message"]

    picked = await client.post(
        f"{API}/appointments/select-slot",
        json={"conversation_id": offer["conversation_id"], "patient_id": someone, "reply": "2"},
    )

    assert picked.status_code == 201, picked.text
    confirmation = picked.json()
    assert (confirmation["local_start"], confirmation["time_zone"]) == (second["local_start"], NEW_YORK)
    assert datetime.fromisoformat(confirmation["local_end"]).strftime("%H:%M") == "10:00"
    assert confirmation["message"].startswith(f"Booked: {offered_text}. Reference ")
    assert "UTC" not in confirmation["message"]
    assert confirmation["appointment"]["start_time"] == second["start_time"]


async def test_icalendar_answers_carry_exactly_one_charset(client: Client) -> None:
    doctor = await practitioner(client)
    await new_york_clinic(client, doctor)
    slot = (await availability(client, doctor, next_weekday()))[0]
    booked = await _created(
        client, "/appointments", {"patient_id": await patient(client), "time_slot_id": slot["time_slot_id"]}
    )
    for path, params in (
        ("/appointments/calendar", {"practitioner_id": doctor}),
        (f"/appointments/{booked['id']}/calendar", {}),
    ):
        response = await client.get(f"{API}{path}", params=params)
        assert response.status_code == 200, response.text
        content_type = response.headers["content-type"]
        assert content_type == "text/calendar; charset=utf-8"
        assert content_type.count("charset") == 1
        assert b"TZID=America/New_York" in response.content


def _schema(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = document["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


async def test_the_cancel_route_documents_the_answer_it_gives(client: Client, app: Litestar) -> None:
    document = app.openapi_schema.to_schema()
    operation = document["paths"][f"{API}/appointments/{{appointment_id}}/cancel"]["post"]
    assert operation["requestBody"]["required"] is False
    documented = operation["responses"]["200"]
    assert "waitlist offer" in documented["description"]
    answer_schema = _schema(document, documented["content"]["application/json"]["schema"])
    assert set(answer_schema["required"]) == {"appointment", "waitlist_offer_id"}
    for status in ("404", "409", "422"):
        assert "application/problem+json" in operation["responses"][status]["content"]
    assert "201" not in operation["responses"]

    doctor = await practitioner(client)
    await new_york_clinic(client, doctor)
    slot = (await availability(client, doctor, next_weekday()))[0]
    booked = await _created(
        client, "/appointments", {"patient_id": await patient(client), "time_slot_id": slot["time_slot_id"]}
    )
    response = await client.post(f"{API}/appointments/{booked['id']}/cancel")  # the body may be left out

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    answer = response.json()
    assert set(answer) == set(answer_schema["properties"])
    appointment_schema = _schema(document, answer_schema["properties"]["appointment"])
    assert set(answer["appointment"]) == set(appointment_schema["properties"])
    assert (answer["appointment"]["status"], answer["appointment"]["cancellation_reason"]) == ("cancelled", "other")
    assert answer["waitlist_offer_id"] is None
    again = await client.post(f"{API}/appointments/{booked['id']}/cancel", json={"reason": "pat"})
    assert (again.status_code, again.headers["content-type"]) == (409, "application/problem+json")
