"""The two feeds, a page of video cards at a time: the first with the page around it, the next ones (htmx,
when the end of the list comes into view) as a fragment that takes the place of the sentinel."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from feed import for_you as for_you_feed
from feed import selectors
from feed.api import videos_data
from feed.models import Video
from sora_social.accounts.models import User
from sora_social.core.pagination import DEFAULT_LIMIT
from web.views.common import HtmxRequest, page_url, signed_in, viewer

# A page of a feed: the videos after ``cursor`` (None: the first) and the next page's cursor.
Pager = Callable[[User, str | None], tuple[list[Video], str | None]]


def _following(user: User, cursor: str | None) -> tuple[list[Video], str | None]:
    return selectors.following_feed(viewer=user, cursor=cursor, limit=DEFAULT_LIMIT)


def _for_you(user: User, cursor: str | None) -> tuple[list[Video], str | None]:
    return for_you_feed.page(user, cursor, DEFAULT_LIMIT)


def _feed(request: HtmxRequest, tab: str, pager: Pager) -> HttpResponse:
    cursor = request.GET.get("cursor") or None
    videos, next_cursor = pager(viewer(request), cursor)
    context = {
        "tab": tab,
        "nav": tab,
        "videos": videos_data(videos, request),
        "next_url": page_url(request.path, next_cursor),
    }
    if request.htmx and cursor:
        return render(request, "web/_feed_page.html", context)
    return render(request, "web/feed.html", context)


@signed_in
@require_GET
def following(request: HtmxRequest) -> HttpResponse:
    """The videos of the people one follows, newest first (``GET /feed/following/``)."""
    return _feed(request, "following", _following)


@signed_in
@require_GET
def for_you(request: HtmxRequest) -> HttpResponse:
    """The ranked feed (``GET /feed/for-you/``)."""
    return _feed(request, "for-you", _for_you)
