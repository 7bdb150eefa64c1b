"""Optimistic concurrency over HTTP: ``ETag: W/"<version>"`` out, ``If-Match`` in."""

from prm.domain.shared.errors import RuleViolated


def etag(version: int) -> str:
    return f'W/"{version}"'


def version_from_if_match(header: str | None) -> int | None:
    """The version an ``If-Match`` header names (``W/"3"``, ``"3"`` or ``3``); ``None`` for absent or ``*``.

    Raises :class:`RuleViolated` (422, field ``If-Match``) for anything else.
    """
    if header is None or header.strip() in {"", "*"}:
        return None
    text = header.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise RuleViolated('If-Match must be an ETag such as W/"3"', field="If-Match")
    return int(text)
