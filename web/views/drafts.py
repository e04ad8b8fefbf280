"""One's drafts (finished generations waiting to be published): watch, publish with a caption, a visibility
and remixing on or off, or delete; ``GET /me/videos/?status=draft``, ``POST /videos/{id}/publish/`` and
``DELETE /videos/{id}/``."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from rest_framework.request import Request

from feed import selectors, services
from feed.api import PublishView, videos_data
from feed.models import Video
from sora_social.core.errors import ApiError
from sora_social.core.pagination import CursorPagination, encode_cursor
from web.forms import FormState, checked, sent_values
from web.views.common import HtmxRequest, page_url, signed_in, viewer

PUBLISH_FIELDS = ("caption", "visibility", "allow_remix")


def _drafts_page(request: HtmxRequest, refused: tuple[int, ApiError] | None = None) -> HttpResponse:
    """The page of drafts; ``refused`` (a draft's id and the refusal of its publishing) shows that refusal
    on that draft's form, or as the page's error when the draft is not one of one's own."""
    pages = CursorPagination()
    drafts = pages.paginate_queryset(
        selectors.my_videos(user=viewer(request), status=Video.Status.DRAFT), Request(request)
    )
    refused_id, error = refused or (None, None)
    refusal = None
    if error is not None:
        if refused_id not in {draft.pk for draft in drafts}:
            raise error
        refusal = FormState.refused(error, sent_values(request.POST, *PUBLISH_FIELDS))
    context = {
        "drafts": [
            (video, refusal if draft.pk == refused_id else None)
            for draft, video in zip(drafts, videos_data(drafts, request), strict=True)
        ],
        "visibilities": Video.Visibility.choices,
        "next_url": page_url(request.path, encode_cursor(pages.next_key) if pages.next_key else None),
        "nav": "create",
    }
    if request.htmx and request.GET.get("cursor"):
        return render(request, "web/_draft_page.html", context)
    return render(request, "web/drafts.html", context, status=400 if refused else 200)


@signed_in
@require_GET
def drafts(request: HtmxRequest) -> HttpResponse:
    return _drafts_page(request)


@signed_in
@require_POST
def publish(request: HtmxRequest, video_id: str) -> HttpResponse:
    user = viewer(request)
    draft = selectors.video_get_visible(viewer=user, video_id=video_id)
    try:
        services.video_publish(video=draft, actor=user, **checked(PublishView.PublishInput, request.POST))
    except ApiError as error:
        return _drafts_page(request, (draft.pk, error))
    return redirect(reverse("web:video", args=[draft.pk]))


@signed_in
@require_POST
def delete(request: HtmxRequest, video_id: str) -> HttpResponse:
    user = viewer(request)
    services.video_delete(video=selectors.video_get_visible(viewer=user, video_id=video_id), actor=user)
    return redirect("web:drafts")
