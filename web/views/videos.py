"""A video's page, its like button and its comments, through feed's selectors and services."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from rest_framework.request import Request

from feed import selectors, services
from feed.api import CommentsView, video_data
from feed.models import Video
from generation import selectors as generation_selectors
from generation.provenance import NO_MANIFEST, ProvenanceSummary
from remix.selectors import TREE_BREADTH, TREE_DEPTH, lineage_of, remix_tree
from sora_social.core.errors import ApiError
from sora_social.core.pagination import CursorPagination, encode_cursor
from web.forms import FormState, checked, sent_values
from web.views.common import HtmxRequest, back_to, page_url, signed_in, viewer


def _comments(request: HttpRequest, video: Video, form: FormState | None = None) -> dict[str, Any]:
    """A page of the video's comments (newest first, after ``?cursor=``), with who may delete each, and
    the form to add one."""
    user = viewer(request)
    pages = CursorPagination()
    comments = pages.paginate_queryset(selectors.video_comments(viewer=user, video=video), Request(request))
    for comment in comments:
        comment.video = video  # already read: whose video it is decides who may delete a comment
    path = reverse("web:video", args=[video.pk])
    return {
        "comments": [
            (comment, services.comment_deletable_by(comment=comment, actor=user)) for comment in comments
        ],
        "comments_next_url": page_url(path, encode_cursor(pages.next_key) if pages.next_key else None),
        "comment_form": form or FormState(),
    }


@signed_in
@require_GET
def video(request: HtmxRequest, video_id: str) -> HttpResponse:
    user = viewer(request)
    found = selectors.video_get_visible(viewer=user, video_id=video_id)
    if request.htmx and request.GET.get("cursor"):
        return render(request, "web/_comment_page.html", _comments(request, found))
    chain = lineage_of(viewer=user, video_id=found.pk)[0] if found.remix_of_id else []
    tree = (
        remix_tree(viewer=user, video=found, depth=TREE_DEPTH[0], breadth=TREE_BREADTH[0])
        if found.remix_count
        else None
    )
    context = {
        "video": video_data(found, request),
        "video_pk": found.pk,
        "chain": chain,
        "remixes": tree.children if tree else [],
        **_comments(request, found),
    }
    return render(request, "web/video.html", context)


def _liked(request: HtmxRequest, video_id: str, *, like: bool) -> HttpResponse:
    user = viewer(request)
    found = selectors.video_get_visible(viewer=user, video_id=video_id)
    if like:
        services.like_create(video=found, user=user)
    else:
        services.like_delete(video=found, user=user)
    if not request.htmx:
        return redirect(back_to(request, reverse("web:video", args=[found.pk])))
    fresh = selectors.video_get_visible(viewer=user, video_id=found.pk)
    return render(request, "web/_like.html", {"video": video_data(fresh, request)})


@signed_in
@require_POST
def like(request: HtmxRequest, video_id: str) -> HttpResponse:
    """As ``POST /videos/{id}/like/``; answers htmx with the button and its new count."""
    return _liked(request, video_id, like=True)


@signed_in
@require_POST
def unlike(request: HtmxRequest, video_id: str) -> HttpResponse:
    """As ``DELETE /videos/{id}/like/``."""
    return _liked(request, video_id, like=False)


def _comments_answer(request: HtmxRequest, found: Video, form: FormState | None = None) -> HttpResponse:
    """htmx gets the comments section again (the form, cleared or with its errors, and the first page);
    a plain form goes back to the video's page, or is shown it with the errors."""
    user = viewer(request)
    if request.htmx or form is not None:
        fresh = selectors.video_get_visible(viewer=user, video_id=found.pk)
        context = {"video": video_data(fresh, request), **_comments(request, fresh, form)}
        status = 400 if form is not None else 200
        template = "web/_comments.html" if request.htmx else "web/video.html"
        return render(request, template, context, status=status)
    return redirect(reverse("web:video", args=[found.pk]) + "#comments")


@signed_in
@require_POST
def comment_add(request: HtmxRequest, video_id: str) -> HttpResponse:
    """As ``POST /videos/{id}/comments/``: the API's checks, then the service."""
    user = viewer(request)
    found = selectors.video_get_visible(viewer=user, video_id=video_id)
    try:
        text = checked(CommentsView.CommentInput, request.POST)["text"]
        services.comment_create(video=found, author=user, text=text)
    except ApiError as error:
        if error.status_code != 400:
            raise
        return _comments_answer(request, found, FormState.refused(error, sent_values(request.POST, "text")))
    return _comments_answer(request, found)


@signed_in
@require_POST
def comment_delete(request: HtmxRequest, comment_id: str) -> HttpResponse:
    """As ``DELETE /comments/{id}/``: its author or the video's author."""
    user = viewer(request)
    comment = selectors.comment_get(viewer=user, comment_id=comment_id)
    services.comment_delete(comment=comment, actor=user)
    return _comments_answer(request, comment.video)


def _provenance_state(summary: ProvenanceSummary) -> str:
    """How a video's provenance reads on its page: signed by this deployment (``trusted``), signed by
    someone this site does not trust (``untrusted``), no record at all (``none``), or a record the file no
    longer matches (``altered``)."""
    if summary.valid:
        return "trusted" if summary.trusted else "untrusted"
    return "none" if NO_MANIFEST in summary.problems else "altered"


@signed_in
@require_GET
def provenance(request: HtmxRequest, video_id: str) -> HttpResponse:
    """Where the video comes from (``GET /videos/{id}/provenance/``), read from its file's signed C2PA
    manifest; the video's page loads it after the page itself, since it reads the whole file."""
    summary = generation_selectors.video_provenance(viewer=viewer(request), video_id=video_id)
    context = {"provenance": summary, "state": _provenance_state(summary), "video_id": video_id}
    return render(request, "web/_provenance.html" if request.htmx else "web/provenance.html", context)
