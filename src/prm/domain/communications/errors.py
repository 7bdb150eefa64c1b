"""Errors shared by the parts of the communications context (codes ``communications.*``).

Each part keeps its own errors beside it (``template_errors``, ``consent_errors``, ...); the ones
here cross between parts.
"""

from prm.domain.shared.errors import NotFound, RuleViolated


class MessageNotFound(NotFound):
    """No message (communication) with this id for the caller's tenant (HTTP 404)."""

    code = "communications.message_not_found"


class TemplateNotFound(NotFound):
    """No template with this name (or id) for the channel, in the tenant (HTTP 404 on its own
    routes; 422 naming ``template_name`` when a message asks for it)."""

    code = "communications.template_not_found"


class TemplateRenderFailed(RuleViolated):
    """A template could not be rendered with the variables given (a variable missing, a value of
    the wrong kind, the sandbox refusing an operation): ``detail`` says which, without values.
    A message whose render fails is ``failed`` with this reason; nothing blank is ever sent."""

    code = "communications.template_render_failed"
