"""Appointments context wiring: SQL adapters, the other contexts' directories, the use cases."""

from datetime import timedelta

from dishka import Provider, Scope, provide, provide_all

from prm.adapters.appointments.patients_directory import PatientDirectoryFromPatients
from prm.adapters.appointments.practitioners_directory import PractitionerDirectoryFromPractitioners
from prm.adapters.sql.appointments import SqlAppointmentFinder, SqlAppointmentRepository
from prm.adapters.sql.appointments_history import SqlAppointmentHistory
from prm.adapters.sql.appointments_holds import SqlHoldRepository
from prm.adapters.sql.appointments_schedules import SqlScheduleRepository
from prm.adapters.sql.appointments_waitlist import SqlWaitlistRepository
from prm.application.appointments.add_schedule_exception import AddScheduleException
from prm.application.appointments.answer_offer import AnswerOffer
from prm.application.appointments.appointment_stats import GetAppointmentStats
from prm.application.appointments.book_appointment import BookAppointment
from prm.application.appointments.cancel_appointment import CancelAppointment
from prm.application.appointments.cancel_waitlist_entry import CancelWaitlistEntry
from prm.application.appointments.check_conflicts import CheckConflicts
from prm.application.appointments.create_location import CreateLocation
from prm.application.appointments.create_schedule import CreateSchedule
from prm.application.appointments.delete_appointment import DeleteAppointment
from prm.application.appointments.expire_holds import ExpireHolds
from prm.application.appointments.expire_offers import ExpireOffers
from prm.application.appointments.find_slots import FindSlots
from prm.application.appointments.get_appointment import GetAppointment
from prm.application.appointments.get_availability import GetAvailability
from prm.application.appointments.get_location import GetLocation
from prm.application.appointments.import_encounters import ImportEncounters
from prm.application.appointments.join_waitlist import JoinWaitlist
from prm.application.appointments.list_appointments import ListAppointments
from prm.application.appointments.list_locations import ListLocations
from prm.application.appointments.list_patient_appointments import ListPatientAppointments
from prm.application.appointments.list_schedule_exceptions import ListScheduleExceptions
from prm.application.appointments.list_schedules import ListSchedules
from prm.application.appointments.list_waitlist import ListWaitlist
from prm.application.appointments.patients_not_seen_since import AppointmentHistory, PatientsNotSeenSince
from prm.application.appointments.periodic_jobs import ExpireHoldsJob, ExpireOffersJob
from prm.application.appointments.policy import SchedulingPolicy
from prm.application.appointments.ports import (
    AppointmentFinder,
    AppointmentRepository,
    HoldRepository,
    PatientDirectory,
    PractitionerDirectory,
    ScheduleRepository,
    WaitlistRepository,
)
from prm.application.appointments.practitioner_agenda import PractitionerAgenda
from prm.application.appointments.record_external_appointment import RecordExternalAppointment
from prm.application.appointments.record_external_reschedule import RecordExternalReschedule
from prm.application.appointments.select_slot import SelectSlot
from prm.application.appointments.slots import SlotSearch
from prm.application.appointments.todays_appointments import TodaysAppointments
from prm.application.appointments.upcoming_appointments import UpcomingAppointments
from prm.application.appointments.update_appointment import UpdateAppointment
from prm.application.appointments.waitlist_offers import WaitlistOffers
from prm.settings import Settings


class AppointmentsProvider(Provider):
    scope = Scope.REQUEST
    repository = provide(SqlAppointmentRepository, provides=AppointmentRepository)
    finder = provide(SqlAppointmentFinder, provides=AppointmentFinder)
    history = provide(SqlAppointmentHistory, provides=AppointmentHistory)
    not_seen_since = provide(PatientsNotSeenSince)
    schedules = provide(SqlScheduleRepository, provides=ScheduleRepository)
    holds = provide(SqlHoldRepository, provides=HoldRepository)
    waitlist = provide(SqlWaitlistRepository, provides=WaitlistRepository)
    patients = provide(PatientDirectoryFromPatients, provides=PatientDirectory)
    practitioners = provide(PractitionerDirectoryFromPractitioners, provides=PractitionerDirectory)
    helpers = provide_all(SlotSearch, WaitlistOffers)
    use_cases = provide_all(
        CreateLocation,
        ListLocations,
        GetLocation,
        CreateSchedule,
        ListSchedules,
        AddScheduleException,
        ListScheduleExceptions,
        GetAvailability,
        BookAppointment,
        GetAppointment,
        ListAppointments,
        ListPatientAppointments,
        TodaysAppointments,
        UpcomingAppointments,
        GetAppointmentStats,
        UpdateAppointment,
        CancelAppointment,
        DeleteAppointment,
        RecordExternalAppointment,
        RecordExternalReschedule,
        CheckConflicts,
        FindSlots,
        SelectSlot,
        JoinWaitlist,
        ListWaitlist,
        CancelWaitlistEntry,
        AnswerOffer,
        ExpireOffers,
        ExpireOffersJob,
        ExpireHolds,
        ExpireHoldsJob,
        PractitionerAgenda,
        ImportEncounters,
    )

    @provide(scope=Scope.APP)
    def policy(self, settings: Settings) -> SchedulingPolicy:
        return SchedulingPolicy(
            hold_for=timedelta(minutes=settings.slot_hold_minutes),
            offer_for=timedelta(minutes=settings.waitlist_offer_minutes),
        )
