"""argon2id password hashing with pwdlib (OWASP-recommended parameters by default).

Hashing runs on a small pool of threads of its own (argon2-cffi releases the GIL while it
works), never on the event loop: one login must not stall the server for a quarter of a second.
The pool has as many threads as the machine has cores (at most 4), so a flood of logins queues
there, bounded in memory (64 MiB each), instead of starving the requests of everyone else.
"""

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from prm.application.identity.ports import PasswordHasher

_DUMMY_PASSWORD = "not-a-password-of-anyone"  # noqa: S105 - used to equalise timing only
_POOL = ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1), thread_name_prefix="argon2")


class Argon2PasswordHasher(PasswordHasher):
    """``Argon2PasswordHasher()`` uses argon2-cffi's defaults (argon2id, t=3, m=64 MiB, p=4);
    tests pass cheaper parameters."""

    def __init__(self, *, time_cost: int | None = None, memory_cost: int = 65536) -> None:
        hasher = Argon2Hasher() if time_cost is None else Argon2Hasher(time_cost=time_cost, memory_cost=memory_cost)
        self._hash = PasswordHash((hasher,))
        self._dummy = self._hash.hash(_DUMMY_PASSWORD)

    async def hash(self, password: str) -> str:
        return await asyncio.get_running_loop().run_in_executor(_POOL, self._hash.hash, password)

    async def verify(self, password: str, password_hash: str) -> bool:
        return await asyncio.get_running_loop().run_in_executor(_POOL, self._verify, password, password_hash)

    async def waste_time(self) -> None:
        await asyncio.get_running_loop().run_in_executor(_POOL, self._verify, _DUMMY_PASSWORD + "x", self._dummy)

    def _verify(self, password: str, password_hash: str) -> bool:
        try:
            return self._hash.verify(password, password_hash)
        except Exception:  # noqa: BLE001 - a malformed stored hash is a failed verification
            return False
