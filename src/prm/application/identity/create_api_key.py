"""Create an API key for an integration (``POST /admin/api-keys``)."""

from collections.abc import Sequence
from dataclasses import dataclass

import structlog

from prm.application.identity.grants import GrantPolicy
from prm.application.identity.ports import ApiKeyRepository, Secrets
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.identity.errors import InvalidIdentityInput
from prm.domain.identity.model import ApiKey, ApiKeyId
from prm.domain.identity.permissions import check_permissions
from prm.domain.shared.ids import new_id

log = structlog.get_logger(__name__)

API_KEY_PREFIX = "prm_ak_"


@dataclass(frozen=True, slots=True)
class CreatedApiKey:
    """The key and its secret: the only time the secret is available."""

    key: ApiKey
    secret: str


class CreateApiKey:
    """A key of the caller's tenant holding ``permissions`` (``resource:action`` names), all of
    which the caller must hold itself. Only its SHA-256 digest is stored. Raises ``RuleViolated``
    (422), ``GrantExceedsOwn`` (403). Records a ``create`` audit event."""

    def __init__(
        self,
        keys: ApiKeyRepository,
        secrets: Secrets,
        audit: AuditTrail,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
        grants: GrantPolicy,
    ) -> None:
        self._grants = grants
        self._keys = keys
        self._secrets = secrets
        self._audit = audit
        self._uow = uow
        self._clock = clock
        self._context = context

    async def __call__(self, name: str, permissions: Sequence[str]) -> CreatedApiKey:
        if not name.strip():
            raise InvalidIdentityInput("an API key needs a name", field="name")
        granted = check_permissions(list(permissions))
        self._grants.check_grant(granted, to="an API key")
        secret = self._secrets.new(API_KEY_PREFIX)
        key = ApiKey(
            id=ApiKeyId(new_id()),
            tenant_id=self._context.tenant_id,
            name=name.strip(),
            prefix=secret[: len(API_KEY_PREFIX) + 6],
            key_hash=self._secrets.digest(secret),
            permissions=granted,
            created_by=self._context.principal.id,
            created_at=self._clock.now(),
        )
        await self._keys.add(key)
        await self._audit.record(AuditAction.CREATE, "api_key", [key.id])
        await self._uow.commit()
        log.info("api_key.created", api_key_id=str(key.id))
        return CreatedApiKey(key, secret)
