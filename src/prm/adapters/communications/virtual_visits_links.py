"""PRM's signed join links of virtual visits (``JoinLinks``).

``{base_url}/{visit_id}/join?t=<token>``, where the token is base64url (no padding) of the
tenant id (16 bytes), the participant (1 byte: ``p`` patient, ``c`` clinician) and an
HMAC-SHA256 (RFC 2104) over the visit id, tenant and participant truncated to 16 bytes (128
bits, NIST SP 800-107 allows truncation to 64+): 46 characters, short enough for an SMS. The key
is derived from PRM's signing keys (``PRM_JWT_KEYS``, the first signs, all verify: rotation keeps
old links working while the old key is listed) with the label ``prm.virtual-visit-link``, so it
is never the key that signs access tokens. The link has no expiry of its own: PRM checks the
visit (status, window) at every click.
"""

import base64
import binascii
import hashlib
import hmac
from collections.abc import Sequence
from uuid import UUID

from prm.application.communications.virtual_visits_ports import JoinClaims, JoinLinks
from prm.domain.communications.virtual_visits import Participant, VirtualVisitId
from prm.domain.shared.ids import TenantId

LABEL = b"prm.virtual-visit-link"
MAC_BYTES = 16
_PARTICIPANT = {Participant.PATIENT: b"p", Participant.PRACTITIONER: b"c"}
_FROM_BYTE = {v: k for k, v in _PARTICIPANT.items()}


def _derive(secret: str) -> bytes:
    return hmac.new(secret.encode(), LABEL, hashlib.sha256).digest()


class SignedJoinLinks(JoinLinks):
    """Join links signed with keys derived from ``secrets`` (the first signs); ``base_url`` is the
    absolute URL of the visits' collection (``https://prm.example.org/api/v1/prm/communications/
    virtual-visits``)."""

    def __init__(self, base_url: str, secrets: Sequence[str]) -> None:
        if not secrets:
            raise ValueError("join links need at least one signing key")
        self._base_url = base_url.rstrip("/")
        self._keys = [_derive(secret) for secret in secrets]

    def _mac(self, key: bytes, visit_id: UUID, body: bytes) -> bytes:
        return hmac.new(key, visit_id.bytes + body, hashlib.sha256).digest()[:MAC_BYTES]

    def token(self, tenant_id: TenantId, visit_id: VirtualVisitId, participant: Participant) -> str:
        body = tenant_id.bytes + _PARTICIPANT[participant]
        raw = body + self._mac(self._keys[0], visit_id, body)
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    def url(self, tenant_id: TenantId, visit_id: VirtualVisitId, participant: Participant) -> str:
        return f"{self._base_url}/{visit_id}/join?t={self.token(tenant_id, visit_id, participant)}"

    def verify(self, visit_id: VirtualVisitId, token: str) -> JoinClaims | None:
        if not token or len(token) > 64 or not token.isascii():
            return None
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError):
            return None
        if len(raw) != 17 + MAC_BYTES:
            return None
        body, mac = raw[:17], raw[17:]
        participant = _FROM_BYTE.get(body[16:17])
        if participant is None:
            return None
        if not any(hmac.compare_digest(mac, self._mac(key, visit_id, body)) for key in self._keys):
            return None
        return JoinClaims(tenant_id=TenantId(UUID(bytes=body[:16])), visit_id=visit_id, participant=participant)
