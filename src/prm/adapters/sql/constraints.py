"""One map from the database's unique constraints to the domain errors they mean.

PostgreSQL names the violated constraint (``diag.constraint_name``: ``uq_patients_tenant_id_mrn``,
from the naming convention of :mod:`prm.adapters.sql.tables`); SQLite names its columns
(``UNIQUE constraint failed: patients.tenant_id, patients.mrn``). :func:`domain_error_for` reads
either, so an adapter, or the unit of work for a write sent with ``COMMIT``, translates a
violation the same way wherever it surfaces.
"""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from prm.domain.identity.errors import DuplicateEmail
from prm.domain.patients.errors import DuplicateMrn
from prm.domain.practitioners.errors import DuplicateExternalId, DuplicateLicense
from prm.domain.shared.errors import DomainError


@dataclass(frozen=True, slots=True)
class Meaning:
    name: str
    """The constraint's name on PostgreSQL."""
    columns: str
    """How SQLite's message names it: ``table.column, table.column``."""
    error: Callable[[], DomainError]


CONSTRAINT_TO_ERROR: tuple[Meaning, ...] = (
    Meaning(
        "uq_patients_tenant_id_mrn",
        "patients.tenant_id, patients.mrn",
        lambda: DuplicateMrn("a patient with this MRN already exists"),
    ),
    Meaning(
        "uq_practitioners_tenant_id_license_number",
        "practitioners.tenant_id, practitioners.license_number",
        lambda: DuplicateLicense("a practitioner with this license number already exists"),
    ),
    Meaning(
        "uq_practitioners_tenant_id_external_id",
        "practitioners.tenant_id, practitioners.external_id",
        lambda: DuplicateExternalId("a practitioner with this external_id already exists"),
    ),
    Meaning(
        "uq_users_tenant_id_email_key",
        "users.tenant_id, users.email_key",
        lambda: DuplicateEmail("the tenant has a user with this email already"),
    ),
)


def domain_error_for(exc: IntegrityError) -> DomainError | None:
    """The domain error ``exc`` means, or ``None`` for a violation that is no caller's input."""
    name = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
    text = str(exc.orig)
    for meaning in CONSTRAINT_TO_ERROR:
        if name == meaning.name or meaning.columns in text:
            return meaning.error()
    return None
