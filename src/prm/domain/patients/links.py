"""Links between patient records (FHIR R4 ``Patient.link``), as a merge leaves them.

A merge makes the source record ``merged`` with a ``replaced-by`` link to the survivor, and gives
the survivor a ``replaces`` link back (FHIR R4 link-type value set,
``http://hl7.org/fhir/link-type``). Undoing the merge removes both.
"""

from dataclasses import dataclass
from enum import StrEnum

from prm.domain.shared.ids import PatientId


class LinkType(StrEnum):
    """FHIR R4 ``Patient.link.type`` codes PRM writes (``refer`` and ``seealso`` are not used)."""

    REPLACED_BY = "replaced-by"
    REPLACES = "replaces"


@dataclass(frozen=True, slots=True)
class PatientLink:
    """``other``: the linked patient of the same tenant; ``type``: how it relates to this one."""

    other: PatientId
    type: LinkType
