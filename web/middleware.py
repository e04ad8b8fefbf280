from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from sora_social.core.errors import ApiError

PAGES = "web"


def _is_page(request: HttpRequest) -> bool:
    match = request.resolver_match
    return match is not None and match.namespace == PAGES


class PageErrorMiddleware:
    """A refusal from a selector or service on a page (not found, not allowed, in conflict) is answered with
    a page in words, or for an htmx request with a short alert that goes to the page's alert region; the
    API's views and everything else keep the JSON error format."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not _is_page(request):
            return None
        if isinstance(exception, ApiError):
            status, detail = exception.status_code, exception.detail
        elif isinstance(exception, Http404):
            status, detail = 404, "There is nothing here."
        else:
            return None
        return error_page(request, status, detail)


def error_page(request: HttpRequest, status: int, detail: str) -> HttpResponse:
    if getattr(request, "htmx", False):
        response = TemplateResponse(request, "web/_alert.html", {"message": detail}, status=status)
        response["HX-Retarget"] = "#alerts"
        response["HX-Reswap"] = "innerHTML"
        return response.render()
    return TemplateResponse(
        request, "web/error.html", {"status": status, "detail": detail}, status=status
    ).render()
