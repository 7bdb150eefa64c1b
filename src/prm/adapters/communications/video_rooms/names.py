"""Room names nobody can guess: 160 random bits (``secrets``), base32 in lower case.

Not derived from any id: knowing an appointment or visit id tells nothing about its room. Jitsi
lower-cases room names and accepts ``[a-z2-7]`` anywhere in a URL path, so the name needs no
escaping.
"""

import base64
import secrets

ROOM_NAME_BYTES = 20


def random_room_name(prefix: str = "prm") -> str:
    """``prm-`` then 32 characters of ``[a-z2-7]`` (160 bits from the OS's CSPRNG)."""
    token = base64.b32encode(secrets.token_bytes(ROOM_NAME_BYTES)).decode("ascii").lower()
    return f"{prefix}-{token}"
