"""Advanced search with several criteria at once (reference API: ``POST /patients/search``)."""

from dataclasses import dataclass, field
from datetime import date

from prm.application.patients.ports import PatientCriteria, PatientFinder, PatientSummary
from prm.application.patients.text_match import name_prefixes, phone_digits
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.paging import Page, PageRequest
from prm.application.shared.ports import UnitOfWork
from prm.domain.patients.model import PatientStatus
from prm.domain.shared.contact import complete_phone
from prm.domain.shared.errors import RuleViolated
from prm.domain.shared.person import AdministrativeGender
from prm.domain.shared.text import fold


@dataclass(frozen=True, slots=True, kw_only=True)
class FindPatientsQuery:
    """Every given criterion must hold. ``identifier`` is ``value`` or ``system|value`` (the FHIR
    search token syntax)."""

    name: str | None = None
    family: str | None = None
    """The family name starts with it (any case or accent); ``given``: one of the given names does."""
    given: str | None = None
    birth_date: date | None = None
    phone: str | None = None
    email: str | None = None
    identifier: str | None = None
    gender: AdministrativeGender | None = None
    city: str | None = None
    status: PatientStatus | None = None
    page: PageRequest = field(default_factory=PageRequest)


class FindPatients:
    """Patients matching all the criteria; at least one criterion is required (422 otherwise).
    Records one ``search`` audit event naming every patient of the page and commits."""

    def __init__(self, finder: PatientFinder, context: RequestContext, audit: AuditTrail, uow: UnitOfWork) -> None:
        self._finder = finder
        self._context = context
        self._audit = audit
        self._uow = uow

    async def __call__(self, query: FindPatientsQuery) -> Page[PatientSummary]:
        if all(
            getattr(query, f) in (None, "")
            for f in (
                "name",
                "family",
                "given",
                "birth_date",
                "phone",
                "email",
                "identifier",
                "gender",
                "city",
                "status",
            )
        ):
            raise RuleViolated("give at least one search criterion", field="name")
        digits = number = None
        if query.phone:
            number = complete_phone(query.phone, self._context.phone_region)
            digits = None if number else phone_digits(query.phone, self._context.phone_region)
            if number is None and digits is None:
                raise RuleViolated("a phone search needs at least 3 digits", field="phone")
        system, value = None, None
        if query.identifier:
            system, _, value = query.identifier.rpartition("|")
        criteria = PatientCriteria(
            name_prefixes=name_prefixes(query.name) if query.name else (),
            family_prefix=fold(query.family.strip()) if query.family and query.family.strip() else None,
            given_prefix=fold(query.given.strip()) if query.given and query.given.strip() else None,
            phone_digits=digits,
            phone_e164=number,
            email=fold(query.email.strip()) if query.email else None,
            identifier_system=system or None,
            identifier_value=value or None,
            birth_date=query.birth_date,
            gender=query.gender,
            city=fold(query.city.strip()) if query.city else None,
            status=query.status,
        )
        page = await self._finder.find(criteria, query.page)
        await self._audit.record(AuditAction.SEARCH, "patient", [p.id for p in page.items])
        await self._uow.commit()
        return page
