"""What every page view shares: who is signed in, whether htmx asked, and where to go back to."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.middleware import HtmxDetails

from sora_social.accounts.models import User


class HtmxRequest(HttpRequest):
    """A request as django-htmx's middleware leaves it: ``htmx`` is true when htmx sent it."""

    htmx: HtmxDetails


def signed_in(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Django's ``login_required`` for pages and their fragments: a signed-out visitor goes to sign in and
    comes back to the page they were on, also when htmx asked (the session ended with the page open), as
    a whole-page visit rather than a sign-in form swapped into a button."""

    @wraps(view)
    def checked(request: HtmxRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if not request.htmx:
            return redirect_to_login(request.get_full_path())
        visit = HttpResponse(status=204)
        visit["HX-Redirect"] = redirect_to_login(request.htmx.current_url_abs_path or "/")["Location"]
        return visit

    return checked


def viewer(request: HttpRequest) -> User:
    """The signed-in user of a page that requires one (``signed_in``)."""
    user = request.user
    if not isinstance(user, User):
        raise TypeError("a page for signed-in users was reached without one")
    return user


def back_to(request: HttpRequest, default: str) -> str:
    """Where a form without htmx returns: the page it names in ``next`` if that is ours, else ``default``."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return default


def page_url(path: str, cursor: str | None) -> str | None:
    """The address of the next page of a list at ``path``, or None when there is none."""
    return f"{path}?{urlencode({'cursor': cursor})}" if cursor else None
