"""FHIR R4 ``Bundle`` of type ``searchset`` (https://hl7.org/fhir/R4/bundle.html, search paging:
https://hl7.org/fhir/R4/http.html#paging)."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from prm.adapters.fhir.patient import instant


def searchset(
    resources: Sequence[dict[str, Any]],
    *,
    base_url: str,
    self_url: str,
    next_url: str | None,
    previous_url: str | None,
    total: int | None,
    timestamp: datetime,
) -> dict[str, Any]:
    """A searchset Bundle: ``total`` (left out when only a lower bound is known), ``link`` self,
    and next/previous when there are such pages, one ``entry`` per resource with its absolute
    ``fullUrl`` (``{base_url}/{resourceType}/{id}``) and ``search.mode`` ``match``."""
    links = [{"relation": "self", "url": self_url}]
    if next_url:
        links.append({"relation": "next", "url": next_url})
    if previous_url:
        links.append({"relation": "previous", "url": previous_url})
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "timestamp": instant(timestamp)}
    if total is not None:
        bundle["total"] = total
    bundle["link"] = links
    bundle["entry"] = [
        {
            "fullUrl": f"{base_url}/{r['resourceType']}/{r['id']}",
            "resource": r,
            "search": {"mode": "match"},
        }
        for r in resources
    ]
    return bundle
