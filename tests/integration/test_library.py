"""The in-process library: the same use cases as the API, one transaction per call."""

from uuid import uuid4

import pytest

from prm.application.patients.get_patient_by_mrn import GetPatientByMrn
from prm.application.patients.register_patient import RegisterPatient
from prm.application.patients.search_patients import SearchPatients, SearchPatientsQuery
from prm.application.patients.update_patient import UpdatePatient, UpdatePatientCommand
from prm.domain.patients.errors import PatientNotFound
from prm.domain.shared.person import AdministrativeGender, HumanName
from prm.entrypoints.library import Prm
from prm.settings import Settings
from tests.unit.patients.builders import patient_input


async def test_use_cases_run_in_process_for_the_chosen_tenant(settings: Settings) -> None:
    async with Prm.open(settings) as prm:
        created = await prm.run(RegisterPatient, patient_input(mrn="LIB-1", name=HumanName(family="Nakamura")))
        found = await prm.run(SearchPatients, SearchPatientsQuery(query="naka"))
        assert [p.id for p in found] == [created.id]
        assert created.tenant_id == settings.default_tenant_id
    async with Prm.open(settings, tenant_id=uuid4()) as other:
        with pytest.raises(PatientNotFound):
            await other.run(GetPatientByMrn, "LIB-1")


async def test_a_unit_shares_one_transaction_and_a_use_case_commits_its_own_work(settings: Settings) -> None:
    async with Prm.open(settings) as prm:
        created = await prm.run(RegisterPatient, patient_input(mrn="LIB-2"))
        async with prm.unit() as unit:
            update = await unit.get(UpdatePatient)
            await update(UpdatePatientCommand(patient_id=created.id, changes={"gender": AdministrativeGender.OTHER}))
            register = await unit.get(RegisterPatient)
            with pytest.raises(Exception, match="MRN"):
                await register(patient_input(mrn="LIB-2"))
        reread = await prm.run(GetPatientByMrn, "LIB-2")
        assert reread.details.gender is AdministrativeGender.OTHER  # the update committed on its own
        assert reread.version == 2
