"""Wiring: FHIR R4 create, update, conditional create and transaction/batch Bundles (issue 14)."""

from collections.abc import Mapping

from dishka import Provider, Scope, alias, provide_all

from prm.adapters.sql.unit_of_work import SqlUnitOfWork
from prm.application.fhir.apply_fhir_bundle import ApplyFhirBundle
from prm.application.fhir.create_fhir_patient import CreateFhirPatient
from prm.application.fhir.ports import TransactionHold
from prm.application.fhir.update_fhir_patient import UpdateFhirPatient
from prm.application.shared.jobs import JobHandler


class FhirWriteProvider(Provider):
    scope = Scope.REQUEST
    hold = alias(source=SqlUnitOfWork, provides=TransactionHold)
    use_cases = provide_all(CreateFhirPatient, UpdateFhirPatient, ApplyFhirBundle)


JOBS: Mapping[str, type[JobHandler]] = {}
