"""Administration under ``/api/v1/prm/admin``: users, roles, API keys (reference: "RBAC & Roles").

Delegated administration never escalates (``application/identity/grants.py``): a grant (roles,
an API key's or a role's permissions) must be held by the caller, only an admin touches admins,
a user is changed only by a caller holding all it holds (403 ``identity.grant_exceeds_own`` /
``identity.admin_only``), and a tenant's last active admin stays (409 ``identity.last_admin``).
"""

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from prm.application.identity.create_api_key import CreateApiKey
from prm.application.identity.create_role import CreateRole
from prm.application.identity.create_user import CreateUser, CreateUserCommand
from prm.application.identity.deactivate_user import DeactivateUser
from prm.application.identity.delete_role import DeleteRole
from prm.application.identity.get_role import GetRole
from prm.application.identity.get_user import GetUser
from prm.application.identity.list_api_keys import ListApiKeys
from prm.application.identity.list_roles import ListRoles
from prm.application.identity.list_users import ListUsers
from prm.application.identity.revoke_api_key import RevokeApiKey
from prm.application.identity.update_role import UpdateRole
from prm.application.identity.update_user import UpdateUser, UpdateUserCommand
from prm.application.shared.paging import PageRequest
from prm.domain.identity.model import ApiKey, ApiKeyId, Role, RoleId, User, UserId
from prm.entrypoints.http.identity_auth import Email, Password
from prm.entrypoints.http.paging import PageNumber, PageResponse, PageSize, page_response
from prm.entrypoints.http.problems import problem_responses

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class UserResponse(msgspec.Struct, frozen=True):
    id: UUID
    tenant_id: UUID
    email: str
    full_name: str
    roles: list[str]
    is_active: bool
    last_login_at: datetime | None
    created_at: datetime
    updated_at: datetime


def user_response(user: User) -> UserResponse:
    return UserResponse(
        id=user.id,
        tenant_id=user.tenant_id,
        email=user.email,
        full_name=user.full_name,
        roles=list(user.roles),
        is_active=user.is_active,
        last_login_at=user.last_login_at,
        created_at=user.created_at,
        updated_at=user.updated_at,
    )


RoleName = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
RoleNames = Annotated[list[RoleName], msgspec.Meta(max_length=50)]
PermissionNames = Annotated[
    list[Annotated[str, msgspec.Meta(min_length=1, max_length=64)]],
    msgspec.Meta(max_length=100, description="`resource:action` names, e.g. patients:read"),
]


class CreateUserRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    email: Email
    full_name: Name
    password: Password
    roles: RoleNames = []

    def __repr__(self) -> str:
        return f"CreateUserRequest(email={self.email!r})"


class UpdateUserRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True, omit_defaults=True):
    email: Email | msgspec.UnsetType = msgspec.UNSET
    full_name: Name | msgspec.UnsetType = msgspec.UNSET
    roles: RoleNames | msgspec.UnsetType = msgspec.UNSET
    is_active: bool | msgspec.UnsetType = msgspec.UNSET
    password: Password | msgspec.UnsetType = msgspec.UNSET

    def __repr__(self) -> str:
        return "UpdateUserRequest(...)"


class RoleResponse(msgspec.Struct, frozen=True):
    id: UUID
    name: str
    description: str
    permissions: list[str]
    builtin: bool
    created_at: datetime | None


def role_response(role: Role) -> RoleResponse:
    return RoleResponse(
        id=role.id,
        name=role.name,
        description=role.description,
        permissions=sorted(role.permissions),
        builtin=role.builtin,
        created_at=role.created_at,
    )


class CreateRoleRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    name: RoleName
    permissions: PermissionNames
    description: Annotated[str, msgspec.Meta(max_length=500)] = ""


class UpdateRoleRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    description: Annotated[str, msgspec.Meta(max_length=500)] | None = None
    permissions: PermissionNames | None = None


class ApiKeyResponse(msgspec.Struct, frozen=True, omit_defaults=True):
    """``key`` (the secret) is present once, in the answer to the creation."""

    id: UUID
    name: str
    prefix: str
    permissions: list[str]
    is_active: bool
    created_by: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    key: str | None = None


def api_key_response(key: ApiKey, secret: str | None = None) -> ApiKeyResponse:
    return ApiKeyResponse(
        id=key.id,
        name=key.name,
        prefix=key.prefix,
        permissions=sorted(key.permissions),
        is_active=key.is_active,
        created_by=key.created_by,
        created_at=key.created_at,
        last_used_at=key.last_used_at,
        revoked_at=key.revoked_at,
        key=secret,
    )


class CreateApiKeyRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    name: Name
    permissions: PermissionNames


class UserController(Controller):
    path = "/admin/users"
    tags = ("admin",)

    @get(opt={"permission": "users:read"}, responses=problem_responses(422), summary="List users")
    @inject
    async def list_users(
        self, list_users: FromDishka[ListUsers], page: FromQuery[PageNumber] = 1, page_size: FromQuery[PageSize] = 20
    ) -> PageResponse[UserResponse]:
        return page_response((await list_users(PageRequest(page, page_size))).map(user_response))

    @post(opt={"permission": "users:write"}, responses=problem_responses(403, 409, 422), summary="Create a user")
    @inject
    async def create_user(self, data: JSONBody[CreateUserRequest], create: FromDishka[CreateUser]) -> UserResponse:
        """Password: 12+ characters, not the email, not a common one. Roles are role names, whose
        permissions the caller must hold (only an admin grants ``admin``)."""
        user = await create(
            CreateUserCommand(
                email=data.email, full_name=data.full_name, password=data.password, roles=tuple(data.roles)
            )
        )
        return user_response(user)

    @get("/{user_id:uuid}", opt={"permission": "users:read"}, responses=problem_responses(404), summary="Get a user")
    @inject
    async def get_user(self, user_id: FromPath[UUID], get_user: FromDishka[GetUser]) -> UserResponse:
        return user_response(await get_user(UserId(user_id)))

    @patch(
        "/{user_id:uuid}",
        opt={"permission": "users:write"},
        responses=problem_responses(403, 404, 409, 422),
        summary="Update a user (roles, name, email, active, password)",
    )
    @inject
    async def update_user(
        self, user_id: FromPath[UUID], data: JSONBody[UpdateUserRequest], update: FromDishka[UpdateUser]
    ) -> UserResponse:
        """A change of roles, password or active flag ends the user's access tokens at once."""
        changes = {f: getattr(data, f) for f in data.__struct_fields__ if getattr(data, f) is not msgspec.UNSET}
        return user_response(await update(UpdateUserCommand(user_id=UserId(user_id), changes=changes)))

    @delete(
        "/{user_id:uuid}",
        opt={"permission": "users:write"},
        responses=problem_responses(403, 404, 409),
        summary="Deactivate a user",
    )
    @inject
    async def deactivate_user(self, user_id: FromPath[UUID], deactivate: FromDishka[DeactivateUser]) -> None:
        """The account stays (audit events name it) but can no longer log in; its sessions and
        access tokens end at once."""
        await deactivate(UserId(user_id))


class RoleController(Controller):
    path = "/admin/roles"
    tags = ("admin",)

    @get(opt={"permission": "roles:read"}, summary="List roles")
    @inject
    async def list_roles(self, list_roles: FromDishka[ListRoles]) -> list[RoleResponse]:
        """Built-in roles (fixed) and the tenant's own."""
        return [role_response(r) for r in await list_roles()]

    @post(opt={"permission": "roles:write"}, responses=problem_responses(403, 409, 422), summary="Create a role")
    @inject
    async def create_role(self, data: JSONBody[CreateRoleRequest], create: FromDishka[CreateRole]) -> RoleResponse:
        return role_response(await create(data.name, data.description, data.permissions))

    @get("/{role_id:uuid}", opt={"permission": "roles:read"}, responses=problem_responses(404), summary="Get a role")
    @inject
    async def get_role(self, role_id: FromPath[UUID], get_role: FromDishka[GetRole]) -> RoleResponse:
        return role_response(await get_role(RoleId(role_id)))

    @patch(
        "/{role_id:uuid}",
        opt={"permission": "roles:write"},
        responses=problem_responses(403, 404, 422),
        summary="Update a role",
    )
    @inject
    async def update_role(
        self, role_id: FromPath[UUID], data: JSONBody[UpdateRoleRequest], update: FromDishka[UpdateRole]
    ) -> RoleResponse:
        """The new permissions must all be held by the caller; changing them ends the access tokens
        of every user holding the role at once."""
        role = await update(RoleId(role_id), description=data.description, permissions=data.permissions)
        return role_response(role)

    @delete(
        "/{role_id:uuid}",
        opt={"permission": "roles:write"},
        responses=problem_responses(403, 404, 409),
        summary="Delete a role",
    )
    @inject
    async def delete_role(self, role_id: FromPath[UUID], delete_role: FromDishka[DeleteRole]) -> None:
        await delete_role(RoleId(role_id))


class ApiKeyController(Controller):
    path = "/admin/api-keys"
    tags = ("admin",)

    @get(opt={"permission": "api_keys:read"}, summary="List API keys")
    @inject
    async def list_api_keys(self, list_keys: FromDishka[ListApiKeys]) -> list[ApiKeyResponse]:
        return [api_key_response(k) for k in await list_keys()]

    @post(opt={"permission": "api_keys:write"}, responses=problem_responses(403, 422), summary="Create an API key")
    @inject
    async def create_api_key(
        self, data: JSONBody[CreateApiKeyRequest], create: FromDishka[CreateApiKey]
    ) -> ApiKeyResponse:
        """The answer holds the key (``key``): store it now, PRM keeps only its digest. The key's
        permissions must all be held by the caller."""
        created = await create(data.name, data.permissions)
        return api_key_response(created.key, created.secret)

    @delete(
        "/{key_id:uuid}",
        opt={"permission": "api_keys:write"},
        responses=problem_responses(404),
        summary="Revoke an API key",
    )
    @inject
    async def revoke_api_key(self, key_id: FromPath[UUID], revoke: FromDishka[RevokeApiKey]) -> None:
        await revoke(ApiKeyId(key_id))
