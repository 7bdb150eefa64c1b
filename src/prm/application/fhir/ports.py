"""Ports of the FHIR write use cases."""

from abc import abstractmethod
from contextlib import AbstractAsyncContextManager
from typing import Protocol


class TransactionHold(Protocol):
    """Inside :meth:`held`, the unit of work's ``commit`` commits nothing: the use cases called
    there join the caller's transaction, which the caller commits once, or not at all (rolled
    back when the unit closes)."""

    @abstractmethod
    def held(self) -> AbstractAsyncContextManager[None]: ...

    @abstractmethod
    def savepoint(self) -> AbstractAsyncContextManager[None]:
        """As :meth:`held`, and an error inside undoes what the block wrote (and is raised
        again), keeping what the transaction wrote before it."""
