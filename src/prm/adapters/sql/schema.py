"""The whole relational schema: every context's table module, on one ``MetaData``.

Contexts declare their tables in their own module (``tables.py`` for patients, practitioners and
the outbox; ``audit_tables.py``; ...) on the shared ``metadata``; importing this module makes
sure all of them are registered. Alembic's environment and the schema drift test use it.
"""

from prm.adapters.sql import appointments_tables, audit_tables, identity_tables, tables
from prm.adapters.sql.tables import metadata

__all__ = ["appointments_tables", "audit_tables", "identity_tables", "metadata", "tables"]
