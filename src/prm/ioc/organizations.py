"""Organisations context wiring: SQL adapters behind the ports, and the use cases."""

from dishka import Provider, Scope, provide, provide_all

from prm.adapters.sql.organizations import SqlOrganizationFinder, SqlOrganizationRepository
from prm.application.organizations.create_organization import CreateOrganization
from prm.application.organizations.delete_organization import DeleteOrganization
from prm.application.organizations.get_organization import GetOrganization
from prm.application.organizations.list_organizations import ListDepartments, ListOrganizations
from prm.application.organizations.ports import OrganizationFinder, OrganizationRepository
from prm.application.organizations.update_organization import UpdateOrganization


class OrganizationsProvider(Provider):
    scope = Scope.REQUEST
    repository = provide(SqlOrganizationRepository, provides=OrganizationRepository)
    finder = provide(SqlOrganizationFinder, provides=OrganizationFinder)
    use_cases = provide_all(
        CreateOrganization, GetOrganization, UpdateOrganization, DeleteOrganization, ListOrganizations, ListDepartments
    )
