"""Tables of issue 13 (tags); filled in by the change that builds it."""

from prm.adapters.sql.metadata import metadata

__all__ = ["metadata"]
