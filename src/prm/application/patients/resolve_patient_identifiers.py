"""Which patients identifiers name, for other contexts (integrations resolves the patients of
inbound events with it)."""

from collections.abc import Mapping, Sequence

from prm.application.patients.ports import PatientCriteria, PatientFinder, PatientRepository
from prm.domain.shared.ids import PatientId

MAX_MATCHES = 2
"""Matches reported per identifier: one is the answer, two say it is ambiguous."""


class ResolvePatientIdentifiers:
    """For each identifier, the ids of the patients it names (at most :data:`MAX_MATCHES`, in id
    order; ``()`` for none).

    An identifier is an MRN (exact match), or ``system|value`` (FHIR token search: an identifier
    of the patient with that system and value, the MRN's own system included; the system is a
    URI, which cannot hold ``|``). MRNs are looked up together in one query, ``system|value``
    tokens one query each. Reads ids only: no audit event, and no commit (it runs in the
    caller's unit of work).
    """

    def __init__(self, patients: PatientRepository, finder: PatientFinder) -> None:
        self._patients = patients
        self._finder = finder

    async def __call__(self, identifiers: Sequence[str]) -> Mapping[str, tuple[PatientId, ...]]:
        tokens = list(dict.fromkeys(i.strip() for i in identifiers if i.strip()))
        mrns = [t for t in tokens if "|" not in t]
        found: dict[str, tuple[PatientId, ...]] = dict.fromkeys(tokens, ())
        by_mrn = await self._patients.get_many_by_mrn(mrns) if mrns else {}
        for mrn, patient in by_mrn.items():
            found[mrn] = (patient.id,)
        for token in tokens:
            if "|" not in token:
                continue
            system, _, value = token.partition("|")
            if not system.strip() or not value.strip():
                continue
            criteria = PatientCriteria(identifier_system=system.strip(), identifier_value=value.strip())
            matches = await self._finder.first(criteria, MAX_MATCHES)
            found[token] = tuple(sorted(p.id for p in matches))
        return {i: found.get(i.strip(), ()) for i in identifiers}
