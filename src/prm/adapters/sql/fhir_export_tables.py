"""Tables of fhir_export (issue 14)."""

from prm.adapters.sql.metadata import metadata

__all__ = ["metadata"]
