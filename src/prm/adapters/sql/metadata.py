"""The one ``MetaData`` every context's table module declares its tables on.

Its naming convention gives every constraint and index a stable name (``uq_patients_tenant_id_mrn``,
``pk_outbox``, ...): the migrations use the same names, :mod:`prm.adapters.sql.constraints` maps
them to domain errors, and the schema drift test compares them.
"""

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
