"""argon2id password hashing with pwdlib (OWASP-recommended parameters by default)."""

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from prm.application.identity.ports import PasswordHasher

_DUMMY_PASSWORD = "not-a-password-of-anyone"  # noqa: S105 - used to equalise timing only


class Argon2PasswordHasher(PasswordHasher):
    """``Argon2PasswordHasher()`` uses argon2-cffi's defaults (argon2id, t=3, m=64 MiB, p=4);
    tests pass cheaper parameters."""

    def __init__(self, *, time_cost: int | None = None, memory_cost: int = 65536) -> None:
        hasher = Argon2Hasher() if time_cost is None else Argon2Hasher(time_cost=time_cost, memory_cost=memory_cost)
        self._hash = PasswordHash((hasher,))
        self._dummy = self._hash.hash(_DUMMY_PASSWORD)

    def hash(self, password: str) -> str:
        return self._hash.hash(password)

    def verify(self, password: str, password_hash: str) -> bool:
        try:
            return self._hash.verify(password, password_hash)
        except Exception:  # noqa: BLE001 - a malformed stored hash is a failed verification
            return False

    def waste_time(self) -> None:
        self._hash.verify(_DUMMY_PASSWORD + "x", self._dummy)
