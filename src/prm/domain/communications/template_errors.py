"""Errors of the communications context's templates (codes ``communications.*``).

``TemplateNotFound`` and ``TemplateRenderFailed`` cross between parts and live in
:mod:`prm.domain.communications.errors`.
"""

from prm.domain.shared.errors import Conflict, RuleViolated


class InvalidTemplate(RuleViolated):
    """A template's field breaks a rule of :mod:`prm.domain.communications.templates` (HTTP 422,
    names the field: ``name``, ``language``, ``body``, ``variables.2`` ...)."""

    code = "communications.invalid_template"


class TemplateSyntaxInvalid(InvalidTemplate):
    """The body or subject is not a valid Jinja2 template (HTTP 422, field ``body`` or ``subject``;
    ``detail`` gives the line and the parser's message)."""

    code = "communications.template_syntax_invalid"


class UndeclaredTemplateVariable(InvalidTemplate):
    """The body or subject uses a variable that ``variables`` does not declare (HTTP 422, field
    ``body`` or ``subject``; ``detail`` names the variable)."""

    code = "communications.undeclared_template_variable"


class DuplicateTemplate(Conflict):
    """The tenant has a template with this ``name``, ``channel`` and ``language`` already (HTTP 409)."""

    code = "communications.duplicate_template"


class BuiltinTemplateUndeletable(Conflict):
    """Built-in templates cannot be deleted, only edited or deactivated (HTTP 409): reminders and
    notices rely on their names."""

    code = "communications.builtin_template_undeletable"
