"""Identity wiring: hashing, tokens, throttling and revocation (process-wide),
repositories, the grant policy and use cases."""

from datetime import timedelta

from dishka import Provider, Scope, provide, provide_all

from prm.adapters.security.jwt_tokens import JwtAccessTokens
from prm.adapters.security.passwords import Argon2PasswordHasher
from prm.adapters.security.secrets import RandomSecrets
from prm.adapters.sql.connection import SqlDatabase
from prm.adapters.sql.identity_api_keys import SqlApiKeyAuthenticator, SqlApiKeyRepository
from prm.adapters.sql.identity_revocations import SqlRevokedTokens, SqlTokenRevocations
from prm.adapters.sql.identity_roles import SqlRoleRepository
from prm.adapters.sql.identity_sessions import SqlAccounts, SqlRefreshTokens
from prm.adapters.sql.identity_tenants import SqlTenantRepository
from prm.adapters.sql.identity_throttle import SqlLoginThrottle
from prm.adapters.sql.identity_users import SqlUserRepository
from prm.application.identity.change_password import ChangePassword
from prm.application.identity.create_api_key import CreateApiKey
from prm.application.identity.create_role import CreateRole
from prm.application.identity.create_tenant import CreateTenant
from prm.application.identity.create_user import CreateUser
from prm.application.identity.current_user import GetCurrentUser
from prm.application.identity.deactivate_user import DeactivateUser
from prm.application.identity.delete_role import DeleteRole
from prm.application.identity.get_role import GetRole
from prm.application.identity.get_user import GetUser
from prm.application.identity.grants import GrantPolicy
from prm.application.identity.list_api_keys import ListApiKeys
from prm.application.identity.list_roles import ListRoles
from prm.application.identity.list_users import ListUsers
from prm.application.identity.login import Login
from prm.application.identity.logout import Logout
from prm.application.identity.periodic_jobs import PurgeRefreshTokensJob
from prm.application.identity.ports import (
    AccessTokens,
    Accounts,
    ApiKeyAuthenticator,
    ApiKeyRepository,
    LoginThrottle,
    PasswordHasher,
    RefreshTokens,
    RevokedTokens,
    RoleRepository,
    Secrets,
    SessionPolicy,
    TenantRepository,
    TokenRevocations,
    UserRepository,
)
from prm.application.identity.purge_refresh_tokens import PurgeRefreshTokens
from prm.application.identity.refresh_session import RefreshSession
from prm.application.identity.revoke_api_key import RevokeApiKey
from prm.application.identity.update_role import UpdateRole
from prm.application.identity.update_user import UpdateUser
from prm.application.shared.ports import Clock
from prm.settings import Settings


class IdentityProvider(Provider):
    secrets = provide(RandomSecrets, provides=Secrets, scope=Scope.APP)

    @provide(scope=Scope.APP)
    def password_hasher(self) -> PasswordHasher:
        return Argon2PasswordHasher()

    @provide(scope=Scope.APP)
    def access_tokens(self, settings: Settings, clock: Clock) -> AccessTokens:
        keys = settings.signing_keys()
        return JwtAccessTokens(
            keys=keys,
            signing_kid=next(iter(keys)),
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            clock=clock,
        )

    @provide(scope=Scope.APP)
    def login_throttle(self, database: SqlDatabase, clock: Clock, settings: Settings) -> LoginThrottle:
        return SqlLoginThrottle(database, clock, settings.login_failures_per_minute)

    @provide(scope=Scope.APP)
    def revoked_tokens(self, database: SqlDatabase, clock: Clock, settings: Settings) -> RevokedTokens:
        return SqlRevokedTokens(
            database,
            clock,
            poll_seconds=settings.revocation_poll_seconds,
            lifetime=timedelta(minutes=settings.access_token_minutes),
        )

    @provide(scope=Scope.APP)
    def session_policy(self, settings: Settings) -> SessionPolicy:
        return SessionPolicy(access_minutes=settings.access_token_minutes, refresh_days=settings.refresh_token_days)

    @provide(scope=Scope.APP)
    def api_key_authenticator(self, database: SqlDatabase, secrets: Secrets, clock: Clock) -> ApiKeyAuthenticator:
        return SqlApiKeyAuthenticator(database, secrets, clock)

    tenants = provide(SqlTenantRepository, provides=TenantRepository, scope=Scope.REQUEST)
    users = provide(SqlUserRepository, provides=UserRepository, scope=Scope.REQUEST)
    roles = provide(SqlRoleRepository, provides=RoleRepository, scope=Scope.REQUEST)
    accounts = provide(SqlAccounts, provides=Accounts, scope=Scope.REQUEST)
    refresh_tokens = provide(SqlRefreshTokens, provides=RefreshTokens, scope=Scope.REQUEST)
    api_keys = provide(SqlApiKeyRepository, provides=ApiKeyRepository, scope=Scope.REQUEST)
    token_revocations = provide(SqlTokenRevocations, provides=TokenRevocations, scope=Scope.REQUEST)
    grants = provide(GrantPolicy, scope=Scope.REQUEST)
    use_cases = provide_all(
        Login,
        RefreshSession,
        Logout,
        GetCurrentUser,
        ChangePassword,
        CreateTenant,
        CreateUser,
        ListUsers,
        GetUser,
        UpdateUser,
        DeactivateUser,
        ListRoles,
        GetRole,
        CreateRole,
        UpdateRole,
        DeleteRole,
        CreateApiKey,
        ListApiKeys,
        RevokeApiKey,
        PurgeRefreshTokens,
        PurgeRefreshTokensJob,
        scope=Scope.REQUEST,
    )
