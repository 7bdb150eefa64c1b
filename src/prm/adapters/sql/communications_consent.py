"""SQL adapters of the communications context's consent part: the consent history, the
preference matrix, the tenant's settings and the send policy's reads. Built with the caller's
``TenantId``, which leads every statement (and row-level security on PostgreSQL)."""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY

from prm.adapters.sql.communications_consent_tables import (
    communication_consents as _c,
)
from prm.adapters.sql.communications_consent_tables import (
    communication_preferences as _p,
)
from prm.adapters.sql.communications_consent_tables import (
    communication_settings as _s,
)
from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.paging import fetch_page
from prm.application.communications.consent_ports import (
    CommunicationSettingsRepository,
    ConsentEntry,
    ConsentEntryFilter,
    ConsentEntryQueries,
    ConsentRepository,
    PatientPolicyFacts,
    PolicyFactsReader,
    PreferenceRepository,
)
from prm.application.identity.ports import TenantRepository
from prm.application.shared.paging import Page, PageRequest
from prm.domain.communications.channels import Channel
from prm.domain.communications.consent import (
    ConsentRecord,
    ConsentSource,
    ConsentState,
    ConsentStatus,
    ProvisionType,
    state_of,
)
from prm.domain.communications.consent_settings import CommunicationSettings
from prm.domain.communications.preferences import PreferenceMatrix
from prm.domain.communications.quiet_hours import QuietHours
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import PatientId, TenantId

CHUNK = 1000
POSTGRES_CHUNK = 5000
"""Patients per query of the policy's reads (bound parameters stay well under the limits)."""


def _record(row: Any) -> ConsentRecord:
    m = row._mapping
    return ConsentRecord(
        id=m["id"],
        tenant_id=TenantId(m["tenant_id"]),
        patient_id=PatientId(m["patient_id"]),
        channel=Channel(m["channel"]),
        status=ConsentStatus(m["status"]),
        provision=ProvisionType(m["provision"]),
        source=ConsentSource(m["source"]),
        recorded_at=m["recorded_at"],
        recorded_by=m["recorded_by"],
    )


_NEWEST = (_c.c.recorded_at.desc(), _c.c.id.desc())


class SqlConsentRepository(ConsentRepository):
    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def current(self, patient_id: PatientId, channel: Channel) -> ConsentRecord | None:
        statement = (
            sa.select(_c)
            .where(_c.c.tenant_id == self._tenant_id, _c.c.patient_id == patient_id, _c.c.channel == channel.value)
            .order_by(*_NEWEST)
            .limit(1)
        )
        row = (await self._connection.execute(statement)).first()
        return _record(row) if row is not None else None

    async def history(self, patient_id: PatientId) -> Sequence[ConsentRecord]:
        statement = (
            sa.select(_c).where(_c.c.tenant_id == self._tenant_id, _c.c.patient_id == patient_id).order_by(*_NEWEST)
        )
        return [_record(row) for row in await self._connection.execute(statement)]

    async def add(self, record: ConsentRecord) -> None:
        await self._connection.execute(
            sa.insert(_c),
            {
                "tenant_id": self._tenant_id,
                "id": record.id,
                "patient_id": record.patient_id,
                "channel": record.channel.value,
                "status": record.status.value,
                "provision": record.provision.value,
                "source": record.source.value,
                "recorded_at": record.recorded_at,
                "recorded_by": record.recorded_by,
            },
        )


class SqlPreferenceRepository(PreferenceRepository):
    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def matrix(self, patient_id: PatientId) -> PreferenceMatrix:
        statement = sa.select(_p.c.event_type, _p.c.channel, _p.c.enabled).where(
            _p.c.tenant_id == self._tenant_id, _p.c.patient_id == patient_id
        )
        rows = await self._connection.execute(statement)
        return PreferenceMatrix({(row.event_type, Channel(row.channel)): bool(row.enabled) for row in rows})

    async def set(
        self, patient_id: PatientId, entries: Mapping[tuple[str, Channel], bool], *, at: datetime, by: str
    ) -> None:
        if not entries:
            return
        rows = [
            {
                "tenant_id": self._tenant_id,
                "patient_id": patient_id,
                "event_type": event_type,
                "channel": channel.value,
                "enabled": enabled,
                "updated_at": at,
                "updated_by": by,
            }
            for (event_type, channel), enabled in sorted(entries.items())
        ]
        insert = postgresql.insert(_p) if self._connection.dialect.name == "postgresql" else sqlite.insert(_p)
        statement = insert.on_conflict_do_update(
            index_elements=["tenant_id", "patient_id", "event_type", "channel"],
            set_={
                "enabled": insert.excluded.enabled,
                "updated_at": insert.excluded.updated_at,
                "updated_by": insert.excluded.updated_by,
            },
        )
        await self._connection.execute(statement, rows)


class SqlCommunicationSettingsRepository(CommunicationSettingsRepository):
    """The tenant's row; a tenant without one gets ``default`` (the deployment's quiet hours) in
    the tenant's own IANA zone (its ``time_zone``, through ``tenants``), so quiet hours are the
    clinic's local night from the start."""

    def __init__(
        self,
        connection: SqlConnection,
        tenant_id: TenantId,
        default: CommunicationSettings | None = None,
        tenants: TenantRepository | None = None,
    ) -> None:
        self._connection = connection
        self._tenant_id = tenant_id
        self._default = default or CommunicationSettings()
        self._tenants = tenants

    async def get(self) -> CommunicationSettings:
        row = (await self._connection.execute(sa.select(_s).where(_s.c.tenant_id == self._tenant_id))).first()
        if row is None:
            tenant = await self._tenants.get(self._tenant_id) if self._tenants is not None else None
            return replace(self._default, time_zone=tenant.time_zone) if tenant is not None else self._default
        m = row._mapping
        return CommunicationSettings(
            quiet_hours=QuietHours.parse(m["quiet_hours_start"], m["quiet_hours_end"]),
            time_zone=m["time_zone"],
            require_explicit_consent=bool(m["require_explicit_consent"]),
            default_language=m["default_language"],
            version=m["version"],
            updated_at=m["updated_at"],
            updated_by=m["updated_by"],
        )

    async def save(self, settings: CommunicationSettings) -> None:
        values = {
            "quiet_hours_start": settings.quiet_hours.start.strftime("%H:%M"),
            "quiet_hours_end": settings.quiet_hours.end.strftime("%H:%M"),
            "time_zone": settings.time_zone,
            "require_explicit_consent": settings.require_explicit_consent,
            "default_language": settings.default_language,
            "version": settings.version,
            "updated_at": settings.updated_at,
            "updated_by": settings.updated_by or "system",
        }
        if settings.version == 1:
            insert = postgresql.insert(_s) if self._connection.dialect.name == "postgresql" else sqlite.insert(_s)
            first = insert.on_conflict_do_nothing(index_elements=["tenant_id"])
            result = await self._connection.execute(first, {"tenant_id": self._tenant_id, **values})
        else:
            update = (
                sa.update(_s)
                .where(_s.c.tenant_id == self._tenant_id, _s.c.version == settings.version - 1)
                .values(values)
            )
            result = await self._connection.execute(update)
        if result.rowcount != 1:
            raise StaleVersion("the communication settings were changed by someone else meanwhile")


class SqlPolicyFactsReader(PolicyFactsReader):
    """Current consents (the latest row per patient and channel, by a window function) and
    preference entries of up to :data:`CHUNK` patients in one ``UNION ALL`` query."""

    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def facts(self, patient_ids: Collection[PatientId]) -> Mapping[PatientId, PatientPolicyFacts]:
        wanted = sorted(set(patient_ids))
        consents: dict[PatientId, dict[Channel, ConsentState]] = {}
        preferences: dict[PatientId, dict[tuple[str, Channel], bool]] = {}
        postgres = self._connection.dialect.name == "postgresql"
        chunk = POSTGRES_CHUNK if postgres else CHUNK
        for start in range(0, len(wanted), chunk):
            ids = wanted[start : start + chunk]
            statement = self._postgres_statement(ids) if postgres else self._statement(ids)
            for row in await self._connection.execute(statement):
                patient_id, channel = PatientId(row.patient_id), Channel(row.channel)
                if row.kind == "c":
                    state = state_of(ConsentStatus(row.a), ProvisionType(row.b))
                    consents.setdefault(patient_id, {})[channel] = state
                else:
                    preferences.setdefault(patient_id, {})[(row.a, channel)] = row.b == "y"
        return {
            p: PatientPolicyFacts(consents.get(p, {}), PreferenceMatrix(preferences.get(p, {})))
            for p in consents.keys() | preferences.keys()
        }

    def _postgres_statement(self, patient_ids: list[PatientId]) -> sa.Select[Any]:
        """:meth:`_statement` with the ids as one array parameter, joined unnested: one statement
        text (prepared once) whatever the number of ids, instead of an ``IN`` list that psycopg
        and the server parse anew for each size (a campaign asks for thousands at a time)."""

        def wanted(name: str) -> Any:
            ids = sa.bindparam("ids", patient_ids, type_=ARRAY(sa.Uuid))
            return sa.func.unnest(ids).table_valued("id").render_derived(name=name)

        consents = wanted("wanted_c")
        ranked = (
            sa.select(
                _c.c.patient_id,
                _c.c.channel,
                _c.c.status,
                _c.c.provision,
                sa.func.row_number().over(partition_by=(_c.c.patient_id, _c.c.channel), order_by=_NEWEST).label("rank"),
            )
            .join(consents, _c.c.patient_id == consents.c.id)
            .where(_c.c.tenant_id == self._tenant_id)
            .subquery("ranked")
        )
        latest = sa.select(
            sa.literal("c").label("kind"),
            ranked.c.patient_id,
            ranked.c.channel,
            ranked.c.status.label("a"),
            ranked.c.provision.label("b"),
        ).where(ranked.c.rank == 1)
        preferences = wanted("wanted_p")
        entries = (
            sa.select(
                sa.literal("p").label("kind"),
                _p.c.patient_id,
                _p.c.channel,
                _p.c.event_type.label("a"),
                sa.case((_p.c.enabled, "y"), else_="n").label("b"),
            )
            .join(preferences, _p.c.patient_id == preferences.c.id)
            .where(_p.c.tenant_id == self._tenant_id)
        )
        return sa.select(sa.union_all(latest, entries).subquery("facts"))

    def _statement(self, patient_ids: list[PatientId]) -> sa.Select[Any]:
        ranked = (
            sa.select(
                _c.c.patient_id,
                _c.c.channel,
                _c.c.status,
                _c.c.provision,
                sa.func.row_number().over(partition_by=(_c.c.patient_id, _c.c.channel), order_by=_NEWEST).label("rank"),
            )
            .where(_c.c.tenant_id == self._tenant_id, _c.c.patient_id.in_(patient_ids))
            .subquery("ranked")
        )
        latest = sa.select(
            sa.literal("c").label("kind"),
            ranked.c.patient_id,
            ranked.c.channel,
            ranked.c.status.label("a"),
            ranked.c.provision.label("b"),
        ).where(ranked.c.rank == 1)
        entries = sa.select(
            sa.literal("p").label("kind"),
            _p.c.patient_id,
            _p.c.channel,
            _p.c.event_type.label("a"),
            sa.case((_p.c.enabled, "y"), else_="n").label("b"),
        ).where(_p.c.tenant_id == self._tenant_id, _p.c.patient_id.in_(patient_ids))
        return sa.select(sa.union_all(latest, entries).subquery("facts"))


def _later(record: sa.Table) -> tuple[sa.FromClause, list[sa.ColumnElement[bool]]]:
    """The records of ``record``'s patient on its channel recorded after it (by ``recorded_at``,
    then id), as an alias and its conditions."""
    later = record.alias("later")
    return later, [
        later.c.tenant_id == record.c.tenant_id,
        later.c.patient_id == record.c.patient_id,
        later.c.channel == record.c.channel,
        sa.or_(
            later.c.recorded_at > record.c.recorded_at,
            sa.and_(later.c.recorded_at == record.c.recorded_at, later.c.id > record.c.id),
        ),
    ]


def _replaced_at() -> sa.Label[Any]:
    """When the first later record was recorded (``NULL``: none, the record is current)."""
    later, conditions = _later(_c)
    return sa.select(sa.func.min(later.c.recorded_at)).where(*conditions).scalar_subquery().label("replaced_at")


def _in_force() -> sa.ColumnElement[bool]:
    _, conditions = _later(_c)
    return sa.and_(_c.c.status == ConsentStatus.ACTIVE.value, sa.not_(sa.exists().where(*conditions)))


class SqlConsentEntryQueries(ConsentEntryQueries):
    """Consent records with when each was replaced: a correlated ``min(recorded_at)`` of the later
    records of the same patient and channel, one probe of
    ``ix_communication_consents_tenant_id_patient_id_channel`` per record (``NOT EXISTS`` for the
    ``in_force`` filter). The search walks the tenant's records newest first by the primary key
    (or the patient's through that index), so a search without ``patient`` costs no sort."""

    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def get(self, consent_id: UUID) -> ConsentEntry | None:
        statement = sa.select(_c, _replaced_at()).where(_c.c.tenant_id == self._tenant_id, _c.c.id == consent_id)
        row = (await self._connection.execute(statement)).first()
        return _entry(row) if row is not None else None

    async def find(self, where: ConsentEntryFilter, page: PageRequest) -> Page[ConsentEntry]:
        conditions: list[sa.ColumnElement[bool]] = [_c.c.tenant_id == self._tenant_id]
        if where.patient_id is not None:
            conditions.append(_c.c.patient_id == where.patient_id)
        if where.in_force is not None:
            conditions.append(_in_force() if where.in_force else sa.not_(_in_force()))
        return await fetch_page(
            self._connection, _c, conditions, [_c.c.id.desc()], page, _entry, columns=[*_c.columns, _replaced_at()]
        )


def _entry(row: Any) -> ConsentEntry:
    return ConsentEntry(_record(row), row._mapping["replaced_at"])
