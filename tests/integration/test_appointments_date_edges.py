"""Dates at the edges of the calendar, sent to every date and date-time parameter and body field of
the scheduling routes (appointments, locations, schedules, waitlist, calendars), found by walking
the app's own OpenAPI schema: each is a 422 naming the field and stating the accepted range
(years 1900 to 2200), never a 500, on SQLite and PostgreSQL.

A new date field under these routes is covered the day it appears in the schema; a new route with
one needs a valid base request in ``base_requests`` (the test says so)."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

Client = AsyncTestClient[Litestar]
API = "/api/v1/prm"
SCHEDULING = tuple(
    f"{API}{p}"
    for p in ("/appointments", "/patients/{patient_id}/appointments", "/locations", "/schedules", "/waitlist")
)
EDGE_DATES = ["0001-01-01", "9999-12-31", "1899-12-31", "2201-01-01"]
EDGE_TIMES = [
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00-12:00",
    "9999-12-31T23:59:59Z",
    "9999-12-31T23:59:59-12:00",
    "9999-12-31T23:59:59+14:00",
    "1900-01-01T13:59:59+14:00",  # 1899-12-31T23:59:59Z
    "2200-12-31T12:00:01-12:00",  # 2201-01-01T00:00:01Z
]


@dataclass(frozen=True)
class DateField:
    method: str
    path: str
    source: str  # "query" or "body"
    loc: tuple[str | int, ...]  # the field's path in the query or the body
    format: str  # "date" or "date-time"

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path} {self.source} {'.'.join(map(str, self.loc))}"


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _dates_in(
    schema: dict[str, Any], node: dict[str, Any], loc: tuple[str | int, ...], depth: int = 0
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    node = _resolve(schema, node)
    if depth > 8:
        return
    if node.get("format") in {"date", "date-time"}:
        yield loc, node["format"]
    for choice in node.get("oneOf", []) + node.get("anyOf", []) + node.get("allOf", []):
        yield from _dates_in(schema, choice, loc, depth + 1)
    for name, child in node.get("properties", {}).items():
        yield from _dates_in(schema, child, (*loc, name), depth + 1)
    if "items" in node:
        yield from _dates_in(schema, node["items"], (*loc, 0), depth + 1)


def date_fields(app: Litestar) -> list[DateField]:
    """Every date and date-time parameter and body field of the scheduling routes."""
    schema = app.openapi_schema.to_schema()
    found: list[DateField] = []
    for path, item in schema["paths"].items():
        if not path.startswith(SCHEDULING):
            continue
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for parameter in operation.get("parameters", []):
                for loc, fmt in _dates_in(schema, parameter.get("schema", {}), (parameter["name"],)):
                    found.append(DateField(method, path, parameter["in"], loc, fmt))
            for content in operation.get("requestBody", {}).get("content", {}).values():
                for loc, fmt in _dates_in(schema, content["schema"], ()):
                    found.append(DateField(method, path, "body", loc, fmt))
    return sorted(set(found), key=lambda f: f.label)


@dataclass
class World:
    """Real rows, so that every base request is valid and only the edge value is wrong."""

    practitioner_id: str
    patient_id: str
    location_id: str
    schedule_id: str
    appointment_id: str


async def _created(client: Client, path: str, body: dict[str, Any]) -> str:
    response = await client.post(f"{API}{path}", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def world_of(client: Client) -> World:
    practitioner_id = await _created(client, "/practitioners", {"first_name": "Grace", "last_name": "Hopper"})
    patient_id = await _created(
        client, "/patients", {"name": {"given": ["Ada"], "family": "Lovelace"}, "mrn": f"MRN-{uuid4().hex[:10]}"}
    )
    location_id = await _created(client, "/locations", {"name": "Harley Street", "time_zone": "Europe/London"})
    rules = [{"weekdays": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "12:00"}]
    schedule_id = await _created(
        client, "/schedules", {"practitioner_id": practitioner_id, "location_id": location_id, "rules": rules}
    )
    start = _later(days=3)
    appointment_id = await _created(
        client,
        "/appointments",
        {"patient_id": patient_id, "practitioner_id": practitioner_id, "start_time": start, "end_time": _later(3, 30)},
    )
    return World(practitioner_id, patient_id, location_id, schedule_id, appointment_id)


def _later(days: int, minutes: int = 0) -> str:
    moment = datetime.now(UTC).replace(microsecond=0) + timedelta(days=days, minutes=minutes)
    return moment.isoformat()


def base_requests(w: World) -> dict[tuple[str, str], tuple[dict[str, str], dict[str, Any] | None]]:
    """A valid request (query, body) per operation with a date field; path parameters come from ``w``."""
    times = {"start_time": _later(5), "end_time": _later(5, 30)}
    return {
        ("get", "/appointments"): ({}, None),
        ("get", "/appointments/stats"): ({}, None),
        ("get", "/appointments/availability"): ({"practitioner_id": w.practitioner_id}, None),
        ("get", "/appointments/conflicts"): ({"practitioner_id": w.practitioner_id, **times}, None),
        ("get", "/appointments/calendar"): ({"practitioner_id": w.practitioner_id}, None),
        ("get", "/patients/{patient_id}/appointments"): ({}, None),
        ("post", "/appointments"): ({}, {"patient_id": w.patient_id, "practitioner_id": w.practitioner_id, **times}),
        ("patch", "/appointments/{appointment_id}"): ({}, {}),
        ("post", "/appointments/find-slots"): ({}, {"patient_id": w.patient_id, "practitioner_id": w.practitioner_id}),
        ("post", "/schedules"): (
            {},
            {
                "practitioner_id": w.practitioner_id,
                "location_id": w.location_id,
                "rules": [{"weekdays": ["sat"], "start": "09:00", "end": "10:00"}],
            },
        ),
        ("post", "/schedules/{schedule_id}/exceptions"): ({}, {"kind": "time_off", **times}),
        ("post", "/waitlist"): ({}, {"patient_id": w.patient_id, "practitioner_id": w.practitioner_id}),
    }


def _with(body: dict[str, Any], loc: tuple[str | int, ...], value: str) -> dict[str, Any]:
    """``body`` with ``value`` at ``loc`` (a list index puts it in a list of its own)."""
    head, *rest = loc
    assert isinstance(head, str)
    if not rest:
        return {**body, head: value}
    if rest == [0]:
        return {**body, head: [value]}
    return {**body, head: _with(body.get(head, {}), tuple(rest), value)}


def test_the_walk_finds_the_date_fields_of_every_scheduling_route(app: Litestar) -> None:
    labels = {f.label for f in date_fields(app)}
    for expected in (
        f"GET {API}/appointments query start_date",
        f"GET {API}/appointments/availability query date",
        f"GET {API}/appointments/conflicts query end_time",
        f"GET {API}/appointments/calendar query end_date",
        f"GET {API}/patients/{{patient_id}}/appointments query start_date",
        f"POST {API}/appointments body start_time",
        f"PATCH {API}/appointments/{{appointment_id}} body end_time",
        f"POST {API}/appointments/find-slots body start_date",
        f"POST {API}/schedules body valid_until",
        f"POST {API}/schedules/{{schedule_id}}/exceptions body start_time",
        f"POST {API}/waitlist body preferred_dates.0",
    ):
        assert expected in labels


async def test_calendar_edges_are_a_422_naming_the_field_never_a_500(client: Client, app: Litestar) -> None:
    w = await world_of(client)
    bases = base_requests(w)
    ids = {"patient_id": w.patient_id, "appointment_id": w.appointment_id, "schedule_id": w.schedule_id}
    failures: list[str] = []
    checked = 0
    for field in date_fields(app):
        route = field.path.removeprefix(API)
        assert (field.method, route) in bases, f"give {field.method.upper()} {route} a valid base request"
        query, body = bases[(field.method, route)]
        url = f"{API}{route.format(**ids)}"
        for value in EDGE_DATES if field.format == "date" else EDGE_TIMES:
            if field.source == "query":
                name = str(field.loc[0])
                response = await client.request(field.method, url, params={**query, name: value}, json=body)
            else:
                response = await client.request(
                    field.method, url, params=query, json=_with(body or {}, field.loc, value)
                )
            checked += 1
            problem = response.json()
            locs = [tuple(e["loc"]) for e in problem.get("errors", [])]
            if response.status_code != 422 or (field.source, *field.loc) not in locs:
                failures.append(f"{field.label}={value}: {response.status_code} {response.text[:200]}")
            elif "1900" not in problem["detail"] or "2200" not in problem["detail"]:
                failures.append(f"{field.label}={value}: no accepted range in {problem['detail']!r}")
    assert not failures, "\n".join(failures)
    assert checked > 100


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/appointments/availability", {"start_date": "2026-03-10", "end_date": "2026-03-09"}, "end_date"),
        ("/appointments/availability", {"start_date": "1900-01-01", "end_date": "2000-12-31"}, "end_date"),
        ("/appointments/calendar", {"start_date": "2026-01-01", "end_date": "2027-01-02"}, "end_date"),
        ("/appointments/calendar", {"start_date": "2026-03-10", "end_date": "2026-03-09"}, "end_date"),
        ("/appointments", {"start_date": "2026-03-10", "end_date": "2026-03-09"}, "end_date"),
        ("/appointments/stats", {"start_date": "2026-03-10", "end_date": "2026-03-09"}, "end_date"),
        (
            "/appointments/conflicts",
            {"start_time": "2026-03-10T10:00:00Z", "end_time": "2026-03-10T09:00:00Z"},
            "end_time",
        ),
    ],
)
async def test_ranges_backwards_or_too_long_are_a_422_naming_the_end(
    client: Client, path: str, params: dict[str, str], field: str
) -> None:
    w = await world_of(client)
    response = await client.get(f"{API}{path}", params={"practitioner_id": w.practitioner_id, **params})
    assert response.status_code == 422, response.text
    assert [e["loc"] for e in response.json()["errors"]] == [["query", field]]


async def test_the_widest_accepted_ranges_answer(client: Client) -> None:
    w = await world_of(client)
    everything = {"start_date": "1900-01-01", "end_date": "2200-12-31"}
    listed = await client.get(f"{API}/appointments", params=everything)
    assert (listed.status_code, listed.json()["total"]) == (200, 1)
    stats = await client.get(f"{API}/appointments/stats", params=everything)
    assert (stats.status_code, stats.json()["total"]) == (200, 1)
    mine = await client.get(f"{API}/patients/{w.patient_id}/appointments", params=everything)
    assert (mine.status_code, mine.json()["total"]) == (200, 1)
    last_days = {"practitioner_id": w.practitioner_id, "start_date": "2200-11-01", "end_date": "2200-12-31"}
    assert (await client.get(f"{API}/appointments/availability", params=last_days)).status_code == 200
    first_year = {"practitioner_id": w.practitioner_id, "start_date": "1900-01-01", "end_date": "1900-12-31"}
    calendar = await client.get(f"{API}/appointments/calendar", params=first_year)
    assert calendar.status_code == 200
    edge = {
        "practitioner_id": w.practitioner_id,
        "start_time": "1900-01-01T00:00:00Z",
        "end_time": "2201-01-01T00:00:00Z",
    }
    conflicts = await client.get(f"{API}/appointments/conflicts", params=edge)
    assert (conflicts.status_code, conflicts.json()["conflict_count"]) == (200, 1)
