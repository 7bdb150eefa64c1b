"""Ports of offline sync: the change feed, the ledger of device changes, the unit a change is
applied in, and the records it reads from the patients and appointments contexts."""

from abc import abstractmethod
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol
from uuid import UUID

from prm.domain.appointments.ids import AppointmentId
from prm.domain.appointments.model import Appointment
from prm.domain.patients.model import Patient
from prm.domain.shared.ids import PatientId
from prm.domain.sync.model import AppliedChange, FeedEntry, FeedPosition, SyncEntity


class ChangeFeed(Protocol):
    """Tenant-scoped, commit-ordered list of the patients and appointments changed: an entry is
    written in the transaction of the change (so it exists exactly when the change does) and
    numbered in commit order, so that paging by position never skips a change committed late."""

    @abstractmethod
    async def after(
        self, position: FeedPosition | None, entities: frozenset[SyncEntity], limit: int
    ) -> Sequence[FeedEntry]:
        """At most ``limit`` entries of ``entities`` after ``position`` (``None``: from the
        start), in feed order."""

    @abstractmethod
    async def compact(self, limit: int) -> int:
        """Delete at most ``limit`` entries that a later entry of the same record supersedes
        (in the unit of work); how many went. A device loses nothing: a download answers each
        record's current state from its latest entry, which stays."""


class SyncLedger(Protocol):
    """Tenant-scoped record of the device changes applied, by ``(device_id, change_id)``: what
    makes an upload idempotent."""

    @abstractmethod
    async def get(self, device_id: str, change_id: str) -> AppliedChange | None: ...

    @abstractmethod
    async def add(self, device_id: str, change_id: str, applied: AppliedChange, at: datetime) -> None:
        """Record ``applied`` in the unit of work now; raises ``ChangeInProgress`` when a concurrent
        unit recorded the same change first."""


class SyncUnit(Protocol):
    """The unit of work one device change is applied in: use cases called inside :meth:`joined`
    commit nothing, :meth:`commit` then commits their writes with the ledger's row at once."""

    @abstractmethod
    def joined(self) -> AbstractAsyncContextManager[None]: ...

    @abstractmethod
    async def commit(self) -> None: ...


class SyncRecords(Protocol):
    """The current records, tenant-scoped, read without an audit event (the use case records the
    read of what it sends)."""

    @abstractmethod
    async def patient(self, patient_id: PatientId) -> Patient | None: ...

    @abstractmethod
    async def appointment(self, appointment_id: AppointmentId) -> Appointment | None: ...

    @abstractmethod
    async def patients(self, ids: Sequence[UUID]) -> dict[UUID, Patient]: ...

    @abstractmethod
    async def appointments(self, ids: Sequence[UUID]) -> dict[UUID, Appointment]: ...
