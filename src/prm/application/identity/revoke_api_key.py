"""Revoke an API key (``DELETE /admin/api-keys/{id}``)."""

from prm.application.identity.ports import ApiKeyRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.identity.errors import ApiKeyNotFound
from prm.domain.identity.model import ApiKeyId


class RevokeApiKey:
    """From now on the key is refused (401). Idempotent. Raises ``ApiKeyNotFound`` (404).
    Records a ``delete`` audit event."""

    def __init__(self, keys: ApiKeyRepository, audit: AuditTrail, uow: UnitOfWork, clock: Clock) -> None:
        self._keys = keys
        self._audit = audit
        self._uow = uow
        self._clock = clock

    async def __call__(self, key_id: ApiKeyId) -> None:
        key = await self._keys.get(key_id)
        if key is None:
            raise ApiKeyNotFound(f"API key {key_id} not found")
        if key.revoked_at is not None:
            return
        key.revoked_at = self._clock.now()
        await self._keys.save(key)
        await self._audit.record(AuditAction.DELETE, "api_key", [key.id], ["revoked_at"])
        await self._uow.commit()
