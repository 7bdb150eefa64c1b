"""FHIR Bulk Data exports (``$export``, Bulk Data Access IG 2.0; issue 14)."""
