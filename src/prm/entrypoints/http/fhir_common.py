"""What every FHIR R4 route of ``/api/v1/prm/fhir`` shares (issue 14): the base URL, paging by
``_count``/``_offset``, searchset answers, ``application/fhir+json`` responses and errors as
``OperationOutcome`` (``FHIR_EXCEPTION_HANDLERS``: set it as a FHIR controller's ``exception_handlers``)."""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from litestar import Request, Response
from litestar.params import QueryParameter

from prm.adapters.fhir.bundle import searchset
from prm.adapters.fhir.outcome import operation_outcome
from prm.application.shared.paging import MAX_PAGE, MAX_PAGE_SIZE, Page, PageRequest
from prm.domain.shared.errors import RuleViolated
from prm.entrypoints.http.fhir_schemas import FHIR_JSON
from prm.entrypoints.http.problems import EXCEPTION_HANDLERS, Problem

FHIR_PATH = "/fhir"
MAX_OFFSET = (MAX_PAGE - 1) * MAX_PAGE_SIZE
TEXT_MAX = 200
"""Longest text search parameter (characters)."""
_PAGING = ("_count", "_offset")


def _outcome_handler(handler: Callable[..., Response[Any]]) -> Callable[..., Response[Any]]:
    """``handler``'s problem answer (status, headers, wording) as an OperationOutcome."""

    def handle(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        problem = handler(request, exc)
        body: Problem = problem.content
        detail = body.detail
        if body.errors:
            detail = "; ".join(f"{'.'.join(map(str, e.loc))}: {e.msg}" for e in body.errors)
        headers = {k: v for k, v in problem.headers.items() if k.lower() != "content-type"}
        return Response(
            operation_outcome(body.status, detail, code=body.code),
            status_code=body.status,
            media_type=FHIR_JSON,
            headers=headers or None,
        )

    return handle


FHIR_EXCEPTION_HANDLERS: dict[Any, Any] = {kind: _outcome_handler(h) for kind, h in EXCEPTION_HANDLERS.items()}


def fhir_response(content: dict[str, Any]) -> Response[dict[str, Any]]:
    """``content`` (a FHIR resource as JSON) answered 200 as ``application/fhir+json``."""
    return Response(content, media_type=FHIR_JSON)


def base_url(request: Request[Any, Any, Any]) -> str:
    """``https://host/api/v1/prm/fhir``: the FHIR base of this request."""
    path = request.url.path
    return f"{request.url.scheme}://{request.url.netloc}{path[: path.index(FHIR_PATH) + len(FHIR_PATH)]}"


def page_url(request: Request[Any, Any, Any], resource_type: str, count: int, offset: int) -> str:
    """The search URL of ``resource_type`` with the request\'s parameters and this ``_count``/``_offset``."""
    kept = [(k, v) for k, v in parse_qsl(request.url.query, keep_blank_values=True) if k not in _PAGING]
    query = urlencode([*kept, ("_count", str(count)), ("_offset", str(offset))])
    return f"{base_url(request)}/{resource_type}?{query}"


def page_request(count: int, offset: int) -> PageRequest:
    """``_count``/``_offset`` as a page; 422 when ``_offset`` is not a multiple of ``_count`` or too far."""
    if offset % count:
        raise RuleViolated("_offset must be a multiple of _count", field="_offset")
    if offset // count >= MAX_PAGE:
        raise RuleViolated(f"_offset reaches past page {MAX_PAGE} of _count entries", field="_offset")
    return PageRequest(offset // count + 1, count)


def searchset_response(
    request: Request[Any, Any, Any], resource_type: str, page: Page[Any], resources: list[dict[str, Any]], now: datetime
) -> Response[dict[str, Any]]:
    """``resources`` (one ``page`` of a search, mapped) as a FHIR ``searchset`` Bundle with
    ``self``/``next``/``previous`` links; ``total`` only when the page's count is exact."""
    count, offset = page.page_size, (page.page - 1) * page.page_size
    bundle = searchset(
        resources,
        base_url=base_url(request),
        self_url=page_url(request, resource_type, count, offset),
        next_url=page_url(request, resource_type, count, offset + count) if page.has_next else None,
        previous_url=page_url(request, resource_type, count, offset - count) if page.has_previous else None,
        total=page.total if page.total_exact else None,
        timestamp=now,
    )
    return fhir_response(bundle)


Count = Annotated[int, QueryParameter(name="_count", ge=1, le=MAX_PAGE_SIZE, description="page size")]
Offset = Annotated[int, QueryParameter(name="_offset", ge=0, le=MAX_OFFSET, description="a multiple of _count")]
