"""The two feeds, a page of video cards at a time: the first with the page around it, the next ones (htmx,
when the end of the list comes into view) as a fragment that takes the place of the sentinel."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from feed import for_you as for_you_feed
from feed import selectors, services
from feed.api import FeedPreferencesView, videos_data
from feed.models import Video
from sora_social.accounts.models import User
from sora_social.core.errors import ApiError
from sora_social.core.pagination import DEFAULT_LIMIT
from web.forms import FormState, checked, sent_values
from web.views.common import HtmxRequest, page_url, signed_in, viewer

# A page of a feed: the videos after ``cursor`` (None: the first) and the next page's cursor.
Pager = Callable[[User, str | None], tuple[list[Video], str | None]]


def _following(user: User, cursor: str | None) -> tuple[list[Video], str | None]:
    return selectors.following_feed(viewer=user, cursor=cursor, limit=DEFAULT_LIMIT)


def _for_you(user: User, cursor: str | None) -> tuple[list[Video], str | None]:
    return for_you_feed.page(user, cursor, DEFAULT_LIMIT)


def _feed(
    request: HtmxRequest, tab: str, pager: Pager, extra: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    cursor = request.GET.get("cursor") or None
    videos, next_cursor = pager(viewer(request), cursor)
    context = {
        "tab": tab,
        "nav": tab,
        "videos": videos_data(videos, request),
        "next_url": page_url(request.path, next_cursor),
        **(extra or {}),
    }
    if request.htmx and cursor:
        return render(request, "web/_feed_page.html", context)
    return render(request, "web/feed.html", context, status=status)


@signed_in
@require_GET
def following(request: HtmxRequest) -> HttpResponse:
    """The videos of the people one follows, newest first (``GET /feed/following/``)."""
    return _feed(request, "following", _following)


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
def for_you(request: HtmxRequest) -> HttpResponse:
    """The ranked feed (``GET /feed/for-you/``), with the box that steers it in plain words (``POST
    /feed/preferences/``); a new preference ranks the feed again from the top."""
    user = viewer(request)
    form = FormState(values={"text": selectors.feed_preference_text(user=user)})
    if request.method == "POST":
        try:
            services.feed_preference_set(
                user=user, text=checked(FeedPreferencesView.PreferenceInput, request.POST)["text"]
            )
        except ApiError as error:
            form = FormState.refused(error, sent_values(request.POST, "text"))
        else:
            return redirect("web:for-you")
    return _feed(request, "for-you", _for_you, {"steer": form}, status=400 if form.errors else 200)
