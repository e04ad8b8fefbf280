from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from sora_social.core import errors
from web.middleware import error_page


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """The API's JSON error for the API; for a page's form, a page that says what to do."""
    if request.path.startswith("/api/"):
        return errors.csrf_failure(request, reason)
    return error_page(
        request,
        403,
        "This form has expired or did not come from this site. Go back, reload the page and try again.",
    )
