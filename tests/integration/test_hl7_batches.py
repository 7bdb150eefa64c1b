"""``POST /hl7/batches`` (issue 14), on SQLite and PostgreSQL: python-hl7's batch and file
samples give one ACK per message (a control id repeated within the batch is acknowledged again and
stored once), the malformed ones a 422 naming the reason with nothing stored, and a stored message
is applied by ``hl7.apply`` as one posted alone."""

from typing import Any
from uuid import UUID

import hl7  # type: ignore[import-untyped]
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from prm.settings import Settings
from tests.integration.test_hl7_api import API, ER7, apply, sample

Client = AsyncTestClient[Litestar]
BATCHES = f"{API}/hl7/batches"


async def post_batch(client: Client, raw: str) -> dict[str, Any]:
    response = await client.post(BATCHES, content=raw.encode("utf-8"), headers=ER7)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize(
    ("name", "control_ids", "duplicates"),
    [
        ("python_hl7/sample_batch.hl7", ["12334456778890"], [False]),
        ("python_hl7/sample_batch1.hl7", ["12334456778890", "12334456778891"], [False, False]),
        ("python_hl7/sample_batch2.hl7", ["12334456778890", "12334456778891"], [False, False]),
        ("python_hl7/sample_file.hl7", ["12334456778890"], [False]),
        ("python_hl7/sample_file1.hl7", ["12334456778890", "12334456778891", "12334456778890"], [False, False, True]),
    ],
)
async def test_a_batch_is_answered_with_one_ack_per_message(
    client: Client, name: str, control_ids: list[str], duplicates: list[bool]
) -> None:
    body = await post_batch(client, sample(name))
    assert (body["count"], body["accepted"], body["errored"], body["rejected"]) == (
        len(control_ids),
        len(control_ids),
        0,
        0,
    )
    assert [a["control_id"] for a in body["acks"]] == control_ids
    assert [a["duplicate"] for a in body["acks"]] == duplicates
    for ack in body["acks"]:
        msa = hl7.parse(ack["ack"]).segment("MSA")
        assert (str(msa(1)), str(msa(2))) == ("AA", ack["control_id"])
    listed = (await client.get(f"{API}/hl7/messages")).json()
    assert listed["total"] == len(set(control_ids))


async def test_a_batch_sent_again_is_acknowledged_without_storing_twice(client: Client) -> None:
    first = await post_batch(client, sample("python_hl7/sample_batch1.hl7"))
    again = await post_batch(client, sample("python_hl7/sample_batch1.hl7"))
    assert [a["message_id"] for a in again["acks"]] == [a["message_id"] for a in first["acks"]]
    assert all(a["duplicate"] for a in again["acks"])
    assert (await client.get(f"{API}/hl7/messages")).json()["total"] == 2


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("python_hl7/sample_bad_batch.hl7", "before its message's MSH"),
        ("python_hl7/sample_bad_batch1.hl7", "second BHS"),
        ("python_hl7/sample_bad_file.hl7", "before its message's MSH"),
        ("python_hl7/sample_bad_file1.hl7", "second BHS"),
        ("python_hl7/sample_bad_file2.hl7", "second FHS"),
        ("python_hl7/sample_bad_file3.hl7", "before its message's MSH"),
    ],
)
async def test_a_malformed_batch_is_a_422_naming_the_reason_and_stores_nothing(
    client: Client, name: str, reason: str
) -> None:
    response = await client.post(BATCHES, content=sample(name).encode("utf-8"), headers=ER7)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "hl7.malformed_batch"
    assert reason in problem["detail"]
    assert (await client.get(f"{API}/hl7/messages")).json()["total"] == 0


async def test_messages_one_after_another_as_json_mix_accepted_errored_and_rejected(
    client: Client, settings: Settings, tenant_id: UUID
) -> None:
    raw = "\n".join(
        [
            sample("microsoft_fhir_converter/ADT-A01-02.hl7").strip(),
            sample("microsoft_fhir_converter/ORU-R01-RMGEAD.hl7").strip(),
            "MSH|^~\\&|HIS|FAC|PRM|PRM|20260101||ADT^A04|NOVERSION|P|",
        ]
    )
    response = await client.post(BATCHES, json={"raw_batch": raw})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["count"], body["accepted"], body["errored"], body["rejected"]) == (3, 1, 1, 1)
    assert [a["ack_code"] for a in body["acks"]] == ["AA", "AE", "AR"]
    await apply(settings, tenant_id, body["acks"][0]["message_id"])
    detail = (await client.get(f"{API}/hl7/messages/{body['acks'][0]['message_id']}")).json()
    assert (detail["status"], detail["changes"][0]["entity"]) == ("processed", "patient")


async def test_an_empty_batch_or_a_json_body_without_raw_batch_is_422(client: Client) -> None:
    assert (await client.post(BATCHES, content=b"", headers=ER7)).status_code == 422
    response = await client.post(BATCHES, json={"raw": "MSH|"})
    assert (response.status_code, response.json()["code"]) == (422, "prm.rule_violated")
