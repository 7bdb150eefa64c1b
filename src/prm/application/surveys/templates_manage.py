"""Survey templates: create, read, list, change (a new version each time) and delete."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from prm.application.shared.context import RequestContext
from prm.application.shared.paging import Page, PageRequest
from prm.application.shared.ports import Clock, UnitOfWork
from prm.application.surveys.ports import SurveyTemplateRepository
from prm.domain.shared.errors import StaleVersion
from prm.domain.surveys.model import Question, SurveyTemplate, SurveyTemplateId, SurveyTemplateNotFound, TemplateStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class SurveyTemplateInput:
    name: str
    language: str
    title: str
    questions: Sequence[Question]
    score_question: str
    low_score_threshold: int
    status: TemplateStatus = TemplateStatus.ACTIVE


class CreateSurveyTemplate:
    """Create and commit; raises ``InvalidSurveyTemplate`` (422 naming the field) and
    ``Conflict`` (409) for a name and language the tenant already has."""

    def __init__(
        self, templates: SurveyTemplateRepository, context: RequestContext, uow: UnitOfWork, clock: Clock
    ) -> None:
        self._templates = templates
        self._context = context
        self._uow = uow
        self._clock = clock

    async def __call__(self, given: SurveyTemplateInput) -> SurveyTemplate:
        template = SurveyTemplate.create(
            tenant_id=self._context.tenant_id,
            now=self._clock.now(),
            name=given.name.strip(),
            language=given.language,
            title=given.title.strip(),
            questions=tuple(given.questions),
            score_question=given.score_question,
            low_score_threshold=given.low_score_threshold,
            status=given.status,
        )
        await self._templates.add(template)
        await self._uow.commit()
        return template


class GetSurveyTemplate:
    """Raises ``SurveyTemplateNotFound`` (404, also for another tenant's)."""

    def __init__(self, templates: SurveyTemplateRepository) -> None:
        self._templates = templates

    async def __call__(self, template_id: SurveyTemplateId) -> SurveyTemplate:
        found = await self._templates.get(template_id)
        if found is None:
            raise SurveyTemplateNotFound(f"survey template {template_id} not found")
        return found


class ListSurveyTemplates:
    """The tenant's templates by name, then language (``name``: only those of that name)."""

    def __init__(self, templates: SurveyTemplateRepository) -> None:
        self._templates = templates

    async def __call__(self, page: PageRequest, *, name: str | None = None) -> Page[SurveyTemplate]:
        return await self._templates.list_page(page, name=name)


class UpdateSurveyTemplate:
    """Apply ``changes`` as a new version (invitations already sent keep theirs); ``version``
    when given must be the current one (409 ``StaleVersion``). Commits."""

    def __init__(self, templates: SurveyTemplateRepository, uow: UnitOfWork, clock: Clock) -> None:
        self._templates = templates
        self._uow = uow
        self._clock = clock

    async def __call__(
        self, template_id: SurveyTemplateId, changes: Mapping[str, object], version: int | None = None
    ) -> SurveyTemplate:
        template = await self._templates.get(template_id)
        if template is None:
            raise SurveyTemplateNotFound(f"survey template {template_id} not found")
        if version is not None and version != template.version:
            raise StaleVersion("the survey template was changed meanwhile: reload it")
        current = template.version
        template.revise(changes, self._clock.now())
        await self._templates.save(template, expected_version=current)
        await self._uow.commit()
        return template


class DeleteSurveyTemplate:
    """Delete; invitations and responses keep their copy of its questions. Commits."""

    def __init__(self, templates: SurveyTemplateRepository, uow: UnitOfWork) -> None:
        self._templates = templates
        self._uow = uow

    async def __call__(self, template_id: SurveyTemplateId) -> None:
        if await self._templates.get(template_id) is None:
            raise SurveyTemplateNotFound(f"survey template {template_id} not found")
        await self._templates.remove(template_id)
        await self._uow.commit()
