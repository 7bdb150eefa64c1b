"""No patient data and no secret in the logs, on the error paths too, in both log formats.

Two ways in:

- ``prm serve`` as a process (JSON lines in production, the console format in development), on
  both databases, driven through the refusals a clinic meets every day: a duplicate MRN (the
  database's unique constraint), bad phones and emails, control characters, unknown enum values,
  failed logins with a patient's email, a login body with NUL; every line it writes is searched for
  the patient's name, MRN, birth date, phone, email and the password.
- A server error forced in-process: the patient repository's insert is replaced by a statement
  that the database refuses with the patient's family name in its error text (``relation
  "missing_<name>" does not exist``) and as a bound parameter, raised from a frame whose locals
  hold the whole patient. The 500's log line must show the stack and the error's type only.
"""

import json
from pathlib import Path
from typing import Any, Literal
from uuid import uuid4

import httpx
import pytest
import sqlalchemy as sa
from dishka import Provider, Scope, provide
from litestar.testing import AsyncTestClient

from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.patients import SqlPatientRepository
from prm.application.patients.ports import PatientRepository
from prm.domain.patients.model import Patient
from prm.domain.shared.ids import TenantId
from prm.entrypoints.http.app import create_app
from prm.settings import Settings
from tests.auth import PASSWORD, CheapHashing, create_tenant, create_user, log_in
from tests.served import admin_of_new_tenant, served

FAMILY = "Quixotewhistle"
GIVEN = "Zebulonia"
MRN = "MRN-PHI-993117"
BIRTH_DATE = "1957-08-19"
PHONE = "+44 20 7946 0321"
PHONE_E164 = "+442079460321"
EMAIL = "zebulonia.quixotewhistle@example.org"
SECRETS = (FAMILY, GIVEN, MRN, BIRTH_DATE, PHONE_E164, "7946 0321", EMAIL, PASSWORD, "$argon2id$")
P = "/api/v1/prm"

PATIENT = {
    "name": {"given": [GIVEN], "family": FAMILY},
    "mrn": MRN,
    "birth_date": BIRTH_DATE,
    "phone": PHONE,
    "email": EMAIL,
    "addresses": [{"line": ["17 Quixotewhistle Lane"], "city": "London"}],
}


def _leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret.lower() in text.lower()]


async def _error_paths(client: httpx.AsyncClient) -> None:
    assert (await client.post(f"{P}/patients", json=PATIENT)).status_code == 201
    attempts: list[tuple[str, str, Any, int]] = [
        ("POST", f"{P}/patients", PATIENT, 409),  # duplicate MRN: the database's unique constraint
        ("POST", f"{P}/patients", {**PATIENT, "mrn": None, "phone": f"{PHONE} or {PHONE}"}, 422),
        ("POST", f"{P}/patients", {**PATIENT, "mrn": None, "email": f"{EMAIL}@@"}, 422),
        ("POST", f"{P}/patients", {**PATIENT, "mrn": None, "name": {"family": f"{FAMILY}\x00"}}, 422),
        ("POST", f"{P}/patients", {**PATIENT, "mrn": None, "gender": FAMILY}, 422),
        ("GET", f"{P}/patients/mrn/{MRN}%00", None, 422),
        ("GET", f"{P}/patients/search?query={FAMILY}%00", None, 422),
        ("POST", f"{P}/patients/search", {"email": EMAIL, "birth_date": "9999-12-31"}, 422),
        ("POST", f"{P}/auth/login", {"email": EMAIL, "password": PASSWORD}, 401),
        ("POST", f"{P}/auth/login", {"email": f"{EMAIL}\x00", "password": PASSWORD}, 422),
    ]
    for method, url, body, expected in attempts:
        response = await client.request(method, url, json=body)
        assert response.status_code == expected, (url, response.text)
        assert response.status_code < 500


@pytest.mark.parametrize("log_format", ["json", "console"])
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_refusals_put_no_patient_data_in_the_log(
    backend: str, log_format: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = str(request.getfixturevalue("_sqlite_url" if backend == "sqlite" else "_postgres_url"))
    env = "production" if log_format == "json" else "development"
    with served(url, tmp_path / "server.log", env=env, log_format=log_format, log_level="debug") as app:
        _, token = await admin_of_new_tenant(app)
        async with httpx.AsyncClient(base_url=app.base_url, headers={"Authorization": f"Bearer {token}"}) as client:
            await _error_paths(client)
        text = app.log_text()
    assert "request.refused" in text  # the refusals were logged, so the search below means something
    assert _leaks(text) == []


class FailingInsert(Provider):
    """The patient repository, with an insert that the database refuses quoting the family name."""

    @provide(scope=Scope.REQUEST, override=True)
    def repository(self, connection: SqlConnection, tenant_id: TenantId) -> PatientRepository:
        class Failing(SqlPatientRepository):
            async def add(self, patient: Patient) -> None:
                whole_patient = patient  # a local the traceback must not render
                assert whole_patient.details is not None
                # PostgreSQL and SQLite both name the missing table in their error text
                await connection.execute(sa.text(f"SELECT CAST(:v AS integer) FROM missing_{FAMILY}"), {"v": FAMILY})

        return Failing(connection, tenant_id)


@pytest.mark.parametrize("log_format", ["json", "console"])
async def test_a_server_error_logs_the_stack_not_the_data(
    database_url: str, tenant_id: Any, log_format: Literal["json", "console"], capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(
        database_url=database_url,
        env="test",
        default_tenant_id=tenant_id,
        access_log=True,
        log_level="debug",
        log_format=log_format,
    )
    app = create_app(settings, CheapHashing(), FailingInsert())
    await create_tenant(settings, tenant_id)
    email = await create_user(settings, tenant_id, ["admin"], email=f"admin-{uuid4().hex[:6]}@example.org")
    async with AsyncTestClient(app=app) as client:
        await log_in(client, email)
        capsys.readouterr()
        response = await client.post(f"{P}/patients", json=PATIENT)
    text = capsys.readouterr().err
    assert response.status_code == 500
    assert FAMILY not in response.text
    assert "request.failed" in text
    assert "Traceback" in text
    assert "test_logs_phi.py" in text
    assert "message withheld" in text
    assert _leaks(text) == []
    if log_format == "json":
        failed = [json.loads(line) for line in text.splitlines() if '"request.failed"' in line]
        assert failed
        assert failed[0]["level"] == "error"
