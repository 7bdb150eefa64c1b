"""Duplicate detection in SQL: blocking by ``patient_match_keys`` and the worklist
``patient_duplicate_pairs`` (see ``patients_duplicates_tables``).

Blocking is equality on ``(tenant_id, key)``: the candidates of a patient are the patients sharing
one of its keys, found through the primary key's index, so a look-up reads a few dozen rows
whatever the tenant's size. A tenant-wide scan reads the keys in the primary key's order, a
batch at a time (a range scan, never a join of the tenant's keys with themselves, which
PostgreSQL would run as a hash of every key for each batch), and pairs the patients of each key
here; a pair sharing several keys is made at the smallest one only. Every statement names the
tenant.
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY

from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.patients_duplicates_tables import patient_duplicate_pairs, patient_match_keys
from prm.adapters.sql.patients_tables import patients
from prm.application.patients.duplicates_ports import (
    MAX_BLOCK,
    MAX_CANDIDATES,
    BlockedBatch,
    DuplicateIndex,
    DuplicatePair,
    MatchRecord,
    PairStatus,
    ScoredPair,
)
from prm.application.patients.ports import PatientSummary
from prm.application.shared.paging import Page, PageRequest
from prm.domain.patients.duplicates import FieldMatch, MatchProfile, blocking_keys, profile_of
from prm.domain.patients.model import MRN_TYPE, Patient, PatientStatus
from prm.domain.shared.ids import PatientId, TenantId
from prm.domain.shared.person import AdministrativeGender

_k = patient_match_keys
_p = patient_duplicate_pairs
_PHONE_SYSTEMS = frozenset({"phone", "fax", "sms", "pager"})
_MERGED = PatientStatus.MERGED.value
_IN_CHUNK = 5000
"""Ids per ``IN (...)`` list (SQLite allows 32,766 parameters a statement)."""
_SCAN_CACHE = 300_000
"""The most profiles a scan keeps (about 1 kB each)."""


def match_key_rows(batch: Iterable[Patient]) -> list[dict[str, Any]]:
    """The ``patient_match_keys`` rows of ``batch`` (none for a merged patient), for the
    repository to write with the patients."""
    return [
        {"tenant_id": p.tenant_id, "key": key, "patient_id": p.id}
        for p in batch
        if p.status is not PatientStatus.MERGED
        for key in sorted(blocking_keys(profile_of(p.details)))
    ]


_RECORD_COLUMNS = tuple(
    patients.c[name]
    for name in ("id", "mrn", "name", "gender", "birth_date", "telecom", "addresses", "identifiers", "city", "status")
)


_PROFILE_COLUMNS = tuple(
    patients.c[name] for name in ("id", "name", "gender", "birth_date", "telecom", "addresses", "identifiers")
)


def profile_from_row(m: Mapping[Any, Any]) -> MatchProfile:
    """The comparison profile from a ``patients`` row's columns (JSON documents as stored)."""
    name: dict[str, Any] = m["name"]
    telecom: list[dict[str, Any]] = m["telecom"] or []
    addresses: list[dict[str, Any]] = m["addresses"] or []
    identifiers: list[dict[str, Any]] = m["identifiers"] or []
    return MatchProfile.of(
        given=name.get("given") or (),
        family=name.get("family"),
        birth_date=_date(m["birth_date"]),
        gender=m["gender"],
        phones=[c["value"] for c in telecom if c.get("system") in _PHONE_SYSTEMS],
        emails=[c["value"] for c in telecom if c.get("system") == "email"],
        addresses=[(a.get("postal_code"), a.get("line") or ()) for a in addresses],
        identifiers=[(i["system"], i["value"]) for i in identifiers if i.get("type") != MRN_TYPE],
    )


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _record(row: sa.Row[Any]) -> MatchRecord:
    m = row._mapping
    return MatchRecord(_summary(m), profile_from_row(m))


def _summary(m: Mapping[Any, Any]) -> PatientSummary:
    name: dict[str, Any] = m["name"]
    parts = [*name.get("prefix", ()), *name.get("given", ()), *([name["family"]] if name.get("family") else [])]
    telecom: list[dict[str, Any]] = m["telecom"] or []
    return PatientSummary(
        id=PatientId(m["id"]),
        mrn=m["mrn"],
        full_name=" ".join([*parts, *name.get("suffix", ())]),
        gender=AdministrativeGender(m["gender"]),
        birth_date=_date(m["birth_date"]),
        phone=next((c["value"] for c in telecom if c.get("system") in _PHONE_SYSTEMS), None),
        email=next((c["value"] for c in telecom if c.get("system") == "email"), None),
        city=m["city"],
        status=PatientStatus(m["status"]),
    )


def _milli(score: float) -> int:
    return round(score * 1000)


def _reasons(value: Any) -> tuple[FieldMatch, ...]:
    return msgspec.convert(value or [], tuple[FieldMatch, ...])


class SqlDuplicateIndex(DuplicateIndex):
    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id
        self._decided: set[tuple[Any, Any]] = set()
        """The pairs a scan leaves alone (decided), read when it starts."""
        self._seen: dict[PatientId, tuple[MatchProfile, frozenset[str]]] = {}
        """A scan's profiles and keys, kept for the patient's next key (a patient has a birth-date
        key early in the key order and a name key later): each built once, up to _SCAN_CACHE."""

    async def _records(self, ids: Sequence[PatientId]) -> dict[PatientId, MatchRecord]:
        found: dict[PatientId, MatchRecord] = {}
        for start in range(0, len(ids), _IN_CHUNK):
            rows = await self._connection.execute(
                sa.select(*_RECORD_COLUMNS).where(
                    patients.c.tenant_id == self._tenant_id, patients.c.id.in_(ids[start : start + _IN_CHUNK])
                )
            )
            for row in rows:
                record = _record(row)
                found[record.summary.id] = record
        return found

    async def record(self, patient_id: PatientId) -> MatchRecord | None:
        return (await self._records([patient_id])).get(patient_id)

    async def _decided_partners(self, patient_id: PatientId) -> set[PatientId]:
        scope = (_p.c.tenant_id == self._tenant_id, _p.c.status == PairStatus.NOT_DUPLICATE.value)
        rows = await self._connection.execute(
            sa.union_all(
                sa.select(_p.c.patient_b).where(*scope, _p.c.patient_a == patient_id),
                sa.select(_p.c.patient_a).where(*scope, _p.c.patient_b == patient_id),
            )
        )
        return {PatientId(r[0]) for r in rows}

    async def candidates(self, patient_id: PatientId, limit: int = MAX_CANDIDATES) -> Sequence[MatchRecord]:
        mine = _k.alias("mine")
        theirs = _k.alias("theirs")
        shared = sa.func.count().label("shared")
        statement = (
            sa.select(theirs.c.patient_id, shared)
            .select_from(mine.join(theirs, sa.and_(theirs.c.tenant_id == mine.c.tenant_id, theirs.c.key == mine.c.key)))
            .where(
                mine.c.tenant_id == self._tenant_id,
                mine.c.patient_id == patient_id,
                theirs.c.tenant_id == self._tenant_id,
                theirs.c.patient_id != patient_id,
            )
            .group_by(theirs.c.patient_id)
            .order_by(shared.desc(), theirs.c.patient_id)
            .limit(limit)
        )
        ids = [PatientId(r[0]) for r in await self._connection.execute(statement)]
        if not ids:
            return []
        excluded = await self._decided_partners(patient_id)
        records = await self._records([i for i in ids if i not in excluded])
        return [r for i in ids if (r := records.get(i)) is not None and r.summary.status is not PatientStatus.MERGED]

    async def count_scan(self) -> tuple[int, int]:
        patients_count = (
            sa.select(sa.func.count())
            .select_from(patients)
            .where(patients.c.tenant_id == self._tenant_id, patients.c.status != _MERGED)
        )
        keys_count = sa.select(sa.func.count()).select_from(_k).where(_k.c.tenant_id == self._tenant_id)
        return (
            int((await self._connection.execute(patients_count)).scalar_one()),
            int((await self._connection.execute(keys_count)).scalar_one()),
        )

    def _id_in(self, column: sa.ColumnElement[Any], ids: Sequence[PatientId]) -> sa.ColumnElement[bool]:
        """``column IN ids``; on PostgreSQL one array parameter (one statement text whatever the
        number of ids, instead of an ``IN`` list psycopg and the server parse anew each time)."""
        if self._connection.dialect.name == "postgresql":
            return column == sa.any_(sa.bindparam("ids", list(ids), type_=ARRAY(sa.Uuid)))
        return column.in_(ids)

    async def _profiles(self, ids: Sequence[PatientId]) -> dict[PatientId, MatchProfile]:
        found: dict[PatientId, MatchProfile] = {}
        for start in range(0, len(ids), _IN_CHUNK):
            rows = await self._connection.execute(
                sa.select(*_PROFILE_COLUMNS).where(
                    patients.c.tenant_id == self._tenant_id, self._id_in(patients.c.id, ids[start : start + _IN_CHUNK])
                )
            )
            for row in rows:
                found[PatientId(row[0])] = profile_from_row(row._mapping)
        return found

    async def blocked(self, cursor: str | None, batch_size: int) -> BlockedBatch:
        if cursor is None:
            decided = sa.select(_p.c.patient_a, _p.c.patient_b).where(
                _p.c.tenant_id == self._tenant_id, _p.c.status != PairStatus.OPEN.value
            )
            self._decided = {(a, b) for a, b in await self._connection.execute(decided)}
            self._seen = {}
        where = [_k.c.tenant_id == self._tenant_id]
        if cursor is not None:
            where.append(_k.c.key > cursor)
        # The primary key's order: a range scan of the index, whatever the tenant's size.
        statement = sa.select(_k.c.key, _k.c.patient_id).where(*where).order_by(_k.c.key, _k.c.patient_id)
        rows = (await self._connection.execute(statement.limit(batch_size))).all()
        if not rows:
            return BlockedBatch(0, cursor, [], {})
        read = len(rows)
        if read == batch_size:  # the last key may go on: the next batch reads it whole
            last = rows[-1][0]
            rows = [r for r in rows if r[0] != last]
            if not rows:  # one key fills the batch: read it whole, unless too many share it
                block = sa.select(_k.c.key, _k.c.patient_id).where(_k.c.tenant_id == self._tenant_id, _k.c.key == last)
                rows = (await self._connection.execute(block.limit(MAX_BLOCK + 1))).all()
        blocks: dict[str, list[PatientId]] = {}
        for key, patient_id in rows:
            blocks.setdefault(key, []).append(patient_id)
        shared = {k: m for k, m in blocks.items() if 1 < len(m) <= MAX_BLOCK}
        seen = self._seen
        wanted = {p for members in shared.values() for p in members}
        missing = [p for p in wanted if p not in seen]
        if len(seen) + len(missing) > _SCAN_CACHE:
            seen.clear()
            missing = list(wanted)
        for patient_id, profile in (await self._profiles(missing)).items():
            seen[patient_id] = (profile, frozenset(blocking_keys(profile)))
        profiles = {p: seen[p][0] for p in wanted if p in seen}
        keys = {p: seen[p][1] for p in profiles}
        pairs: list[tuple[PatientId, PatientId]] = []
        done = self._decided
        for key, members in shared.items():
            present = [m for m in members if m in keys]  # in id order: the rows come in key order
            for i, a in enumerate(present):
                mine = keys[a]
                for b in present[i + 1 :]:
                    # each pair once: at the smallest key the two share
                    if min(mine & keys[b], default=key) == key and (not done or (a, b) not in done):
                        pairs.append((a, b))
        return BlockedBatch(len(rows), rows[-1][0], pairs, profiles)

    def _insert(self) -> Any:
        return postgresql.insert(_p) if self._connection.dialect.name == "postgresql" else sqlite.insert(_p)

    async def save_pairs(self, pairs: Sequence[ScoredPair], found_at: datetime) -> None:
        if not pairs:
            return
        insert = self._insert()
        statement = insert.on_conflict_do_update(
            index_elements=[_p.c.tenant_id, _p.c.patient_a, _p.c.patient_b],
            set_={"score_milli": insert.excluded.score_milli, "reasons": insert.excluded.reasons, "found_at": found_at},
            where=_p.c.status == PairStatus.OPEN.value,
        )
        rows = [
            {
                "tenant_id": self._tenant_id,
                "patient_a": pair.patient_a,
                "patient_b": pair.patient_b,
                "score_milli": _milli(pair.score),
                "reasons": list(pair.reasons),
                "status": PairStatus.OPEN.value,
                "found_at": found_at,
            }
            for pair in pairs
        ]
        for start in range(0, len(rows), 1000):
            await self._connection.execute(statement, rows[start : start + 1000])

    async def drop_open_pairs_before(self, found_at: datetime) -> int:
        result = await self._connection.execute(
            sa.delete(_p).where(
                _p.c.tenant_id == self._tenant_id, _p.c.status == PairStatus.OPEN.value, _p.c.found_at < found_at
            )
        )
        return max(result.rowcount, 0)

    async def worklist(self, status: PairStatus | None, min_score: float, page: PageRequest) -> Page[DuplicatePair]:
        a = patients.alias("a")
        b = patients.alias("b")
        either_merged = sa.or_(a.c.status == _MERGED, b.c.status == _MERGED)
        shown = sa.case((sa.and_(_p.c.status == PairStatus.OPEN.value, either_merged), _MERGED), else_=_p.c.status)
        where: list[sa.ColumnElement[bool]] = [_p.c.tenant_id == self._tenant_id, _p.c.score_milli >= _milli(min_score)]
        if status is PairStatus.OPEN:
            where += [_p.c.status == PairStatus.OPEN.value, a.c.status != _MERGED, b.c.status != _MERGED]
        elif status is not None:
            where.append(shown == status.value)
        joined = _p.join(a, sa.and_(a.c.tenant_id == _p.c.tenant_id, a.c.id == _p.c.patient_a)).join(
            b, sa.and_(b.c.tenant_id == _p.c.tenant_id, b.c.id == _p.c.patient_b)
        )
        columns = [
            *(a.c[c.name].label(f"a_{c.name}") for c in _RECORD_COLUMNS),
            *(b.c[c.name].label(f"b_{c.name}") for c in _RECORD_COLUMNS),
            _p.c.score_milli,
            _p.c.reasons,
            shown.label("shown"),
            _p.c.found_at,
            _p.c.decided_at,
            _p.c.decided_by,
        ]
        statement = (
            sa.select(*columns)
            .select_from(joined)
            .where(*where, a.c.tenant_id == self._tenant_id, b.c.tenant_id == self._tenant_id)
            .order_by(_p.c.score_milli.desc(), _p.c.patient_a, _p.c.patient_b)
            .limit(page.page_size)
            .offset(page.offset)
        )
        rows = (await self._connection.execute(statement)).all()
        total_statement = sa.select(sa.func.count()).select_from(joined).where(*where)
        total = int((await self._connection.execute(total_statement)).scalar_one())
        items = [
            DuplicatePair(
                patient_a=_summary({c.name: r._mapping[f"a_{c.name}"] for c in _RECORD_COLUMNS}),
                patient_b=_summary({c.name: r._mapping[f"b_{c.name}"] for c in _RECORD_COLUMNS}),
                score=r.score_milli / 1000,
                reasons=_reasons(r.reasons),
                status=PairStatus(r.shown),
                found_at=r.found_at,
                decided_at=r.decided_at,
                decided_by=r.decided_by,
            )
            for r in rows
        ]
        return Page(items, total, page.page, page.page_size)

    async def mark(self, pair: ScoredPair, status: PairStatus, decided_at: datetime, decided_by: str) -> None:
        insert = self._insert()
        values = {
            "status": status.value,
            "decided_at": decided_at,
            "decided_by": decided_by,
            "score_milli": _milli(pair.score),
            "reasons": list(pair.reasons),
        }
        statement = insert.values(
            tenant_id=self._tenant_id,
            patient_a=pair.patient_a,
            patient_b=pair.patient_b,
            found_at=decided_at,
            **values,
        ).on_conflict_do_update(index_elements=[_p.c.tenant_id, _p.c.patient_a, _p.c.patient_b], set_=values)
        await self._connection.execute(statement)
