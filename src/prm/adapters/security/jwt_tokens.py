"""Access tokens: HS256 JWTs through Litestar's JWT support (PyJWT underneath).

Claims: ``iss``, ``aud``, ``sub`` (user id), ``iat``, ``exp`` (15 minutes), ``tenant`` (tenant
id), ``roles``, ``perms`` (permissions at issue time), ``rgn`` (the tenant's phone region),
``gen`` (the user's token generation at issue time) and ``sid`` (the session: the refresh-token
family of the login). The header's ``kid`` names the signing key: several keys can be
configured, the first signs, all verify, so keys are rotated by adding a new one in front and
dropping the old one after 15 minutes. Verification reads no database; whether a valid token was
revoked early (by ``gen`` or ``sid``) is the revocation list's question (``identity_revocations``).
"""

import base64
import binascii
import json
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC
from uuid import UUID

import jwt
from litestar.exceptions import NotAuthorizedException
from litestar.security.jwt import Token

from prm.application.identity.ports import AccessClaims, AccessTokens, IssuedToken
from prm.application.shared.ports import Clock
from prm.domain.identity.errors import InvalidCredentials
from prm.domain.shared.ids import TenantId

ALGORITHM = "HS256"
VERIFIED_CACHE_SIZE = 10_000
"""Verified tokens kept in memory (about 1 KB each)."""
REQUIRED_CLAIMS = ("exp", "iat", "iss", "aud", "sub", "tenant", "perms", "gen", "sid")


@dataclass
class _SignedToken(Token):
    """Litestar's ``Token`` with a ``kid`` header (``Token.encode`` sets none)."""

    def encode_with_kid(self, secret: str, kid: str) -> str:
        payload = {k: v for k, v in asdict(self).items() if v is not None and k != "extras"}
        payload.update(self.extras)
        return jwt.encode(payload, secret, algorithm=ALGORITHM, headers={"kid": kid})


def _key_id(token: str) -> str | None:
    """The ``kid`` of the token's (unverified) header, or ``None``.

    Reads only the short header segment: PyJWT's own ``get_unverified_header`` checks the whole
    token character by character in Python, which the verification then does again.
    """
    header_segment = token.split(".", 1)[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(header_segment + "=" * (-len(header_segment) % 4)))
    except (ValueError, binascii.Error):
        return None
    kid = header.get("kid") if isinstance(header, dict) else None
    return kid if isinstance(kid, str) else None


class JwtAccessTokens(AccessTokens):
    """``keys`` maps key ids to secrets (≥ 32 bytes); ``signing_kid`` is the one that signs."""

    def __init__(
        self,
        *,
        keys: Mapping[str, str],
        signing_kid: str,
        issuer: str,
        audience: str,
        clock: Clock | None = None,
        cache_size: int = VERIFIED_CACHE_SIZE,
    ) -> None:
        if signing_kid not in keys:
            raise ValueError(f"no key with id {signing_kid!r}")
        self._keys = dict(keys)
        self._signing_kid = signing_kid
        self._issuer = issuer
        self._audience = audience
        self._clock = clock
        self._verified: OrderedDict[str, AccessClaims] = OrderedDict()
        self._cache_size = cache_size

    def issue(self, claims: AccessClaims) -> IssuedToken:
        token = _SignedToken(
            exp=claims.expires_at,
            sub=claims.subject,
            iss=self._issuer,
            aud=self._audience,
            extras={
                "tenant": str(claims.tenant_id),
                "roles": list(claims.roles),
                "perms": sorted(claims.permissions),
                "rgn": claims.phone_region,
                "gen": claims.generation,
                "sid": str(claims.session_id),
            },
        )
        encoded = token.encode_with_kid(self._keys[self._signing_kid], self._signing_kid)
        return IssuedToken(encoded, token.exp.replace(tzinfo=UTC) if token.exp.tzinfo is None else token.exp)

    def verify(self, token: str) -> AccessClaims:
        """Verify ``token`` (signature, key id, issuer, audience, expiry, required claims).

        A token verified before is answered from a bounded in-memory cache until it expires: the
        token string is the credential, so a hit is a token whose signature was already checked.
        """
        now = self._clock.now() if self._clock else None
        cached = self._verified.get(token)
        if cached is not None and now is not None and now < cached.expires_at:
            self._verified.move_to_end(token)
            return cached
        claims = self._verify(token)
        if now is not None:
            self._verified[token] = claims
            if len(self._verified) > self._cache_size:
                self._verified.popitem(last=False)
        return claims

    def _verify(self, token: str) -> AccessClaims:
        kid = _key_id(token)
        secret = self._keys.get(kid) if kid is not None else None
        if secret is None:
            raise InvalidCredentials("the access token was signed with an unknown key")
        try:
            decoded = Token.decode(
                token,
                secret,
                ALGORITHM,
                audience=self._audience,
                issuer=self._issuer,
                require_claims=REQUIRED_CLAIMS,
            )
            extras = decoded.extras
            perms = extras["perms"]
            roles = extras.get("roles", [])
            generation = extras["gen"]
            if not isinstance(perms, list) or not isinstance(roles, list):
                raise TypeError("perms and roles are lists")
            if not isinstance(generation, int) or isinstance(generation, bool):
                raise TypeError("gen is an integer")
            return AccessClaims(
                subject=str(UUID(decoded.sub)),
                tenant_id=TenantId(UUID(str(extras["tenant"]))),
                roles=tuple(str(r) for r in roles),
                permissions=frozenset(str(p) for p in perms),
                phone_region=str(extras.get("rgn") or "US"),
                expires_at=decoded.exp,
                generation=generation,
                session_id=UUID(str(extras["sid"])),
            )
        except (NotAuthorizedException, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InvalidCredentials("the access token is invalid or expired") from exc
