"""The cameo owner's control room: one's cameos and those others let one use, creating one, and a cameo's page
(its audience and preferences, approvals, every appearance with its take-down, the consent record, and a
``self`` cameo's verification), through cameos' selectors and services, checked by the API's own input
serializers and rate limits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework.request import Request

from cameos import selectors, services
from cameos.api import (
    AppearanceSerializer,
    ApprovalsView,
    CameoDetailView,
    CameosView,
    OwnCameoSerializer,
    VerificationView,
)
from cameos.models import HANDLE_MAX_LENGTH, HANDLE_MIN_LENGTH, Cameo
from feed.models import Video
from sora_social.accounts.models import username_validator
from sora_social.core.errors import ApiError
from sora_social.core.pagination import CursorPagination, encode_cursor
from web.forms import FormState, checked, sent_values, throttle
from web.views.common import HtmxRequest, page_url, signed_in, viewer

CREATE_FIELDS = ("kind", "handle", "display_name", "audience", "preferences")
SETTINGS_FIELDS = ("display_name", "audience", "preferences")
# The newest consent records shown on a cameo's page.
CONSENT_RECORDS_SHOWN = 100
# The cameos of others one may use, shown on the list page (by handle).
OTHERS_SHOWN = 100

AUDIENCES: dict[str, str] = {
    Cameo.Audience.ONLY_ME: "Only you",
    Cameo.Audience.APPROVED: "People you approve",
    Cameo.Audience.MUTUALS: "Mutuals: people you follow who follow you",
    Cameo.Audience.EVERYONE: "Everyone",
}
STATUSES: dict[str, str] = {
    Cameo.Status.PENDING_VERIFICATION: "Waiting for verification",
    Cameo.Status.IN_REVIEW: "A moderator is checking the verification",
    Cameo.Status.ACTIVE: "Active",
    Cameo.Status.REJECTED: "Verification rejected",
    Cameo.Status.REMOVED: "Removed by a moderator",
    Cameo.Status.DELETED: "Deleted",
}


def _to_section(owned: Cameo, section: str) -> HttpResponse:
    """Back to a section of the owner's cameo page, after a form of that section did its work."""
    return redirect(reverse("web:cameo", args=[owned.pk]) + f"#{section}")


def _as_owner(
    request: HtmxRequest, cameo_id: str, section: str, act: Callable[[Cameo, Any], object]
) -> HttpResponse:
    """A one-button form of the owner's page: the cameo (404 unless the viewer owns it), the service's work
    (its refusal answers as the API's does), then back to the section."""
    user = viewer(request)
    owned = selectors.cameo_get_owned(viewer=user, cameo_id=cameo_id)
    act(owned, user)
    return _to_section(owned, section)


@signed_in
@require_GET
def cameos(request: HtmxRequest) -> HttpResponse:
    """As ``GET /cameos/`` and ``GET /cameos/available/``: one's own cameos, and the others one may use."""
    user = viewer(request)
    pages = CursorPagination()
    mine = pages.paginate_queryset(selectors.my_cameos(user=user), Request(request))
    others = selectors.cameos_available(user=user).exclude(owner=user).order_by("handle")[:OTHERS_SHOWN]
    context = {
        "mine": [(cameo, AUDIENCES[cameo.audience], STATUSES[cameo.status]) for cameo in mine],
        "others": others,
        "next_url": page_url(request.path, encode_cursor(pages.next_key) if pages.next_key else None),
        "nav": "cameos",
    }
    return render(request, "web/cameos.html", context)


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
def cameo_create(request: HtmxRequest) -> HttpResponse:
    """As ``POST /cameos/``: the API's checks and upload rate limit, then ``cameo_create``."""
    form = FormState(values={"kind": Cameo.Kind.CHARACTER, "audience": Cameo.Audience.ONLY_ME})
    status = 200
    if request.method == "POST":
        try:
            throttle(request, CameosView.throttle_scope)
            values = checked(CameosView.CameoCreateInput, request.POST, request.FILES)
            cameo = services.cameo_create(owner=viewer(request), **values)
        except ApiError as error:
            form = FormState.refused(error, sent_values(request.POST, *CREATE_FIELDS))
            status = error.status_code
        else:
            return redirect("web:cameo", cameo.pk)
    context = {
        "form": form,
        "audiences": AUDIENCES.items(),
        "handle_hint": f"{HANDLE_MIN_LENGTH} to {HANDLE_MAX_LENGTH} characters. {username_validator.message}",
        "min_images": services.MIN_REFERENCE_IMAGES,
        "max_images": services.MAX_REFERENCE_IMAGES,
        "nav": "cameos",
    }
    return render(request, "web/cameo_create.html", context, status=status)


def _owner_context(request: HtmxRequest, cameo: Cameo) -> dict[str, Any]:
    """What a cameo's page shows its owner: everything the API's owner-only reads give."""
    pages = CursorPagination()
    appearances = pages.paginate_queryset(selectors.cameo_appearances(cameo=cameo), Request(request))
    posters = AppearanceSerializer(context={"request": request})
    return {
        "images": OwnCameoSerializer(cameo, context={"request": request}).data["reference_images"],
        "approvals": selectors.cameo_approvals(cameo=cameo).order_by("user__username"),
        "appearances": [(appearance, posters.get_poster_url(appearance)) for appearance in appearances],
        "next_url": page_url(request.path, encode_cursor(pages.next_key) if pages.next_key else None),
        "records": selectors.consent_records(cameo=cameo).order_by("-id")[:CONSENT_RECORDS_SHOWN],
        "challenge": selectors.verification_challenge_open(cameo=cameo),
        "verifiable": cameo.kind == Cameo.Kind.SELF and cameo.status == Cameo.Status.PENDING_VERIFICATION,
    }


def _cameo_page(request: HtmxRequest, cameo_id: str, **forms: FormState) -> HttpResponse:
    """A cameo's page: all of it for its owner, what the API shows anyone else who may use it (kind,
    handle, name, owner), and 404 for whoever may not. ``forms``: a refused form, as sent, by its name
    (``settings``, ``approval``, ``verification``)."""
    user = viewer(request)
    cameo = selectors.cameo_get_visible(viewer=user, cameo_id=cameo_id)
    is_owner = cameo.owner_id == user.pk
    values = {name: getattr(cameo, name) for name in SETTINGS_FIELDS}
    context: dict[str, Any] = {
        "cameo": cameo,
        "is_owner": is_owner,
        "audiences": AUDIENCES.items(),
        "audience": AUDIENCES[cameo.audience],
        "state": STATUSES[cameo.status],
        "settings_form": forms.get("settings") or FormState(values=values),
        "approval_form": forms.get("approval") or FormState(),
        "verification_form": forms.get("verification") or FormState(),
        "nav": "cameos",
    }
    if is_owner:
        context.update(_owner_context(request, cameo))
    refused = next((form for form in forms.values() if form.errors), None)
    return render(request, "web/cameo.html", context, status=400 if refused else 200)


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
def cameo(request: HtmxRequest, cameo_id: str) -> HttpResponse:
    """A cameo's page; its settings form posts here, as ``PATCH /cameos/{id}/`` (owner only)."""
    if request.method != "POST":
        return _cameo_page(request, cameo_id)
    user = viewer(request)
    owned = selectors.cameo_get_owned(viewer=user, cameo_id=cameo_id)
    try:
        services.cameo_update(
            cameo=owned, actor=user, **checked(CameoDetailView.CameoUpdateInput, request.POST)
        )
    except ApiError as error:
        return _cameo_page(
            request, cameo_id, settings=FormState.refused(error, sent_values(request.POST, *SETTINGS_FIELDS))
        )
    return redirect("web:cameo", owned.pk)


@signed_in
@require_POST
def approval_add(request: HtmxRequest, cameo_id: str) -> HttpResponse:
    """As ``POST /cameos/{id}/approvals/``: put someone on the approved list."""
    user = viewer(request)
    owned = selectors.cameo_get_owned(viewer=user, cameo_id=cameo_id)
    try:
        services.cameo_approval_grant(
            cameo=owned, actor=user, **checked(ApprovalsView.ApprovalInput, request.POST)
        )
    except ApiError as error:
        return _cameo_page(
            request, cameo_id, approval=FormState.refused(error, sent_values(request.POST, "username"))
        )
    return _to_section(owned, "approvals")


@signed_in
@require_POST
def approval_remove(request: HtmxRequest, cameo_id: str, username: str) -> HttpResponse:
    """As ``DELETE /cameos/{id}/approvals/{username}/``: a revocation, which withdraws what it admitted."""
    return _as_owner(
        request,
        cameo_id,
        "approvals",
        lambda owned, user: services.cameo_approval_revoke(cameo=owned, username=username, actor=user),
    )


@signed_in
@require_POST
def take_down(request: HtmxRequest, cameo_id: str, video_id: str) -> HttpResponse:
    """As ``DELETE /cameos/{id}/appearances/{video_id}/``: that video down everywhere, its author told."""
    return _as_owner(
        request,
        cameo_id,
        "appearances",
        lambda owned, user: services.cameo_appearance_take_down(cameo=owned, video_id=video_id, actor=user),
    )


@signed_in
@require_POST
def challenge(request: HtmxRequest, cameo_id: str) -> HttpResponse:
    """As ``POST /cameos/{id}/verification/challenge/``: a new challenge, shown on the cameo's page."""
    return _as_owner(
        request,
        cameo_id,
        "verification",
        lambda owned, user: services.verification_challenge_create(cameo=owned, actor=user),
    )


@signed_in
@require_POST
def verify(request: HtmxRequest, cameo_id: str) -> HttpResponse:
    """As ``POST /cameos/{id}/verification/``: the recording (a file, or what the browser recorded) is
    checked against the reference images; a refusal is shown at the form in words."""
    user = viewer(request)
    owned = selectors.cameo_get_owned(viewer=user, cameo_id=cameo_id)
    try:
        throttle(request, VerificationView.throttle_scope)
        values = checked(VerificationView.VerificationInput, request.POST, request.FILES)
        services.cameo_verify(cameo=owned, actor=user, **values)
    except ApiError as error:
        return _cameo_page(request, cameo_id, verification=FormState.refused(error))
    return _to_section(owned, "verification")


def _videos_taken_down_by_deleting(cameo: Cameo) -> dict[str, int]:
    """How many of the videos featuring ``cameo`` that are not down yet are published and how many are
    drafts: those that ``cameo_delete`` takes down."""
    live = selectors.cameo_appearances(cameo=cameo).exclude(video__status=Video.Status.REMOVED)
    counted = dict(live.values_list("video__status").annotate(count=Count("pk")).order_by())
    return {
        "published": counted.get(Video.Status.PUBLISHED, 0),
        "drafts": counted.get(Video.Status.DRAFT, 0),
    }


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
def cameo_delete(request: HtmxRequest, cameo_id: str) -> HttpResponse:
    """As ``DELETE /cameos/{id}/`` (owner only), after a page that says what it does: every video that
    features the cameo taken down, drafts included, its authors told, the cameo's media purged and its
    handle freed (``cameo_delete``)."""
    user = viewer(request)
    owned = selectors.cameo_get_owned(viewer=user, cameo_id=cameo_id)
    videos = _videos_taken_down_by_deleting(owned)
    if request.method != "POST":
        context = {
            "cameo": owned,
            "published": videos["published"],
            "drafts": videos["drafts"],
            "nav": "cameos",
        }
        return render(request, "web/cameo_delete.html", context)
    services.cameo_delete(cameo=owned, actor=user)
    taken_down = videos["published"] + videos["drafts"]
    done = f"@{owned.handle} is deleted."
    if taken_down:
        said = ngettext("The video with it is", "The %(count)d videos with it are", taken_down)
        done += f" {said % {'count': taken_down}} taken down."
    messages.success(request, done)
    return redirect("web:cameos")
