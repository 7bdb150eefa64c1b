"""Small builders of patient inputs for the tests."""

from datetime import date
from typing import Any

from prm.application.patients.inputs import ContactPointInput, PatientInput
from prm.domain.shared.contact import Address, ContactPointSystem, ContactPointUse
from prm.domain.shared.person import AdministrativeGender, HumanName


def patient_input(**overrides: Any) -> PatientInput:
    values: dict[str, Any] = {
        "name": HumanName(given=("José", "María"), family="Ávila-García"),
        "mrn": "MRN-0001",
        "gender": AdministrativeGender.FEMALE,
        "birth_date": date(1984, 5, 17),
        "telecom": (
            ContactPointInput(system=ContactPointSystem.PHONE, value="(617) 492-3500", use=ContactPointUse.MOBILE),
            ContactPointInput(system=ContactPointSystem.EMAIL, value="jose.avila@Example.ORG"),
        ),
        "addresses": (Address(line=("1 Main St",), city="Cambridge", state="MA", postal_code="02138"),),
    }
    values.update(overrides)
    return PatientInput(**values)
