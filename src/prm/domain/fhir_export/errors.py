"""What can go wrong with a bulk export, by category (see ``prm.domain.shared.errors``)."""

from prm.domain.shared.errors import Forbidden, Gone, NotFound, RuleViolated


class ExportNotFound(NotFound):
    """No export with this id in the caller's tenant, or it was cancelled (HTTP 404)."""

    code = "fhir_export.not_found"


class ExportExpired(Gone):
    """The export's files were deleted at the end of their retention (HTTP 410)."""

    code = "fhir_export.expired"


class ExportFileNotFound(NotFound):
    """The export has no file of this name, or is not complete yet (HTTP 404)."""

    code = "fhir_export.file_not_found"


class UnsupportedResourceType(RuleViolated):
    """A ``_type`` PRM does not export (at this level: ``Patient/$export`` covers the Patient
    compartment only)."""

    code = "fhir_export.unsupported_type"


class ExportNotAllowed(Forbidden):
    """The caller may not read a requested resource type (HTTP 403)."""

    code = "fhir_export.forbidden"
