"""What a caller may sync: the REST API's permissions, per kind of record."""

from prm.application.identity.grants import held_by
from prm.application.shared.context import RequestContext
from prm.domain.sync.model import SyncEntity

_PREFIX = {SyncEntity.PATIENT: "patients", SyncEntity.APPOINTMENT: "appointments"}


def may(context: RequestContext, entity: SyncEntity, access: str) -> bool:
    """Whether the caller holds ``<entity>s:<access>`` (``access``: ``read`` or ``write``)."""
    return f"{_PREFIX[entity]}:{access}" in held_by(context.principal)
