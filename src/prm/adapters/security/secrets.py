"""Opaque secrets for refresh tokens and API keys, stored as SHA-256 digests."""

import hashlib
import secrets

from prm.application.identity.ports import Secrets


class RandomSecrets(Secrets):
    """``prefix`` + 43 URL-safe characters (256 random bits)."""

    def new(self, prefix: str) -> str:
        return prefix + secrets.token_urlsafe(32)

    def digest(self, secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()
