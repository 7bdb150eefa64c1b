"""Appointments and scheduling: locations, practitioners' schedules, availability, appointments,
holds and the waitlist (FHIR R4 Appointment, Schedule and Slot, in PRM's terms)."""
