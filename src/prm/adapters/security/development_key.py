"""The development signing key: random, made once, kept in a file only its owner can read.

A key derived from anything guessable (the database URL, a tenant id) lets anyone who can reach
the port mint an admin's token. So in development, where ``PRM_JWT_KEYS`` may be unset, PRM makes
256 random bits on first start and keeps them in ``<PRM_STATE_DIR>/jwt-development.key`` (mode
0600, created atomically, so that several worker processes starting together agree on one key).
Deleting the file signs everyone out. Test runs keep a random key in memory for the process.
"""

import os
import secrets
from functools import cache
from pathlib import Path

FILE_NAME = "jwt-development.key"


class DevelopmentKeyError(Exception):
    """The key file exists but cannot be used (unreadable, too short, or readable by others)."""


def _read(path: Path) -> str:
    mode = path.stat().st_mode
    if mode & 0o077:
        raise DevelopmentKeyError(f"{path} is readable by others (mode {mode & 0o777:o}): chmod 600 it or delete it")
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise DevelopmentKeyError(f"{path} holds no usable key: delete it and PRM makes a new one")
    return key


@cache
def development_key(state_dir: str) -> str:
    """The key kept in ``state_dir`` (created with the folder on first use)."""
    folder = Path(state_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / FILE_NAME
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read(path)
    key = secrets.token_urlsafe(32)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(key + "\n")
    return key


@cache
def process_key() -> str:
    """A random key for this process alone (test runs)."""
    return secrets.token_urlsafe(32)
