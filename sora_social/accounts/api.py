from __future__ import annotations

from typing import Any

from django.contrib.auth import login, logout
from django.http import HttpRequest
from django.middleware.csrf import get_token
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sora_social.accounts import selectors, services
from sora_social.accounts.authentication import request_user
from sora_social.accounts.models import (
    USERNAME_MAX_LENGTH,
    USERNAME_MIN_LENGTH,
    AuthToken,
    User,
    username_validator,
)
from sora_social.core.api import (
    AUTH_ERRORS,
    DATETIME,
    LIST_ERRORS,
    IdField,
    InputSerializer,
    ScopedRateThrottle,
    TextInputField,
    error_responses,
)
from sora_social.core.errors import Forbidden, NotFound
from sora_social.core.media_access import media_url


def avatar_url(user: User, request: HttpRequest | Request | None) -> str | None:
    if not user.avatar:
        return None
    return media_url(user.avatar.name, kind=selectors.AVATAR_MEDIA, object_id=user.pk, request=request)


def avatar_thumbnail_url(user: User, request: HttpRequest | Request | None) -> str | None:
    """The avatar's small square copy, for where it is shown small; the full avatar where it has none (one
    stored before thumbnails were made)."""
    if not user.avatar:
        return None
    if not user.avatar_thumbnail:
        return avatar_url(user, request)
    return media_url(
        user.avatar_thumbnail.name, kind=selectors.AVATAR_MEDIA, object_id=user.pk, request=request
    )


class UserSummarySerializer(serializers.Serializer):
    id = IdField()
    username = serializers.CharField()
    display_name = serializers.CharField()
    bio = serializers.CharField()
    avatar = serializers.SerializerMethodField()
    avatar_thumbnail = serializers.SerializerMethodField(
        help_text=(
            "A small square copy of the avatar (96x96 pixels) for where it is shown small: cards, comments,"
            " notifications, lists. The full avatar where no thumbnail was made; null without an avatar."
        )
    )
    follower_count = serializers.IntegerField()
    following_count = serializers.IntegerField()
    created_at = serializers.DateTimeField(source="date_joined")

    def get_avatar(self, user: User) -> str | None:
        return avatar_url(user, self.context.get("request"))

    def get_avatar_thumbnail(self, user: User) -> str | None:
        return avatar_thumbnail_url(user, self.context.get("request"))

    def to_representation(self, user: User) -> dict[str, Any]:
        if type(self) is not UserSummarySerializer:  # subclasses add fields: DRF's way
            return super().to_representation(user)
        # Built directly (the fields above are its schema): authors appear in every list of videos, and
        # DRF's field-by-field way costs several times as much. A test holds the two equal.
        return {
            "id": str(user.pk),
            "username": user.username,
            "display_name": user.display_name,
            "bio": user.bio,
            "avatar": avatar_url(user, self.context.get("request")),
            "avatar_thumbnail": avatar_thumbnail_url(user, self.context.get("request")),
            "follower_count": user.follower_count,
            "following_count": user.following_count,
            "created_at": DATETIME.to_representation(user.date_joined),
        }


class MeSerializer(UserSummarySerializer):
    email = serializers.CharField(
        help_text="The account's email address, or an empty string if none was given."
    )
    birth_date = serializers.DateField(allow_null=True)


class ProfileSerializer(UserSummarySerializer):
    """A user as seen by the viewer; ``context["relationships"]`` maps user id to ``Relationship``."""

    is_following = serializers.SerializerMethodField()
    follows_you = serializers.SerializerMethodField()
    is_mutual = serializers.SerializerMethodField()
    is_blocked = serializers.SerializerMethodField()

    def _relationship(self, user: User) -> selectors.Relationship:
        return self.context.get("relationships", {}).get(user.pk, selectors.Relationship())

    def get_is_following(self, user: User) -> bool:
        return self._relationship(user).is_following

    def get_follows_you(self, user: User) -> bool:
        return self._relationship(user).follows_you

    def get_is_mutual(self, user: User) -> bool:
        return self._relationship(user).is_mutual

    def get_is_blocked(self, user: User) -> bool:
        return self._relationship(user).is_blocked


def profiles(users: list[User], request: Request) -> Any:
    """``users`` as the requester sees them; relationships cost a constant number of queries."""
    context = {
        "request": request,
        "relationships": selectors.relationships(
            viewer=request_user(request), user_ids=[u.pk for u in users]
        ),
    }
    return ProfileSerializer(users, many=True, context=context).data


class RegisterView(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "register"

    class RegisterInput(InputSerializer):
        username = serializers.CharField(
            min_length=USERNAME_MIN_LENGTH, max_length=USERNAME_MAX_LENGTH, validators=[username_validator]
        )
        password = serializers.CharField(max_length=128, trim_whitespace=False)
        email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
        birth_date = serializers.DateField(required=False, allow_null=True)

    @extend_schema(
        operation_id="auth_register",
        request=RegisterInput,
        responses={
            201: inline_serializer("Registered", {"user": MeSerializer(), "token": serializers.CharField()}),
            **error_responses(
                **{
                    "400": "invalid, username_taken, email_taken, too_young: the field named in `fields`.",
                    "429": "rate_limited: too many sign-ups from this address.",
                }
            ),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = self.RegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_register(**data.validated_data)
        _, key = services.auth_token_create(user=user, user_agent=request.headers.get("User-Agent", ""))
        body = {"user": MeSerializer(user, context={"request": request}).data, "token": key}
        return Response(body, status=status.HTTP_201_CREATED)


class CredentialsInput(InputSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class TokenView(APIView):
    throttle_scope = "auth"

    def get_permissions(self) -> list[Any]:
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    def get_throttles(self) -> list[Any]:
        return [ScopedRateThrottle()] if self.request.method == "POST" else []

    @extend_schema(
        operation_id="auth_token_create",
        request=CredentialsInput,
        responses={
            200: inline_serializer("TokenIssued", {"token": serializers.CharField(), "user": MeSerializer()}),
            **error_responses(
                **{
                    "400": "invalid_credentials: wrong username or password; invalid: a field is missing.",
                    "403": "account_suspended: the password is right but the account is suspended.",
                    "429": "rate_limited: too many attempts.",
                }
            ),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = CredentialsInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = selectors.user_signing_in(**data.validated_data)
        _, key = services.auth_token_create(user=user, user_agent=request.headers.get("User-Agent", ""))
        return Response({"token": key, "user": MeSerializer(user, context={"request": request}).data})

    @extend_schema(
        operation_id="auth_token_revoke",
        request=None,
        responses={
            204: OpenApiResponse(description="Signed out; sockets opened with it close."),
            **error_responses(**AUTH_ERRORS),
        },
    )
    def delete(self, request: Request) -> Response:
        if isinstance(request.auth, AuthToken):
            services.auth_token_revoke(token=request.auth)
        else:
            session_key = request.session.session_key
            logout(request._request)
            services.session_revoke(session_key=session_key)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SessionView(APIView):
    """The web client's sign-in: a session cookie plus the CSRF token for unsafe requests."""

    permission_classes = [AllowAny]
    throttle_scope = "auth"

    def get_throttles(self) -> list[Any]:
        return [ScopedRateThrottle()] if self.request.method == "POST" else []

    @extend_schema(
        operation_id="auth_session_get",
        responses={
            200: inline_serializer(
                "Session", {"user": MeSerializer(allow_null=True), "csrf_token": serializers.CharField()}
            )
        },
        auth=[],
    )
    def get(self, request: Request) -> Response:
        user = (
            MeSerializer(request.user, context={"request": request}).data
            if request.user.is_authenticated
            else None
        )
        return Response({"user": user, "csrf_token": get_token(request._request)})

    @extend_schema(
        operation_id="auth_session_create",
        request=CredentialsInput,
        responses={
            200: inline_serializer("SessionCreated", {"user": MeSerializer()}),
            **error_responses(
                **{
                    "400": "invalid_credentials",
                    "403": "csrf_failed: send X-CSRFToken.",
                    "429": "rate_limited",
                }
            ),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        try:
            SessionAuthentication().enforce_csrf(request)
        except exceptions.PermissionDenied:
            raise Forbidden(
                "CSRF check failed: GET this endpoint first and send the csrf_token as X-CSRFToken.",
                code="csrf_failed",
            ) from None
        data = CredentialsInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = selectors.user_signing_in(**data.validated_data)
        login(request._request, user)
        return Response({"user": MeSerializer(user, context={"request": request}).data})

    @extend_schema(operation_id="auth_session_delete", request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        session_key = request.session.session_key
        logout(request._request)
        services.session_revoke(session_key=session_key)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    class ProfileUpdateInput(InputSerializer):
        display_name = TextInputField(max_length=50, required=False, allow_blank=True)
        bio = TextInputField(max_length=300, required=False, allow_blank=True)
        avatar = serializers.FileField(
            required=False, allow_null=True, help_text="An image file (multipart), or null to remove it."
        )

    @extend_schema(operation_id="me_get", responses={200: MeSerializer, **error_responses(**AUTH_ERRORS)})
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request_user(request), context={"request": request}).data)

    @extend_schema(
        operation_id="me_update",
        request={"application/json": ProfileUpdateInput, "multipart/form-data": ProfileUpdateInput},
        responses={
            200: MeSerializer,
            **error_responses(
                **{
                    **AUTH_ERRORS,
                    "400": "invalid, invalid_image: a field is wrong (see `fields`).",
                    "413": "file_too_large, image_too_large: the avatar is too big.",
                    "415": "unsupported_media_type: the avatar is not a JPEG, PNG or WebP image.",
                }
            ),
        },
    )
    def patch(self, request: Request) -> Response:
        data = self.ProfileUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        remove_avatar = "avatar" in values and values["avatar"] is None
        user = services.user_profile_update(
            user=request_user(request),
            display_name=values.get("display_name"),
            bio=values.get("bio"),
            avatar=values.get("avatar"),
            remove_avatar=remove_avatar,
        )
        return Response(MeSerializer(user, context={"request": request}).data)


USER_NOT_FOUND = {"404": "user_not_found: no such user, or they block you."}


class UserDetailView(APIView):
    @extend_schema(
        operation_id="users_get",
        responses={200: ProfileSerializer, **error_responses(**AUTH_ERRORS, **USER_NOT_FOUND)},
    )
    def get(self, request: Request, username: str) -> Response:
        user = selectors.user_get_visible(username=username, viewer=request_user(request))
        return Response(profiles([user], request)[0])


def _relation_response(request: Request, target: User, created: bool) -> Response:
    target.refresh_from_db(fields=["follower_count", "following_count"])
    return Response(
        profiles([target], request)[0], status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
    )


class FollowView(APIView):
    @extend_schema(
        operation_id="users_follow",
        request=None,
        responses={
            201: OpenApiResponse(ProfileSerializer, description="Now following."),
            200: OpenApiResponse(ProfileSerializer, description="Already following (idempotent)."),
            **error_responses(
                **{
                    **AUTH_ERRORS,
                    "400": "cannot_follow_self",
                    "403": "blocked: one of you blocks the other.",
                    **USER_NOT_FOUND,
                }
            ),
        },
    )
    def post(self, request: Request, username: str) -> Response:
        target = selectors.user_find(username=username)
        if target is None:
            raise NotFound(f"There is no user called {username!r}.", code="user_not_found")
        created = services.follow_create(follower=request_user(request), followee=target)
        return _relation_response(request, target, created)

    @extend_schema(
        operation_id="users_unfollow",
        request=None,
        responses={
            200: ProfileSerializer,
            **error_responses(**AUTH_ERRORS, **{"400": "cannot_follow_self"}, **USER_NOT_FOUND),
        },
    )
    def delete(self, request: Request, username: str) -> Response:
        target = selectors.user_get_visible(username=username, viewer=request_user(request))
        services.follow_delete(follower=request_user(request), followee=target)
        return _relation_response(request, target, False)


class BlockView(APIView):
    @extend_schema(
        operation_id="users_block",
        request=None,
        responses={
            201: OpenApiResponse(ProfileSerializer, description="Now blocked; follows both ways removed."),
            200: OpenApiResponse(ProfileSerializer, description="Already blocked (idempotent)."),
            **error_responses(**AUTH_ERRORS, **{"400": "cannot_block_self"}, **USER_NOT_FOUND),
        },
    )
    def post(self, request: Request, username: str) -> Response:
        target = selectors.user_get_visible(username=username, viewer=request_user(request))
        created = services.block_create(blocker=request_user(request), blocked=target)
        return _relation_response(request, target, created)

    @extend_schema(
        operation_id="users_unblock",
        request=None,
        responses={
            200: ProfileSerializer,
            **error_responses(**AUTH_ERRORS, **{"400": "cannot_block_self"}, **USER_NOT_FOUND),
        },
    )
    def delete(self, request: Request, username: str) -> Response:
        target = selectors.user_get_visible(username=username, viewer=request_user(request))
        services.block_delete(blocker=request_user(request), blocked=target)
        return _relation_response(request, target, False)


class _EdgeListView(GenericAPIView):
    """A cursor-paginated list of users taken from follow or block edges, newest edge first."""

    edge_attr = ""

    def edges(self) -> Any:
        raise NotImplementedError

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.edges()) or []
        return self.get_paginated_response(
            profiles([getattr(edge, self.edge_attr) for edge in page], request)
        )


LIST_RESPONSES = {
    200: ProfileSerializer(many=True),
    **error_responses(**AUTH_ERRORS, **LIST_ERRORS, **USER_NOT_FOUND),
}


@extend_schema_view(get=extend_schema(operation_id="users_followers", responses=LIST_RESPONSES))
class FollowersView(_EdgeListView):
    edge_attr = "follower"

    def edges(self) -> Any:
        user = selectors.user_get_visible(username=self.kwargs["username"], viewer=request_user(self.request))
        return selectors.follower_edges(user=user, viewer=request_user(self.request))


@extend_schema_view(get=extend_schema(operation_id="users_following", responses=LIST_RESPONSES))
class FollowingView(_EdgeListView):
    edge_attr = "followee"

    def edges(self) -> Any:
        user = selectors.user_get_visible(username=self.kwargs["username"], viewer=request_user(self.request))
        return selectors.following_edges(user=user, viewer=request_user(self.request))


@extend_schema_view(get=extend_schema(operation_id="me_blocks", responses=LIST_RESPONSES))
class MyBlocksView(_EdgeListView):
    edge_attr = "blocked"

    def edges(self) -> Any:
        return selectors.block_edges(user=request_user(self.request))
