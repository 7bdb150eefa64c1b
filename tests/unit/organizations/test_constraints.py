"""The database's organisation constraints mean domain errors, whichever database reports them."""

from types import SimpleNamespace

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from prm.adapters.sql.constraints import domain_error_for
from prm.adapters.sql.organizations_tables import PART_OF_KEY, organizations
from prm.domain.organizations.errors import DuplicateOrganizationCode, HierarchyChanged


class PostgresError(Exception):
    """What psycopg raises: the violated constraint's name in ``diag``."""

    def __init__(self, message: str, constraint: str) -> None:
        super().__init__(message)
        self.diag = SimpleNamespace(constraint_name=constraint)


def violation(orig: Exception) -> IntegrityError:
    return IntegrityError("INSERT INTO organizations ...", {}, orig)


def test_a_taken_code_is_a_duplicate_code_on_both_databases() -> None:
    sqlite = violation(Exception("UNIQUE constraint failed: organizations.tenant_id, organizations.code_key"))
    postgres = violation(PostgresError("duplicate key value", "uq_organizations_tenant_id_code_key"))
    for exc in (sqlite, postgres):
        error = domain_error_for(exc)
        assert isinstance(error, DuplicateOrganizationCode)
        assert error.code == "organizations.duplicate_code"


def test_the_unique_key_is_on_the_folded_code_within_the_tenant() -> None:
    keys = [[c.name for c in u.columns] for u in organizations.constraints if isinstance(u, sa.UniqueConstraint)]
    assert keys == [["tenant_id", "code_key"]]


def test_the_parent_key_is_a_hierarchy_change_on_postgresql() -> None:
    error = domain_error_for(violation(PostgresError("violates foreign key constraint", PART_OF_KEY)))
    assert isinstance(error, HierarchyChanged)
    fk = next(iter(organizations.foreign_key_constraints))
    assert fk.name == PART_OF_KEY
    assert [c.name for c in fk.columns] == ["tenant_id", "part_of"]
    # Another table's key means nothing about organisations.
    assert not isinstance(domain_error_for(violation(Exception("FOREIGN KEY constraint failed"))), HierarchyChanged)
