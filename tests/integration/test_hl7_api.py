"""HL7 v2 ingestion over HTTP (issue 14), on SQLite and PostgreSQL: the shared sample messages
(copied in ``tests/data/hl7v2``) get AA and the right patient change once ``hl7.apply`` ran,
malformed ones AR, unsupported types AE; a repeated control id is re-acknowledged and applied
once; A40 merges; A01 becomes an integration event; tenants see only their own messages."""

from pathlib import Path
from typing import Any
from uuid import UUID

import hl7  # type: ignore[import-untyped]
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from prm.settings import Settings
from tests.integration.integrations_support import run_job

Client = AsyncTestClient[Litestar]
API = "/api/v1/prm"
DATA = Path(__file__).parent.parent / "data" / "hl7v2"
ER7 = {"content-type": "x-application/hl7-v2+er7"}


def sample(name: str) -> str:
    return (DATA / name).read_bytes().decode("utf-8")


def msa(ack: str) -> tuple[str, str]:
    message = hl7.parse(ack)
    segment = message.segment("MSA")
    return str(segment(1)), str(segment(2))


async def post_raw(client: Client, raw: str) -> str:
    response = await client.post(f"{API}/hl7/messages", content=raw.encode("utf-8"), headers=ER7)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("x-application/hl7-v2+er7")
    return response.text


async def post_json(client: Client, raw: str, **extra: Any) -> dict[str, Any]:
    response = await client.post(f"{API}/hl7/messages", json={"raw_message": raw, **extra})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def apply(settings: Settings, tenant_id: UUID, message_id: str) -> None:
    await run_job(settings, tenant_id, "hl7.apply", {"message_id": message_id})


async def patient(client: Client, patient_id: str) -> dict[str, Any]:
    response = await client.get(f"{API}/patients/{patient_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


ADT_SAMPLES = [
    ("microsoft_fhir_converter/ADT-A01-02.hl7", "MSG00001", "PATID1234", "Josh", "male", "1988-08-18"),
    ("microsoft_fhir_converter/ADT-A04-02.hl7", "MSG00001", "PATID1234", "Josh", "male", "1988-08-18"),
    ("microsoft_fhir_converter/ADT-A08-02.hl7", "MSG00001", "PATID1234", "Josh", "male", "1988-08-18"),
    ("microsoft_fhir_converter/ADT-A28-01.hl7", "MSG00001", "PATID1234", "Josh", "male", "1988-08-18"),
    ("microsoft_fhir_converter/ADT-A31-01.hl7", "MSG00001", "PATID1234", "Josh", "male", "1988-08-18"),
    ("microsoft_fhir_converter/ADT01-23.hl7", "599102", "10006579", "DUCK", "male", "1924-10-10"),
    ("microsoft_fhir_converter/ADT04-251.hl7", "1270326314", "MRN12345", None, None, None),
    ("hl7apy/adt_a01_v25.hl7", "0123456789", "123-456-789", "SURNAME", "male", None),
    ("hl7apy/adt_a01_v26.hl7", "0123456789", "123-456-789", "SURNAME", "male", None),
]


@pytest.mark.parametrize(("name", "control_id", "mrn", "family", "gender", "birth_date"), ADT_SAMPLES)
async def test_a_well_formed_adt_message_is_acknowledged_aa_and_creates_its_patient(
    client: Client,
    settings: Settings,
    tenant_id: UUID,
    name: str,
    control_id: str,
    mrn: str,
    family: str | None,
    gender: str | None,
    birth_date: str | None,
) -> None:
    ack = await post_raw(client, sample(name))
    assert msa(ack) == ("AA", control_id)
    status = (await client.get(f"{API}/hl7/messages/parse-status/{control_id}")).json()
    assert status["status"] == "received"
    await apply(settings, tenant_id, status["message_id"])

    status = (await client.get(f"{API}/hl7/messages/parse-status/{control_id}")).json()
    assert status["status"] == "processed", status
    patients = [c for c in status["resources_created"] if c["entity"] == "patient"]
    assert [c["action"] for c in patients] == ["created"]
    found = await patient(client, patients[0]["entity_id"])
    assert found["mrn"] == mrn
    if family is not None:
        assert found["name"]["family"] == family
    if gender is not None:
        assert found["gender"] == gender
    if birth_date is not None:
        assert found["birth_date"] == birth_date


async def test_the_fields_of_pid_become_the_patients(client: Client, settings: Settings, tenant_id: UUID) -> None:
    body = await post_json(client, sample("microsoft_fhir_converter/ADT-A01-02.hl7"), correlation_id="corr-1")
    assert (body["ack_code"], body["status"], body["duplicate"]) == ("AA", "received", False)
    await apply(settings, tenant_id, body["message_id"])
    detail = (await client.get(f"{API}/hl7/messages/{body['message_id']}")).json()
    assert detail["status"] == "processed"
    assert detail["correlation_id"] == "corr-1"
    assert [s["name"] for s in detail["segments"]] == ["MSH", "EVN", "PID", "PV1"]
    assert detail["raw_message"].startswith("MSH|^~\\&|ADTApp|")
    assert all(e["segment"] == "PID" for e in detail["errors"])  # warnings: the sample's phones are not valid
    found = await patient(client, detail["changes"][0]["entity_id"])
    assert found["name"]["given"] == ["stanley"]  # the legal name (XPN-7 L), the second repetition
    assert found["preferred_language"] == "ara"
    assert found["addresses"][0]["city"] == "Ann Arbor"
    assert found["addresses"][0]["line"][0] == "1000 Hospital Lane"
    systems = {(i["system"], i["value"]) for i in found["identifiers"]}
    assert ("urn:prm:hl7:aa:test1", "PATID1234") in systems
    assert ("urn:prm:hl7:aa:USSSA", "123456789") in systems


async def test_an_update_changes_the_patient_with_that_mrn(client: Client, settings: Settings, tenant_id: UUID) -> None:
    first = "MSH|^~\\&|HIS|CITY|PRM|PRM|20260101||ADT^A04|C1|P|2.5\rPID|1||4711^^^CITY^MR||Doe^Jane||19800102|F\r"
    update = (
        "MSH|^~\\&|HIS|CITY|PRM|PRM|20260102||ADT^A08|C2|P|2.5\n"
        "PID|1||4711^^^CITY^MR~99-1^^^STATE^DL||Doe^Janet||19800102|F|||1 Main St^^Springfield^IL^62701^US^H||"
        "(217) 555-0100^PRN^PH~^NET^Internet^jane@example.org||en\n"
    )
    one = await post_json(client, first)
    await apply(settings, tenant_id, one["message_id"])
    two = await post_json(client, update)
    assert two["ack_code"] == "AA"
    await apply(settings, tenant_id, two["message_id"])
    detail = (await client.get(f"{API}/hl7/messages/{two['message_id']}")).json()
    assert [c["action"] for c in detail["changes"]] == ["updated"]
    assert detail["errors"] == []
    found = await patient(client, detail["changes"][0]["entity_id"])
    assert found["name"]["given"] == ["Janet"]
    assert found["phone"] == "+12175550100"
    assert found["email"] == "jane@example.org"
    assert found["preferred_language"] == "en"
    assert found["addresses"][0]["postal_code"] == "62701"
    assert ("urn:prm:hl7:aa:STATE", "99-1") in {(i["system"], i["value"]) for i in found["identifiers"]}
    listed = (await client.get(f"{API}/patients", params={"page_size": 100})).json()
    assert listed["total"] == 1


MALFORMED = [
    ("hl7apy/malformed_missing_encoding_chars.hl7", "MSH", "2"),
    ("hl7apy/malformed_too_many_encoding_chars.hl7", "MSH", "2"),
    ("hl7apy/malformed_duplicate_encoding_chars.hl7", "MSH", "2"),
    ("hl7apy/malformed_incomplete_msh9.hl7", "MSH", "9"),
    ("hl7apy/malformed_missing_version.hl7", "MSH", "10"),
    ("hl7apy/malformed_missing_msh9.hl7", "MSH", "9"),
    ("python_hl7/sample_bad_batch.hl7", "MSH", ""),
    ("python_hl7/sample_batch2.hl7", "MSH", ""),
]


@pytest.mark.parametrize(("name", "segment", "field"), MALFORMED)
async def test_a_malformed_message_is_rejected_ar_with_an_err_naming_segment_and_field(
    client: Client, name: str, segment: str, field: str
) -> None:
    ack = await post_raw(client, sample(name))
    message = hl7.parse(ack)
    assert str(message.segment("MSA")(1)) == "AR"
    err = message.segment("ERR")
    assert str(err(2)(1)(1)) == segment
    if field:
        assert str(err(2)(1)(3)) == field
    listed = (await client.get(f"{API}/hl7/messages", params={"status": "rejected"})).json()
    assert listed["total"] == 1


@pytest.mark.parametrize("name", ["microsoft_fhir_converter/ORU-R01-RMGEAD.hl7", "hl7apy/rsp_k22_v25.hl7"])
async def test_a_type_prm_does_not_apply_is_stored_and_acknowledged_ae(client: Client, name: str) -> None:
    body = await post_json(client, sample(name))
    assert (body["ack_code"], body["status"]) == ("AE", "failed")
    assert msa(body["ack"])[0] == "AE"
    detail = (await client.get(f"{API}/hl7/messages/{body['message_id']}")).json()
    assert detail["errors"][0]["segment"] == "MSH"
    assert detail["errors"][0]["field"] == 9


async def test_a_repeated_control_id_is_acknowledged_again_and_applied_once(
    client: Client, settings: Settings, tenant_id: UUID
) -> None:
    raw = sample("microsoft_fhir_converter/ADT-A04-02.hl7")
    first = await post_json(client, raw)
    again = await post_raw(client, raw)
    third = await post_json(client, raw)
    assert msa(again) == ("AA", "MSG00001")
    assert (third["message_id"], third["duplicate"]) == (first["message_id"], True)
    await apply(settings, tenant_id, first["message_id"])
    await apply(settings, tenant_id, first["message_id"])  # a job run twice changes nothing
    listed = (await client.get(f"{API}/hl7/messages")).json()
    assert listed["total"] == 1
    assert listed["items"][0]["status"] == "processed"
    assert (await client.get(f"{API}/patients")).json()["total"] == 1


async def test_a40_merges_the_mrg_patient_into_the_pid_patient(
    client: Client, settings: Settings, tenant_id: UUID
) -> None:
    for control, mrn, given in (("R1", "12345", "Target"), ("R2", "56789", "Source")):
        raw = (
            f"MSH|^~\\&|HIS|Ntierprise Clinic|PRM|PRM|20260101||ADT^A04|{control}|P|2.8\r"
            f"PID|1||{mrn}^^^BCBS^MR||Test^{given}||20180205|F\r"
        )
        body = await post_json(client, raw)
        await apply(settings, tenant_id, body["message_id"])
    body = await post_json(client, sample("microsoft_fhir_converter/ADT-A40-01.hl7"))
    assert body["ack_code"] == "AA"
    await apply(settings, tenant_id, body["message_id"])
    detail = (await client.get(f"{API}/hl7/messages/{body['message_id']}")).json()
    assert detail["status"] == "processed", detail["errors"]
    assert [c["action"] for c in detail["changes"]] == ["merged"]
    survivor = await patient(client, detail["changes"][0]["entity_id"])
    assert survivor["mrn"] == "12345"
    assert [link["type"] for link in survivor["link"]] == ["replaces"]


async def test_a40_of_an_unknown_patient_fails_with_the_reason(
    client: Client, settings: Settings, tenant_id: UUID
) -> None:
    body = await post_json(client, sample("linuxforhealth/adt_a40_merge_one_mrg.hl7"))
    await apply(settings, tenant_id, body["message_id"])
    detail = (await client.get(f"{API}/hl7/messages/{body['message_id']}")).json()
    assert detail["status"] == "failed"
    assert detail["errors"][0]["segment"] == "MRG"


async def test_a01_and_a03_become_integration_events(client: Client, settings: Settings, tenant_id: UUID) -> None:
    admit = await post_json(client, sample("microsoft_fhir_converter/ADT-A01-02.hl7"))
    await apply(settings, tenant_id, admit["message_id"])
    discharge = sample("microsoft_fhir_converter/ADT-A03-01.hl7").replace("MSG00001", "MSG00003")
    body = await post_json(client, discharge)
    await apply(settings, tenant_id, body["message_id"])
    events = (await client.get(f"{API}/integrations/events", params={"source_system": "hl7"})).json()
    assert sorted(e["event_code"] for e in events["items"]) == ["ADT_A01", "ADT_A03"]
    assert {e["patient_identifier"] for e in events["items"]} == {"PATID1234"}


@pytest.mark.parametrize("separator", ["\r", "\n", "\r\n"])
async def test_segments_may_be_separated_by_cr_lf_or_crlf(client: Client, separator: str) -> None:
    raw = separator.join(
        ["\ufeffMSH|^~\\&|HIS|CITY|PRM|PRM|20260101||ADT^A04|S1|P|2.5", "PID|1||77^^^CITY^MR||Roe^Rick", ""]
    )
    assert msa(await post_raw(client, raw)) == ("AA", "S1")


async def test_tenants_see_only_their_own_messages(client: Client, other_tenant_client: Client) -> None:
    body = await post_json(client, sample("microsoft_fhir_converter/ADT-A04-02.hl7"))
    assert (await other_tenant_client.get(f"{API}/hl7/messages")).json()["total"] == 0
    assert (await other_tenant_client.get(f"{API}/hl7/messages/{body['message_id']}")).status_code == 404
    assert (await other_tenant_client.get(f"{API}/hl7/messages/parse-status/MSG00001")).status_code == 404
    assert (await client.get(f"{API}/hl7/messages", params={"message_type": "adt^a04"})).json()["total"] == 1


async def test_auditors_read_and_integrations_write(client: Client, client_as: Any) -> None:
    auditor = await client_as("auditor")
    assert (await auditor.get(f"{API}/hl7/messages")).status_code == 200
    assert (await auditor.post(f"{API}/hl7/messages", json={"raw_message": "MSH|"})).status_code == 403
    integration = await client_as("integration")
    body = await post_json(integration, sample("microsoft_fhir_converter/ADT-A04-02.hl7"))
    assert body["ack_code"] == "AA"
    front_desk = await client_as("front_desk")
    assert (await front_desk.get(f"{API}/hl7/messages")).status_code == 403


async def test_a_json_body_without_raw_message_is_422(client: Client) -> None:
    response = await client.post(f"{API}/hl7/messages", json={"message": "MSH|"})
    assert response.status_code == 422


async def test_an_empty_or_binary_body_is_answered_ar(client: Client) -> None:
    empty = await client.post(f"{API}/hl7/messages", content=b"", headers=ER7)
    assert empty.status_code == 200
    assert msa(empty.text)[0] == "AR"
    binary = await client.post(f"{API}/hl7/messages", content=bytes(range(256)), headers={"content-type": "text/plain"})
    assert binary.status_code == 200
    assert msa(binary.text)[0] == "AR"


async def test_control_characters_never_reach_the_database(client: Client) -> None:
    raw = "MSH|^~\\&|HIS|CITY|PRM|PRM|20260101||ADT^A04|N1|P|2.5\rPID|1||9^^^CITY^MR||Roe\x00^Rick\r"
    assert msa(await post_raw(client, raw)) == ("AR", "N1")
    response = await client.post(f"{API}/hl7/messages", json={"raw_message": raw})
    assert response.status_code == 422  # the JSON input policy refuses control characters
