"""Permissions (``resource:action``) and the built-in roles.

A permission names a resource and an action on it: ``read`` or ``write`` (write covers create,
update and delete). Every HTTP route declares the one permission it needs next to its decorator
(``opt={"permission": "patients:read"}``); a role is a named set of permissions, and a user holds
the union of its roles' permissions. API keys carry permissions directly.

Built-in roles exist in every tenant and cannot be changed; tenants' admins add their own.

| role | permissions |
|---|---|
| ``admin`` | all |
| ``care_coordinator`` | patients rw, practitioners r, organizations r, appointments rw, schedules r, |
| | waitlist rw, communications rw, communication_templates rw |
| ``front_desk`` | patients rw, practitioners r, organizations r, appointments rw, schedules r, |
| | waitlist rw, communications rw, communication_templates r (no audit) |
| ``practitioner`` | patients r, practitioners r, organizations r, appointments rw, schedules rw, waitlist r, |
| | communications r |
| ``integration`` | patients rw, practitioners rw, organizations rw, appointments rw, integration_events rw, |
| | schedules r, integrations r |
| ``auditor`` | audit r, patients r, practitioners r, organizations r, appointments r, users r, roles r, |
| | api_keys r |

Organisations (hospitals and departments) go to the roles that have practitioners, with the
same access. Tickets (``tickets`` rw) go to the same roles as organisations, with write for care
coordinators and the front desk too (they work the tickets): rw for care_coordinator, front_desk
and integration, r for practitioner and auditor. The auditor reads patients, practitioners,
organisations and appointments so that an audit event's entity can be looked at; those reads
are themselves audited. It changes nothing. Journeys (``journeys``: templates and instances) go
like organisations, with write for care coordinators (who design and run them): rw for
care_coordinator and integration, r for front_desk, practitioner and auditor. Surveys
(``surveys``: templates, invitations, results) are rw for care coordinators, r for the front
desk, practitioners and auditors. Merging patient records (``patients:merge``) is for care
coordinators (and admins). Tags (``tags``: the tenant's tag list) are rw for care coordinators and
the front desk, r for practitioners, integrations and auditors; attaching a tag to a patient,
appointment, ticket or journey also needs write on that resource. Caregivers are part of the
patient's record (``patients``). HL7 v2 messages (``hl7``: received messages, their raw text and
outcome) are rw for integration (and admins), r for auditors.
"""

from collections.abc import Iterable

from prm.domain.shared.errors import RuleViolated

RESOURCES: tuple[str, ...] = (
    "patients",
    "practitioners",
    "organizations",
    "appointments",
    "schedules",
    "waitlist",
    "audit",
    "users",
    "roles",
    "api_keys",
    "webhooks",
    "integrations",
    "integration_events",
    "operations",
    "communications",
    "communication_templates",
    "communication_settings",
    "tickets",
    "journeys",
    "surveys",
    "tags",
    "hl7",
)
ACTIONS: tuple[str, ...] = ("read", "write")

SPECIAL_PERMISSIONS: frozenset[str] = frozenset({"patients:merge"})
"""Permissions beyond read and write: ``patients:merge`` merges patient records and undoes merges
(issue 13); an admin and a care coordinator hold it."""

PERMISSIONS: frozenset[str] = (
    frozenset(
        f"{resource}:{action}"
        for resource in RESOURCES
        for action in ACTIONS
        if (resource, action) not in {("audit", "write"), ("operations", "write")}
    )
    | SPECIAL_PERMISSIONS
)
"""Every permission there is. The audit trail is append-only (no ``audit:write``); ``operations:read``
reads the state of background work across tenants (no ``operations:write``)."""

ADMIN_ROLE = "admin"
"""The built-in role holding every permission; a tenant always keeps one active holder."""


def is_admin_equivalent(permissions: Iterable[str]) -> bool:
    """Holds every permission there is (all of :data:`PERMISSIONS`, as the ``admin`` role does),
    whether through the ``admin`` role, a role of the tenant's own, or an API key's list."""
    return frozenset(permissions) >= PERMISSIONS


def _rw(*resources: str) -> set[str]:
    return {f"{r}:{a}" for r in resources for a in ACTIONS}


def _r(*resources: str) -> set[str]:
    return {f"{r}:read" for r in resources}


BUILTIN_ROLES: dict[str, frozenset[str]] = {
    ADMIN_ROLE: PERMISSIONS,
    "care_coordinator": frozenset(
        _rw("patients", "appointments", "waitlist", "communications", "communication_templates", "tickets", "journeys")
        | _rw("surveys", "tags")
        | _r("practitioners", "organizations", "schedules")
        | {"patients:merge"}
    ),
    "front_desk": frozenset(
        _rw("patients", "appointments", "waitlist", "communications", "tickets", "tags")
        | _r("practitioners", "organizations", "schedules", "communication_templates", "journeys", "surveys")
    ),
    "practitioner": frozenset(
        _rw("appointments", "schedules")
        | _r("patients", "practitioners", "organizations", "waitlist", "communications", "tickets", "journeys")
        | _r("surveys", "tags")
    ),
    "integration": frozenset(
        _rw("patients", "practitioners", "organizations", "appointments", "integration_events", "tickets", "journeys")
        | _r("schedules", "integrations", "tags")
        | _rw("hl7")
    ),
    "auditor": frozenset(
        {"audit:read"}
        | _r("patients", "practitioners", "organizations", "appointments", "users", "roles", "api_keys", "tickets")
        | _r("journeys", "surveys", "tags", "hl7")
    ),
}
"""The roles every tenant has, by name."""

ROLE_DESCRIPTIONS: dict[str, str] = {
    "admin": "Everything, including users, roles, API keys and the audit trail",
    "care_coordinator": "Patients, appointments and the waitlist; reads practitioners and schedules",
    "front_desk": "Registers patients, books appointments, keeps the waitlist; no audit trail",
    "practitioner": "Own appointments and schedules; reads patients, practitioners and the waitlist",
    "integration": "Systems that exchange patients, practitioners, appointments and integration events",
    "auditor": "Reads the audit trail and the records it names; changes nothing",
}


class UnknownPermission(RuleViolated):
    code = "identity.unknown_permission"


def check_permissions(permissions: object, *, field: str = "permissions") -> frozenset[str]:
    """Return ``permissions`` (an iterable of ``resource:action`` strings) as a frozenset.

    Raises :class:`UnknownPermission` (422, naming ``field``) for a name not in :data:`PERMISSIONS`.
    """
    given = frozenset(str(p) for p in permissions) if isinstance(permissions, list | tuple | set | frozenset) else None
    if given is None:
        raise UnknownPermission("permissions must be a list of resource:action names", field=field)
    unknown = sorted(given - PERMISSIONS)
    if unknown:
        raise UnknownPermission(
            f"unknown permission(s) {', '.join(unknown)}; known: {', '.join(sorted(PERMISSIONS))}", field=field
        )
    return given
