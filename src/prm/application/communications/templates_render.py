"""Render the tenant's templates for messages: the :class:`TemplateRenderer` the messages part uses."""

from collections.abc import Mapping

from prm.application.communications.contracts import RenderedMessage, TemplateRenderer
from prm.application.communications.template_ports import TemplateEngine, TemplateRepository
from prm.application.communications.templates_builtin import BuiltinTemplates
from prm.domain.communications.channels import Channel
from prm.domain.communications.errors import TemplateNotFound, TemplateRenderFailed
from prm.domain.communications.templates import BODY_LIMITS, DEFAULT_LANGUAGE, Template, choose_variant


def render_parts(engine: TemplateEngine, template: Template, variables: Mapping[str, object]) -> tuple[str | None, str]:
    """``(subject, body)`` of ``template`` rendered with ``variables``. The subject is made one
    line (white space runs become one space: a value cannot add a header). Raises
    ``TemplateRenderFailed`` for a failed render, a blank body or subject, or a body over the
    channel's limit (:data:`~prm.domain.communications.templates.BODY_LIMITS`)."""
    body = engine.render(template.body, variables)
    if not body.strip():
        raise TemplateRenderFailed("the rendered body is blank")
    limit = BODY_LIMITS[template.channel]
    if len(body) > limit:
        raise TemplateRenderFailed(
            f"the rendered body has {len(body)} characters, over the {template.channel.value} limit of {limit}"
        )
    subject = None
    if template.subject is not None:
        subject = " ".join(engine.render(template.subject, variables).split())
        if not subject:
            raise TemplateRenderFailed("the rendered subject is blank")
    return subject, body


class RenderTemplate(TemplateRenderer):
    """Renders the tenant's active templates in the patient's language (see
    :func:`~prm.domain.communications.templates.choose_variant`: the exact tag, its primary
    subtag, another variant of that language, the tenant's default ``en``, any variant). Runs in
    the caller's unit of work and does not commit (the built-ins it may materialize are kept
    with the caller's commit)."""

    def __init__(
        self,
        templates: TemplateRepository,
        builtins: BuiltinTemplates,
        engine: TemplateEngine,
    ) -> None:
        self._templates = templates
        self._builtins = builtins
        self._engine = engine
        self._chosen: dict[tuple[str, Channel, str | None], Template | None] = {}

    async def render(
        self,
        *,
        name: str,
        channel: Channel,
        language: str | None,
        variables: Mapping[str, object],
    ) -> RenderedMessage:
        await self._builtins.ensure()
        key = (name, channel, language)
        if key in self._chosen:  # once per unit of work: a campaign renders one template many times
            template = self._chosen[key]
        else:
            variants = await self._templates.variants(name, channel)
            template = self._chosen[key] = choose_variant(variants, language, DEFAULT_LANGUAGE)
        if template is None:
            raise TemplateNotFound(f"no active template {name!r} for {channel.value}")
        subject, body = render_parts(self._engine, template, variables)
        return RenderedMessage(
            template_id=template.id,
            template_name=template.name,
            language=template.language,
            category=template.category,
            subject=subject,
            body=body,
        )
