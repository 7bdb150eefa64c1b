"""Errors of offline sync, by category (``prm.domain.shared.errors``)."""

from prm.domain.shared.errors import Conflict, Forbidden, RuleViolated


class InvalidCursor(RuleViolated):
    """A download cursor that this server did not hand out (422, field ``since``)."""

    code = "sync.invalid_cursor"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, field="since")


class BaseVersionRequired(RuleViolated):
    """An update or a delete that does not say which server version it was based on (422)."""

    code = "sync.base_version_required"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, field="base_version")


class SyncNotPermitted(Forbidden):
    """The caller may not write (or read) this kind of record (403)."""

    code = "sync.not_permitted"


class ChangeInProgress(Conflict):
    """The same (device, change id) is being applied by a concurrent upload (409): upload again
    to get its result."""

    code = "sync.change_in_progress"
