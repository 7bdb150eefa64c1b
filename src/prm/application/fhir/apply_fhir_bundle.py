"""FHIR R4 ``transaction`` and ``batch`` Bundles (http.html#transaction) of Patient writes."""

from collections.abc import Sequence
from dataclasses import dataclass

import structlog

from prm.application.fhir.create_fhir_patient import CreateFhirPatient, CreateFhirPatientCommand, FhirPatientWritten
from prm.application.fhir.errors import BundleEntryFailed
from prm.application.fhir.ports import TransactionHold
from prm.application.fhir.update_fhir_patient import UpdateFhirPatient, UpdateFhirPatientCommand
from prm.application.shared.ports import UnitOfWork
from prm.domain.shared.errors import DomainError

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class FhirBundleEntry:
    """One entry as read: exactly one of ``create`` (POST Patient), ``update`` (PUT
    Patient/{id}) or ``error`` (the entry could not be read), or none of them: a resource type
    PRM does not keep, skipped. ``resource_type`` as given."""

    index: int
    resource_type: str
    create: CreateFhirPatientCommand | None = None
    update: UpdateFhirPatientCommand | None = None
    error: DomainError | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FhirEntryOutcome:
    """What became of an entry: ``written`` (a patient created, found or updated), ``skipped``,
    or ``error`` (batch only: a transaction raises instead)."""

    index: int
    resource_type: str
    written: FhirPatientWritten | None = None
    skipped: bool = False
    error: DomainError | None = None


class ApplyFhirBundle:
    """Apply a Bundle's entries in order.

    - ``atomic`` (a ``transaction``): one unit of work; the first entry that fails raises
      :class:`BundleEntryFailed` naming it and nothing is written.
    - not ``atomic`` (a ``batch``): each entry on its own (a savepoint each, one commit at the
      end); a failure is that entry's ``error``, undone alone, and the others go on.
    """

    def __init__(
        self, create: CreateFhirPatient, update: UpdateFhirPatient, hold: TransactionHold, uow: UnitOfWork
    ) -> None:
        self._create = create
        self._update = update
        self._hold = hold
        self._uow = uow

    async def __call__(self, entries: Sequence[FhirBundleEntry], *, atomic: bool) -> list[FhirEntryOutcome]:
        if not atomic:
            batch = [await self._one(entry) for entry in entries]
            await self._uow.commit()
            return batch
        outcomes: list[FhirEntryOutcome] = []
        async with self._hold.held():
            for entry in entries:
                try:
                    outcomes.append(await self._apply(entry))
                except DomainError as exc:
                    raise BundleEntryFailed(entry.index, exc) from exc
        await self._uow.commit()
        log.info("fhir.transaction_applied", entries=len(entries), written=sum(1 for o in outcomes if o.written))
        return outcomes

    async def _one(self, entry: FhirBundleEntry) -> FhirEntryOutcome:
        """A batch entry in a savepoint of its own: one that fails (a rule, or a key the database
        refuses) is undone alone and the batch goes on; all are committed together at the end."""
        try:
            async with self._hold.savepoint():
                return await self._apply(entry)
        except DomainError as exc:
            return FhirEntryOutcome(index=entry.index, resource_type=entry.resource_type, error=exc)

    async def _apply(self, entry: FhirBundleEntry) -> FhirEntryOutcome:
        if entry.error is not None:
            raise entry.error
        if entry.create is not None:
            written = await self._create(entry.create)
        elif entry.update is not None:
            written = await self._update(entry.update)
        else:
            return FhirEntryOutcome(index=entry.index, resource_type=entry.resource_type, skipped=True)
        return FhirEntryOutcome(index=entry.index, resource_type=entry.resource_type, written=written)
