"""Quick search by one kind of key (reference API: ``GET /patients/search``)."""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from prm.application.patients.ports import PatientCriteria, PatientFinder, PatientSummary
from prm.application.patients.text_match import name_prefixes, phone_digits
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import UnitOfWork
from prm.domain.shared.errors import RuleViolated
from prm.domain.shared.text import fold

MIN_QUERY_LENGTH = 2
MAX_LIMIT = 50


class SearchType(StrEnum):
    NAME = "name"
    PHONE = "phone"
    MRN = "mrn"
    EMAIL = "email"


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchPatientsQuery:
    """``query`` of at least 2 characters, searched as ``type``; at most ``limit`` (≤ 50) results."""

    query: str
    type: SearchType = SearchType.NAME
    limit: int = 20

    def __post_init__(self) -> None:
        if len(self.query.strip()) < MIN_QUERY_LENGTH:
            raise RuleViolated(f"query needs at least {MIN_QUERY_LENGTH} characters", field="query")
        if not 1 <= self.limit <= MAX_LIMIT:
            raise RuleViolated(f"limit must be between 1 and {MAX_LIMIT}", field="limit")


class SearchPatients:
    """Patients whose name (case- and accent-insensitive prefixes of given and family names),
    phone (any format the user typed), MRN (exact) or email (fragment) matches. Records one
    ``search`` audit event naming every patient found and commits."""

    def __init__(self, finder: PatientFinder, context: RequestContext, audit: AuditTrail, uow: UnitOfWork) -> None:
        self._finder = finder
        self._context = context
        self._audit = audit
        self._uow = uow

    async def __call__(self, query: SearchPatientsQuery) -> Sequence[PatientSummary]:
        text = query.query.strip()
        match query.type:
            case SearchType.NAME:
                criteria = PatientCriteria(name_prefixes=name_prefixes(text))
            case SearchType.PHONE:
                digits = phone_digits(text, self._context.phone_region)
                if digits is None:
                    raise RuleViolated("a phone search needs at least 3 digits", field="query")
                criteria = PatientCriteria(phone_digits=digits)
            case SearchType.MRN:
                criteria = PatientCriteria(mrn=text)
            case SearchType.EMAIL:
                criteria = PatientCriteria(email=fold(text))
        found = await self._finder.first(criteria, query.limit)
        await self._audit.record(AuditAction.SEARCH, "patient", [p.id for p in found])
        await self._uow.commit()
        return found
