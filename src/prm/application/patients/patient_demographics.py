"""The demographics report (reference API: ``GET /patients/stats/demographics``)."""

from prm.application.patients.ports import Demographics, PatientFinder
from prm.application.shared.ports import Clock


class GetPatientDemographics:
    """Counts of the tenant's patients by gender, age band (age today, UTC), status and city."""

    def __init__(self, finder: PatientFinder, clock: Clock) -> None:
        self._finder = finder
        self._clock = clock

    async def __call__(self) -> Demographics:
        return await self._finder.demographics(self._clock.now().date())
