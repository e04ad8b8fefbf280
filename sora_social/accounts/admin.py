from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from sora_social.accounts.models import AuthToken, Block, Follow, User
from sora_social.accounts.selectors import user_is_moderator
from sora_social.accounts.services import auth_token_revoke, user_profile_update
from sora_social.core.errors import ApiError
from sora_social.core.media_access import send_file


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = (
        "username",
        "display_name",
        "email",
        "follower_count",
        "following_count",
        "is_active",
        "date_joined",
    )
    list_filter = ("is_active", "is_staff", "groups")
    search_fields = ("username", "display_name", "email")
    readonly_fields = ("follower_count", "following_count", "last_login", "date_joined")
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (
            "Profile",
            {"fields": ("display_name", "bio", "avatar", "birth_date", "follower_count", "following_count")},
        ),
    )

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        """A new or cleared avatar goes through the profile service (normalised, with its thumbnail, the
        old files deleted), as from the profile page; the rest of the form saves as usual."""
        new_avatar = form.cleaned_data.get("avatar") if change and "avatar" in form.changed_data else None
        if new_avatar is None:
            super().save_model(request, obj, form, change)
            return
        obj.avatar = User.objects.filter(pk=obj.pk).values_list("avatar", flat=True).first() or ""
        super().save_model(request, obj, form, change)
        try:
            if new_avatar is False:  # the "clear" box
                user_profile_update(user=obj, remove_avatar=True)
            else:
                user_profile_update(user=obj, avatar=new_avatar)
        except ApiError as error:
            self.message_user(request, f"The avatar was not changed: {error.detail}", messages.WARNING)


def admin_user(request: HttpRequest) -> User:
    """The signed-in user of an admin page (the admin lets no one else in)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def apply_to_each(
    model_admin: admin.ModelAdmin[Any],
    request: HttpRequest,
    rows: Iterable[Any],
    change: Callable[[Any], object],
    done: str,
) -> int:
    """An admin action's loop: ``change`` each row through a service; a refusal becomes a warning naming
    the row, the rest one success message ("<done>: <count>."). Returns how many changed."""
    count = 0
    for row in rows:
        try:
            change(row)
        except ApiError as error:
            model_admin.message_user(request, f"{row}: {error.detail}", messages.WARNING)
        else:
            count += 1
    if count:
        model_admin.message_user(request, f"{done}: {count}.", messages.SUCCESS)
    return count


class ReadOnlyAdmin(admin.ModelAdmin):
    """Graph edges and tokens change only through the services (which keep counts and sockets right)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ModeratorsMayView:
    """Moderators (the ``moderators`` group with admin access, and superusers) see these pages without model
    permissions; changes go through the services, never through the forms."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return user_is_moderator(request.user) or super().has_module_permission(request)  # type: ignore[misc]

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return user_is_moderator(request.user) or super().has_view_permission(request, obj)  # type: ignore[misc]


def stored_file_for_moderator(request: HttpRequest, name: str) -> HttpResponseBase:
    """A stored file sent to a moderator in the admin, where their session is the check: what they review
    (a video taken down, a verification recording) has no media link."""
    if not user_is_moderator(request.user):
        raise PermissionDenied
    if not name:
        raise Http404
    return send_file(request, name, cache_control="private, no-store")


class ShownOnlyInline(ModeratorsMayView, admin.TabularInline):
    """Rows shown under another record (to moderators too), never edited there."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Follow)
class FollowAdmin(ReadOnlyAdmin):
    list_display = ("id", "follower", "followee", "created_at")
    search_fields = ("follower__username", "followee__username")
    list_select_related = ("follower", "followee")


@admin.register(Block)
class BlockAdmin(ReadOnlyAdmin):
    list_display = ("id", "blocker", "blocked", "created_at")
    search_fields = ("blocker__username", "blocked__username")
    list_select_related = ("blocker", "blocked")


@admin.register(AuthToken)
class AuthTokenAdmin(ReadOnlyAdmin):
    list_display = ("id", "user", "user_agent", "created_at", "last_used_at")
    search_fields = ("user__username",)
    exclude = ("digest",)
    list_select_related = ("user",)
    actions = ["revoke_tokens"]

    @admin.action(description="Revoke the selected tokens (signs those devices out, closes their sockets)")
    def revoke_tokens(self, request: HttpRequest, queryset: object) -> None:
        for token in queryset:  # type: ignore[attr-defined]
            auth_token_revoke(token=token)
