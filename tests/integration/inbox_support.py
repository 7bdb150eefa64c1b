"""Making an inbox thread in a test's tenant through the public Twilio webhook, for suites that
need one (``test_access_control``'s ids)."""

from typing import Any
from uuid import uuid4

from litestar import Litestar
from litestar.testing import AsyncTestClient

from prm.adapters.communications.providers.callbacks import twilio_signature

API = "/api/v1/prm"
PUBLIC_BASE = "https://prm.example.org"


async def a_thread(client: AsyncTestClient[Litestar], sender: str = "+447400123456") -> str:
    """Configure the client's tenant with a Twilio SMS provider, post it a signed inbound SMS from
    ``sender`` and answer the id of the thread it lands in (unmatched unless a patient has the phone)."""
    token = uuid4().hex
    config: dict[str, Any] = {
        "kind": "twilio",
        "settings": {"account_sid": "AC" + "0" * 32, "from_number": "+15005550006", "callback_base_url": PUBLIC_BASE},
        "secrets": {"auth_token": token},
    }
    configured = await client.put(f"{API}/communications/providers/sms", json=config)
    assert configured.status_code == 200, configured.text
    tenant_id = (await client.get(f"{API}/auth/me")).json()["tenant_id"]
    path = f"{API}/communications/webhooks/twilio/{tenant_id}/inbound"
    form = {"MessageSid": f"SM{uuid4().hex}", "From": sender, "To": "+15005550006", "Body": "hello"}
    headers = {"X-Twilio-Signature": twilio_signature(PUBLIC_BASE + path, form, token)}
    posted = await client.post(path, data=form, headers=headers)
    assert posted.status_code == 200, posted.text
    listed = await client.get(f"{API}/communications/threads", params={"page_size": 100})
    return str(listed.json()["items"][0]["id"])
