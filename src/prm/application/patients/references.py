"""The port through which a patient merge re-points every context's references (issue 13).

Each context that stores a patient id implements :class:`PatientReferences` over its own tables
(the patients context never reads another context's tables). A merge calls ``repoint`` on every
implementation inside its one transaction and keeps the returned changes in the merge record;
the merge's undo hands the same changes back to ``restore``, newest first, in one transaction.

A change is row-level and exact, so that undo puts back precisely what the merge moved and
nothing that was written since by anyone else:

- ``before`` and ``after`` are JSON-safe column values (UUIDs and datetimes as strings, as the
  adapter writes them back itself);
- ``after is None``: the merge deleted the row (for example the source's duplicate of a row the
  survivor already had under a unique key); ``before`` is the whole row, so that undo re-inserts it;
- ``before is None``: the merge inserted the row; undo deletes it;
- both set: the merge updated the columns named in them; undo sets ``before`` back.
"""

from abc import abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from prm.domain.shared.ids import PatientId

JsonScalar = str | int | float | bool | None
JsonValue = JsonScalar | list["JsonValue"] | dict[str, "JsonValue"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ReferenceChange:
    """One row a merge changed: ``table`` (the context's table name), ``key`` (its primary key's
    columns and values, JSON-safe) and the ``before``/``after`` images described in the module."""

    table: str
    key: Mapping[str, JsonValue]
    before: Mapping[str, JsonValue] | None
    after: Mapping[str, JsonValue] | None


class PatientReferences(Protocol):
    """One context's references to patients of the current tenant."""

    context: str
    """The context's name (``appointments``, ``communications``, …), recorded with its changes."""

    @abstractmethod
    async def repoint(self, source: PatientId, target: PatientId) -> Sequence[ReferenceChange]:
        """Move every reference to ``source`` onto ``target`` and return the exact changes.

        Rows that would collide with one of ``target``'s under a unique key are merged into it
        (and the collision recorded as changes), never dropped silently.
        """

    @abstractmethod
    async def restore(self, changes: Sequence[ReferenceChange]) -> None:
        """Undo ``changes`` (as returned by :meth:`repoint`), in reverse order."""

    @abstractmethod
    async def count(self, patient_id: PatientId) -> int:
        """How many rows of this context still refer to ``patient_id`` (0 after a merge of it)."""
