"""PRM in-process: find the patients named Alice, without the HTTP API.

    .venv/bin/python samples/library_example.py

The settings come from the ``PRM_*`` variables, as for ``prm serve``: the database
(``PRM_DATABASE_URL``, default ``var/prm.sqlite3``, which ``make run`` or ``prm db upgrade``
creates) and the tenant (``PRM_DEFAULT_TENANT_ID``, the id of the development tenant ``dev``,
where ``make sample`` loads the Synthea patients). Prints one line per patient: id, then name;
log lines, if any, go to stderr.
"""

import asyncio
import sys

from prm.application.patients.search_patients import SearchPatients, SearchPatientsQuery
from prm.entrypoints.library import DatabaseNotMigrated, Prm
from prm.entrypoints.logging import configure_logging
from prm.settings import Settings


async def main() -> None:
    settings = Settings.from_env()
    configure_logging(settings)  # to stderr, at PRM_LOG_LEVEL: stdout is for the results
    async with Prm.open(settings) as prm:  # each run() is one transaction
        patients = await prm.run(SearchPatients, SearchPatientsQuery(query="alice"))
    for patient in patients:
        print(patient.id, patient.full_name)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except DatabaseNotMigrated as exc:  # e.g. run outside the repository: one line, not a traceback
        sys.exit(f"library_example: {exc}")
