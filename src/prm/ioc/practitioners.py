"""Practitioners context wiring: SQL adapters behind the ports, and the use cases."""

from dishka import Provider, Scope, provide, provide_all

from prm.adapters.sql.practitioners import SqlPractitionerFinder, SqlPractitionerRepository
from prm.application.practitioners.delete_practitioner import DeletePractitioner
from prm.application.practitioners.get_practitioner import GetPractitioner
from prm.application.practitioners.import_practitioners import ImportPractitioners
from prm.application.practitioners.list_practitioners import ListPractitioners
from prm.application.practitioners.list_practitioners_simple import ListPractitionersSimple
from prm.application.practitioners.list_specialities import ListSpecialities
from prm.application.practitioners.ports import PractitionerFinder, PractitionerRepository
from prm.application.practitioners.register_practitioner import RegisterPractitioner
from prm.application.practitioners.update_practitioner import UpdatePractitioner


class PractitionersProvider(Provider):
    scope = Scope.REQUEST
    repository = provide(SqlPractitionerRepository, provides=PractitionerRepository)
    finder = provide(SqlPractitionerFinder, provides=PractitionerFinder)
    use_cases = provide_all(
        RegisterPractitioner,
        GetPractitioner,
        UpdatePractitioner,
        DeletePractitioner,
        ListPractitioners,
        ListPractitionersSimple,
        ListSpecialities,
        ImportPractitioners,
    )
