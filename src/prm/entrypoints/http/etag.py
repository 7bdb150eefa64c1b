"""Optimistic concurrency over HTTP: ``ETag: W/"<version>"`` out, ``If-Match`` in (RFC 9110 §13.1.1)."""

from typing import Annotated

from litestar.params import HeaderParameter

from prm.domain.shared.errors import RuleViolated

IfMatch = Annotated[
    str | None,
    HeaderParameter(
        name="If-Match",
        required=False,
        max_length=24,
        pattern=r'^\s*(\*|(W/)?"[0-9]{1,18}"|[0-9]{1,18})\s*$',
        description='ETag of the version you read, e.g. W/"3"; a stale one is answered 409',
    ),
]
"""The ``If-Match`` request header, as every conditional update and delete declares it."""


def etag(version: int) -> str:
    return f'W/"{version}"'


def version_from_if_match(header: str | None) -> int | None:
    """The version an ``If-Match`` header names (``W/"3"``, ``"3"`` or ``3``); ``None`` for absent or ``*``.

    Raises :class:`RuleViolated` (422, field ``If-Match``) for anything else.
    """
    if header is None or header.strip() in {"", "*"}:
        return None
    text = header.strip().removeprefix("W/").strip('"')
    if not text.isdigit() or len(text) > 18:
        raise RuleViolated('If-Match must be an ETag such as W/"3"', field="If-Match")
    return int(text)
