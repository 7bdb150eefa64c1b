"""Use cases of FHIR Bulk Data export (issue 14): kick-off, the export job, status, download,
cancel and expiry."""
