"""SQL adapters of the surveys context: templates, invitations (with the token index), responses
and the results' aggregates (one grouped query: no per-row Python)."""

from collections.abc import Sequence
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from prm.adapters.sql.connection import SqlConnection, SqlDatabase
from prm.adapters.sql.constraints import raise_domain_error
from prm.adapters.sql.paging import fetch_page
from prm.adapters.sql.surveys_tables import survey_invitations, survey_responses, survey_templates, survey_tokens
from prm.application.shared.paging import Page, PageRequest
from prm.application.surveys.ports import (
    InvitationRepository,
    InvitationsByToken,
    ResponseRepository,
    ResultCounts,
    ResultFilter,
    SurveyResults,
    SurveyTemplateRepository,
    TokenLookup,
)
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import PatientId, TenantId
from prm.domain.surveys.invitations import (
    AlreadyAnswered,
    Invitation,
    InvitationId,
    InvitationStatus,
    SurveyResponse,
)
from prm.domain.surveys.model import Question, SurveyTemplate, SurveyTemplateId, TemplateStatus

_t, _i, _r, _k = survey_templates, survey_invitations, survey_responses, survey_tokens
_QUESTIONS = tuple[Question, ...]


def _questions(value: Any) -> tuple[Question, ...]:
    return msgspec.convert(value, _QUESTIONS)


def _template(row: Any) -> SurveyTemplate:
    m = row._mapping
    return SurveyTemplate(
        id=SurveyTemplateId(m["id"]),
        tenant_id=TenantId(m["tenant_id"]),
        name=m["name"],
        language=m["language"],
        title=m["title"],
        questions=_questions(m["questions"]),
        score_question=m["score_question"],
        low_score_threshold=m["low_score_threshold"],
        status=TemplateStatus(m["status"]),
        version=m["version"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


def _template_row(t: SurveyTemplate) -> dict[str, Any]:
    return {
        "tenant_id": t.tenant_id,
        "id": t.id,
        "name": t.name,
        "language": t.language,
        "title": t.title,
        "questions": msgspec.to_builtins(t.questions),
        "score_question": t.score_question,
        "low_score_threshold": t.low_score_threshold,
        "status": t.status.value,
        "version": t.version,
        "created_at": t.created_at,
        "updated_at": t.updated_at,
    }


class SqlSurveyTemplateRepository(SurveyTemplateRepository):
    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def add(self, template: SurveyTemplate) -> None:
        try:
            await self._connection.execute(sa.insert(_t), _template_row(template))
        except IntegrityError as exc:
            raise_domain_error(exc)

    async def get(self, template_id: SurveyTemplateId) -> SurveyTemplate | None:
        statement = sa.select(_t).where(_t.c.tenant_id == self._tenant_id, _t.c.id == template_id)
        row = (await self._connection.execute(statement)).first()
        return _template(row) if row else None

    async def save(self, template: SurveyTemplate, *, expected_version: int) -> None:
        row = _template_row(template)
        statement = (
            sa.update(_t)
            .where(_t.c.tenant_id == self._tenant_id, _t.c.id == template.id, _t.c.version == expected_version)
            .values({k: v for k, v in row.items() if k not in {"tenant_id", "id", "created_at"}})
        )
        try:
            result = await self._connection.execute(statement)
        except IntegrityError as exc:
            raise_domain_error(exc)
        if result.rowcount != 1:
            raise StaleVersion("the survey template was changed meanwhile: reload it")

    async def remove(self, template_id: SurveyTemplateId) -> None:
        await self._connection.execute(sa.delete(_t).where(_t.c.tenant_id == self._tenant_id, _t.c.id == template_id))

    async def list_page(self, page: PageRequest, *, name: str | None = None) -> Page[SurveyTemplate]:
        where: list[sa.ColumnElement[bool]] = [_t.c.tenant_id == self._tenant_id]
        if name is not None:
            where.append(_t.c.name == name)
        order = (_t.c.name, _t.c.language, _t.c.id)
        return await fetch_page(self._connection, _t, where, order, page, _template)


_INVITATION_FIELDS = tuple(c.name for c in _i.columns)


def _invitation(row: Any) -> Invitation:
    m = row._mapping
    fields = {name: m[name] for name in _INVITATION_FIELDS}
    fields["id"] = InvitationId(fields["id"])
    fields["tenant_id"] = TenantId(fields["tenant_id"])
    fields["template_id"] = SurveyTemplateId(fields["template_id"])
    fields["patient_id"] = PatientId(fields["patient_id"])
    fields["questions"] = _questions(fields["questions"])
    fields["status"] = InvitationStatus(fields["status"])
    return Invitation(**fields)


class SqlInvitationRepository(InvitationRepository, TokenLookup):
    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def _one(self, *conditions: sa.ColumnElement[bool]) -> Invitation | None:
        statement = sa.select(_i).where(_i.c.tenant_id == self._tenant_id, *conditions)
        row = (await self._connection.execute(statement)).first()
        return _invitation(row) if row else None

    async def add(self, invitation: Invitation) -> None:
        row = {name: getattr(invitation, name) for name in _INVITATION_FIELDS}
        row["questions"] = msgspec.to_builtins(invitation.questions)
        row["status"] = invitation.status.value
        await self._connection.execute(sa.insert(_i), row)
        token = {"token_hash": invitation.token_hash, "tenant_id": invitation.tenant_id, "invitation_id": invitation.id}
        await self._connection.execute(sa.insert(_k), token)

    async def get(self, invitation_id: InvitationId) -> Invitation | None:
        return await self._one(_i.c.id == invitation_id)

    async def by_dedup_key(self, dedup_key: str) -> Invitation | None:
        return await self._one(_i.c.dedup_key == dedup_key)

    async def invitation(self, token_hash: str) -> Invitation | None:
        return await self._one(_i.c.token_hash == token_hash)

    async def set_message(self, invitation_id: InvitationId, message_id: Any) -> None:
        await self._connection.execute(
            sa.update(_i)
            .where(_i.c.tenant_id == self._tenant_id, _i.c.id == invitation_id)
            .values(message_id=message_id)
        )


class SqlResponseRepository(ResponseRepository):
    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def add(self, response: SurveyResponse) -> None:
        row = {c.name: getattr(response, c.name) for c in _r.columns}
        try:
            await self._connection.execute(sa.insert(_r), row)
        except IntegrityError as exc:
            raise_domain_error(exc)

    async def save_invitation(self, invitation: Invitation) -> None:
        await self._connection.lock_for_writing()
        statement = (
            sa.update(_i)
            .where(
                _i.c.tenant_id == self._tenant_id,
                _i.c.id == invitation.id,
                _i.c.status == InvitationStatus.SENT.value,
            )
            .values(status=invitation.status.value, answered_at=invitation.answered_at)
        )
        if (await self._connection.execute(statement)).rowcount != 1:
            raise AlreadyAnswered("this survey has already been answered")


class SqlInvitationsByToken(InvitationsByToken):
    """APP scope: one short query on a connection without a tenant (``survey_tokens`` has no
    row-level security)."""

    def __init__(self, database: SqlDatabase) -> None:
        self._database = database

    async def tenant_of(self, token_hash: str) -> TenantId | None:
        async with self._database.connect(None) as connection:
            statement = sa.select(_k.c.tenant_id).where(_k.c.token_hash == token_hash)
            row = (await connection.execute(statement)).first()
        return TenantId(row[0]) if row else None


_GROUP_COLUMNS = {
    "template": _i.c.template_id,
    "stage": _i.c.stage_id,
    "organization": _i.c.organization_id,
    "practitioner": _i.c.practitioner_id,
}


class SqlSurveyResults(SurveyResults):
    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def counts(self, where: ResultFilter, group_by: str | None) -> Sequence[ResultCounts]:
        conditions: list[sa.ColumnElement[bool]] = [_i.c.tenant_id == self._tenant_id]
        for column, value in (
            (_i.c.template_id, where.template_id),
            (_i.c.stage_id, where.stage_id),
            (_i.c.organization_id, where.organization_id),
            (_i.c.practitioner_id, where.practitioner_id),
            (_i.c.journey_instance_id, where.journey_instance_id),
        ):
            if value is not None:
                conditions.append(column == value)
        if where.date_from is not None:
            conditions.append(_i.c.created_at >= where.date_from)
        if where.date_to is not None:
            conditions.append(_i.c.created_at <= where.date_to)
        nps = _r.c.score_kind == "nps"
        rating = _r.c.score_kind == "rating"
        scored = _r.c.score.is_not(None)

        def count(condition: sa.ColumnElement[bool]) -> Any:
            return sa.func.count(_r.c.id).filter(condition)

        key = _GROUP_COLUMNS[group_by] if group_by is not None else sa.null()
        statement = (
            sa.select(
                key.label("key"),
                sa.func.count(_i.c.id).label("invitations"),
                sa.func.count(_r.c.id).label("responses"),
                count(nps & scored).label("nps_scored"),
                count(nps & (_r.c.score >= 9)).label("promoters"),
                count(nps & (_r.c.score <= 6)).label("detractors"),
                count(rating & scored).label("rated"),
                count(rating & (_r.c.score >= 4)).label("satisfied"),
                sa.func.avg(_r.c.score).label("mean_score"),
            )
            .select_from(_i.outerjoin(_r, sa.and_(_r.c.tenant_id == _i.c.tenant_id, _r.c.invitation_id == _i.c.id)))
            .where(*conditions)
        )
        if group_by is not None:
            statement = statement.group_by(key).order_by(key)
        rows = await self._connection.execute(statement)
        return [
            ResultCounts(
                key=str(r.key) if r.key is not None else None,
                invitations=int(r.invitations),
                responses=int(r.responses),
                nps_scored=int(r.nps_scored),
                promoters=int(r.promoters),
                detractors=int(r.detractors),
                rated=int(r.rated),
                satisfied=int(r.satisfied),
                mean_score=float(r.mean_score) if r.mean_score is not None else None,
            )
            for r in rows
            if group_by is not None or r.invitations
        ] or ([ResultCounts(key=None, invitations=0, responses=0)] if group_by is None else [])
