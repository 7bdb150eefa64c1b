"""Turning what a user typed into search criteria."""

from prm.application.patients.ports import TextMatch
from prm.domain.shared.contact import phone_search_digits
from prm.domain.shared.text import fold, tokens

MIN_PHONE_DIGITS = 3


def name_prefixes(text: str) -> tuple[str, ...]:
    """Folded name tokens: ``"José  García-L"`` gives ``("jose", "garcia", "l")``."""
    return tuple(tokens(text))


def phone_digits(text: str, region: str) -> str | None:
    """Digits to match against E.164 phones, or ``None`` when fewer than three digits were typed."""
    digits = phone_search_digits(text, region)
    return digits if len(digits) >= MIN_PHONE_DIGITS else None


def free_text(text: str, region: str) -> TextMatch:
    """The reference API's ``search``: name, phone, email or MRN, whichever the text can be."""
    stripped = text.strip()
    has_letters = any(ch.isalpha() for ch in stripped)
    return TextMatch(
        name_prefixes=name_prefixes(stripped) if has_letters and "@" not in stripped else (),
        phone_digits=None if has_letters else phone_digits(stripped, region),
        email_fragment=fold(stripped) if "@" in stripped or ("." in stripped and has_letters) else None,
        mrn=stripped,
    )
