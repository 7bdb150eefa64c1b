"""The integrations context's view of patients, through the patients context's public use case."""

from collections.abc import Mapping, Sequence

from prm.application.integrations.ports import PatientDirectory
from prm.application.patients.resolve_patient_identifiers import ResolvePatientIdentifiers
from prm.domain.shared.ids import PatientId


class PatientDirectoryFromPatients(PatientDirectory):
    """Resolves identifiers with ``ResolvePatientIdentifiers`` (same unit of work: no commit)."""

    def __init__(self, resolve: ResolvePatientIdentifiers) -> None:
        self._resolve = resolve

    async def resolve(self, identifiers: Sequence[str]) -> Mapping[str, Sequence[PatientId]]:
        return await self._resolve(identifiers)
