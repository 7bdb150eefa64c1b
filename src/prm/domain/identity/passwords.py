"""The password policy: at least 12 characters, not the email, not a common password."""

from prm.domain.identity.errors import WeakPassword

MIN_LENGTH = 12
MAX_LENGTH = 256  # argon2 takes any length; a bound keeps hashing time bounded

# A short list of the most common passwords of 12+ characters (from public breach-frequency lists),
# compared case-insensitively. It stops the obvious ones; length does the rest.
COMMON_PASSWORDS: frozenset[str] = frozenset(
    {
        "123456789012",
        "1234567890123",
        "12345678901234",
        "123456123456",
        "123123123123",
        "111111111111",
        "000000000000",
        "qwertyuiopas",
        "qwerty123456",
        "qwertyuiop123",
        "1q2w3e4r5t6y",
        "1qaz2wsx3edc",
        "zaq12wsxcde3",
        "password1234",
        "password12345",
        "password123!",
        "passw0rd1234",
        "p@ssw0rd1234",
        "p@ssword1234",
        "welcome12345",
        "welcome123456",
        "iloveyou1234",
        "letmein12345",
        "changeme1234",
        "changeme123!",
        "administrator",
        "administrator1",
        "admin1234567",
        "admin123456789",
        "abcdefghijkl",
        "abcd1234abcd",
        "abc123abc123",
        "aaaaaaaaaaaa",
        "football1234",
        "baseball1234",
        "superman1234",
        "sunshine1234",
        "princess1234",
        "trustno11234",
        "monkey123456",
        "dragon123456",
        "master123456",
        "whatever1234",
        "starwars1234",
        "qazwsxedcrfv",
        "asdfghjkl123",
        "zxcvbnm12345",
        "passwordpassword",
        "mypassword123",
        "secretpassword",
    }
)


def check_password(password: str, *, email: str) -> None:
    """Raise :class:`WeakPassword` (422 on ``password``) unless ``password`` passes the policy."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"the password needs at least {MIN_LENGTH} characters", field="password")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"the password may have at most {MAX_LENGTH} characters", field="password")
    lowered = password.strip().lower()
    if lowered in {email.strip().lower(), email.strip().lower().split("@", 1)[0]}:
        raise WeakPassword("the password must not be the email address", field="password")
    if lowered in COMMON_PASSWORDS or len(set(lowered)) <= 2:
        raise WeakPassword("this password is too common: choose another one", field="password")
