"""Tables of issue 14 (HL7 v2 messages); filled in by the change that builds it."""

from prm.adapters.sql.metadata import metadata

__all__ = ["metadata"]
