"""Wiring of duplicate detection: the SQL blocking index and worklist, and the use cases."""

from dishka import Provider, Scope, provide, provide_all

from prm.adapters.sql.patients_duplicates import SqlDuplicateIndex
from prm.application.patients.duplicates_ports import DuplicateIndex
from prm.application.patients.find_patient_duplicates import FindPatientDuplicates
from prm.application.patients.list_duplicate_pairs import ListDuplicatePairs
from prm.application.patients.mark_not_duplicate import MarkNotDuplicate
from prm.application.patients.scan_duplicates import ScanDuplicates


class PatientsDuplicatesProvider(Provider):
    scope = Scope.REQUEST

    index = provide(SqlDuplicateIndex, provides=DuplicateIndex)
    use_cases = provide_all(FindPatientDuplicates, ListDuplicatePairs, MarkNotDuplicate, ScanDuplicates)
