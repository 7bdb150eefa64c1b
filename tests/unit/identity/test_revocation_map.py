"""The in-memory revocation list: generations and sessions, kept as long as a token can live."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from prm.adapters.security.revocations import SKEW, RevocationMap
from prm.application.identity.ports import AccessClaims, Revocation
from prm.domain.identity.model import UserId
from prm.domain.shared.ids import TenantId

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
LIFETIME = timedelta(minutes=15)
TENANT = TenantId(uuid4())
USER = UserId(uuid4())


def token(generation: int = 1, session: object = None, user: UserId = USER) -> AccessClaims:
    return AccessClaims(
        subject=str(user),
        tenant_id=TENANT,
        roles=(),
        permissions=frozenset(),
        phone_region="US",
        expires_at=NOW + LIFETIME,
        generation=generation,
        session_id=session or uuid4(),  # type: ignore[arg-type]
    )


def test_a_generation_refuses_the_users_older_tokens_only() -> None:
    revoked = RevocationMap(LIFETIME)
    revoked.apply([Revocation(tenant_id=TENANT, user_id=USER, at=NOW, generation=3)])
    assert revoked.is_revoked(token(1))
    assert revoked.is_revoked(token(2))
    assert not revoked.is_revoked(token(3))
    assert not revoked.is_revoked(token(1, user=UserId(uuid4())))


def test_revocations_arriving_out_of_order_keep_the_highest_generation() -> None:
    revoked = RevocationMap(LIFETIME)
    revoked.apply([Revocation(tenant_id=TENANT, user_id=USER, at=NOW, generation=5)])
    revoked.apply([Revocation(tenant_id=TENANT, user_id=USER, at=NOW + timedelta(minutes=1), generation=4)])
    assert revoked.is_revoked(token(4))
    revoked.prune(NOW + LIFETIME + SKEW + timedelta(seconds=30))
    assert revoked.is_revoked(token(4))  # the later revocation keeps the entry a little longer


def test_a_session_refuses_its_tokens_only() -> None:
    revoked = RevocationMap(LIFETIME)
    session = uuid4()
    revoked.apply([Revocation(tenant_id=TENANT, user_id=USER, at=NOW, session_id=session)])
    assert revoked.is_revoked(token(9, session=session))
    assert not revoked.is_revoked(token(9))


def test_entries_are_forgotten_once_no_token_they_refuse_can_be_alive() -> None:
    revoked = RevocationMap(LIFETIME)
    revoked.apply(
        [
            Revocation(tenant_id=TENANT, user_id=USER, at=NOW, generation=2),
            Revocation(tenant_id=TENANT, user_id=USER, at=NOW, session_id=uuid4()),
        ]
    )
    revoked.prune(NOW + LIFETIME)
    assert len(revoked) == 2
    revoked.prune(NOW + LIFETIME + SKEW + timedelta(seconds=1))
    assert len(revoked) == 0
