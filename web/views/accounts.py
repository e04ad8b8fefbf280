"""Signing up, in and out, profiles and notifications: accounts' and feed's selectors and services, checked
by the API's own input serializers."""

from __future__ import annotations

from typing import cast

from django.contrib.auth import login, logout
from django.contrib.auth.password_validation import password_validators_help_texts
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework.fields import CharField
from rest_framework.request import Request

from feed import selectors as feed_selectors
from feed import services as feed_services
from feed.api import videos_data
from sora_social.accounts import selectors, services
from sora_social.accounts.api import CredentialsInput, MeView, RegisterView, avatar_url
from sora_social.accounts.models import USERNAME_MAX_LENGTH, USERNAME_MIN_LENGTH, User, username_validator
from sora_social.core.errors import ApiError, InvalidInput, NotFound
from sora_social.core.ids import parse_id
from sora_social.core.pagination import CursorPagination, encode_cursor
from web.forms import FormState, checked, sent_values, throttle
from web.views.common import HtmxRequest, back_to, page_url, signed_in, viewer

SIGN_UP_FIELDS = ("username", "email", "birth_date")


def _sign_up_hints() -> dict[str, str]:
    """What a new username and password must be, in the words of the checks that hold them to it."""
    length = f"{USERNAME_MIN_LENGTH} to {USERNAME_MAX_LENGTH} characters."
    return {
        "username_hint": f"{length} {username_validator.message}",
        "password_hint": " ".join(password_validators_help_texts()),
    }


@require_http_methods(["GET", "HEAD", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    home = back_to(request, reverse("web:following"))
    if request.user.is_authenticated:
        return redirect(home)
    form = FormState()
    if request.method == "POST":
        try:
            throttle(request, "auth")
            user = selectors.user_signing_in(**checked(CredentialsInput, request.POST))
        except ApiError as error:
            form = FormState.refused(error, sent_values(request.POST, "username"))
        else:
            login(request, user)
            return redirect(home)
    status = 400 if form.errors else 200
    return render(request, "web/sign_in.html", {"form": form, "next": home, "nav": "sign-in"}, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    home = reverse("web:following")
    if request.user.is_authenticated:
        return redirect(home)
    form = FormState()
    if request.method == "POST":
        try:
            throttle(request, "register")
            user = services.user_register(**checked(RegisterView.RegisterInput, request.POST))
        except ApiError as error:
            form = FormState.refused(error, sent_values(request.POST, *SIGN_UP_FIELDS))
        else:
            login(request, user)
            return redirect(home)
    context = {"form": form, "nav": "sign-up", **_sign_up_hints()}
    return render(request, "web/sign_up.html", context, status=400 if form.errors else 200)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """As ``DELETE /auth/session/``: the session ends and the sockets opened with it close."""
    session_key = request.session.session_key
    logout(request)
    services.session_revoke(session_key=session_key)
    return redirect("web:sign-in")


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
def profile(request: HtmxRequest, username: str) -> HttpResponse:
    user = viewer(request)
    person = selectors.user_get_visible(username=username, viewer=user)
    if request.method == "POST":
        _relate(request, user, username)
        return redirect(back_to(request, reverse("web:profile", args=[person.username])))
    pages = CursorPagination()
    videos = pages.paginate_queryset(
        feed_selectors.profile_videos(viewer=user, author=person), Request(request)
    )
    context = {
        "person": person,
        "avatar_url": avatar_url(person, request),
        "relationship": selectors.relationships(viewer=user, user_ids=[person.pk]).get(person.pk),
        "videos": videos_data(videos, request),
        "next_url": page_url(request.path, encode_cursor(pages.next_key) if pages.next_key else None),
        "nav": "profile" if person.pk == user.pk else "",
    }
    if request.htmx and request.GET.get("cursor"):
        return render(request, "web/_video_grid_page.html", context)
    return render(request, "web/profile.html", context)


def _relate(request: HttpRequest, user: User, username: str) -> None:
    """As ``POST`` / ``DELETE /users/{username}/follow/`` and ``.../block/``."""
    action = request.POST.get("action")
    if action == "follow":
        target = selectors.user_find(username=username)
        if target is None:
            raise NotFound(f"There is no user called {username!r}.", code="user_not_found")
        services.follow_create(follower=user, followee=target)
        return
    person = selectors.user_get_visible(username=username, viewer=user)
    if action == "unfollow":
        services.follow_delete(follower=user, followee=person)
    elif action == "block":
        services.block_create(blocker=user, blocked=person)
    elif action == "unblock":
        services.block_delete(blocker=user, blocked=person)
    else:
        raise InvalidInput(
            "Choose follow, unfollow, block or unblock.", fields={"action": ["Not one of these."]}
        )


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
def notifications(request: HtmxRequest) -> HttpResponse:
    """As ``GET /notifications/``, newest first; its Mark all read posts here, as ``POST
    /notifications/read/`` with ``all``."""
    user = viewer(request)
    if request.method == "POST":
        feed_services.notifications_mark_read(user=user)
        return redirect("web:notifications")
    pages = CursorPagination()
    page = pages.paginate_queryset(feed_selectors.notifications_for(user=user), Request(request))
    context = {
        "notifications": page,
        "next_url": page_url(request.path, encode_cursor(pages.next_key) if pages.next_key else None),
        "nav": "notifications",
    }
    if request.htmx and request.GET.get("cursor"):
        return render(request, "web/_notification_page.html", context)
    return render(request, "web/notifications.html", context)


@signed_in
@require_POST
def notification_read(request: HtmxRequest, notification_id: str) -> HttpResponse:
    """As ``POST /notifications/read/`` with one id: that notification marked read, through the same
    service. htmx swaps in the item, now read, and the navigation's unread badge besides it (out of band);
    without it, back to the page the button was on."""
    user = viewer(request)
    found = feed_selectors.notifications_for(user=user).filter(pk=parse_id(notification_id) or -1).first()
    if found is None:
        raise NotFound("There is no such notification.", code="notification_not_found")
    feed_services.notifications_mark_read(user=user, ids=[found.pk])
    if not request.htmx:
        return redirect(back_to(request, reverse("web:notifications")))
    found.refresh_from_db(fields=["read_at"])
    return render(request, "web/_notification_marked.html", {"notification": found})


@signed_in
@require_GET
def unread_badge(request: HttpRequest) -> HttpResponse:
    """The navigation's unread count alone, which the event module swaps in when a notification arrives."""
    return render(request, "web/_unread_badge.html")


PROFILE_FIELDS = ("display_name", "bio")


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    """One's name, bio and avatar, as ``PATCH /me/``: the API's checks, then ``user_profile_update``."""
    user = viewer(request)
    form = FormState(values={"display_name": user.display_name, "bio": user.bio})
    if request.method == "POST":
        try:
            values = checked(MeView.ProfileUpdateInput, request.POST, request.FILES)
            services.user_profile_update(
                user=user,
                display_name=values.get("display_name"),
                bio=values.get("bio"),
                avatar=values.get("avatar"),
                remove_avatar=request.POST.get("remove_avatar") == "on" and "avatar" not in values,
            )
        except ApiError as error:
            form = FormState.refused(error, sent_values(request.POST, *PROFILE_FIELDS))
        else:
            return redirect("web:profile", user.username)
    name_length = cast(CharField, MeView.ProfileUpdateInput().fields["display_name"]).max_length
    context = {
        "form": form,
        "avatar_url": avatar_url(user, request),
        "name_hint": f"Up to {name_length} characters; left empty, your username shows.",
        "nav": "profile",
    }
    return render(request, "web/profile_edit.html", context, status=400 if form.errors else 200)
