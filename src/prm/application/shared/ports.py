"""Ports every context uses: the transaction, the clock and the event outbox."""

from abc import abstractmethod
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol


class UnitOfWork(Protocol):
    """One transaction. ``commit`` makes every change of the unit durable at once; closing the
    unit without committing rolls everything back."""

    @abstractmethod
    async def commit(self) -> None: ...


class Clock(Protocol):
    """The only reader of the current time. ``now`` is timezone-aware UTC."""

    @abstractmethod
    def now(self) -> datetime: ...


class Outbox(Protocol):
    """Transactional outbox: events recorded here are stored in the same transaction as the change
    that raised them, for relays to publish later (at least once)."""

    @abstractmethod
    async def add(self, events: Sequence[object]) -> None: ...
