from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from feed import for_you, selectors, services
from feed.models import Video
from feed.serializers import CommentSerializer, NotificationSerializer, VideoSerializer
from sora_social.accounts.authentication import request_user
from sora_social.accounts.selectors import user_get_visible
from sora_social.core.api import (
    AUTH_ERRORS,
    LIST_ERRORS,
    IdInputField,
    InputSerializer,
    TextInputField,
    error_responses,
)
from sora_social.core.errors import InvalidInput
from sora_social.core.pagination import (
    PAGE_PARAMETERS,
    cursor_link,
    parse_limit,
)

VIDEO_NOT_FOUND = {"404": "video_not_found: no such video, or you may not see it."}


def videos_data(videos: list[Video], request: HttpRequest | Request) -> Any:
    """Serialized videos as the requester sees them (``liked_by_me``; counts without the people a block
    hides), in a few queries for the whole list."""
    viewer = request_user(request)
    context = {
        "request": request,
        "liked_ids": selectors.liked_video_ids(user=viewer, videos=videos),
        "hidden_engagement": selectors.engagement_hidden_by_blocks(viewer=viewer, videos=videos),
    }
    return VideoSerializer(videos, many=True, context=context).data


def video_data(video: Video, request: HttpRequest | Request) -> Any:
    return videos_data([video], request)[0]


class VideoDetailView(APIView):
    class VideoUpdateInput(InputSerializer):
        caption = TextInputField(max_length=2200, required=False, allow_blank=True)
        visibility = serializers.ChoiceField(choices=Video.Visibility.choices, required=False)
        allow_remix = serializers.BooleanField(required=False)

    @extend_schema(
        operation_id="videos_get",
        responses={200: VideoSerializer, **error_responses(**AUTH_ERRORS, **VIDEO_NOT_FOUND)},
    )
    def get(self, request: Request, video_id: str) -> Response:
        return Response(
            video_data(selectors.video_get_visible(viewer=request_user(request), video_id=video_id), request)
        )

    @extend_schema(
        operation_id="videos_update",
        request=VideoUpdateInput,
        responses={
            200: VideoSerializer,
            **error_responses(
                **AUTH_ERRORS,
                **VIDEO_NOT_FOUND,
                **{"400": "invalid", "403": "not_author", "409": "video_removed"},
            ),
        },
    )
    def patch(self, request: Request, video_id: str) -> Response:
        user = request_user(request)
        video = selectors.video_get_visible(viewer=user, video_id=video_id)
        data = self.VideoUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.video_update(video=video, actor=user, **data.validated_data)
        return Response(video_data(selectors.video_get_visible(viewer=user, video_id=video.pk), request))

    @extend_schema(
        operation_id="videos_delete",
        responses={204: None, **error_responses(**AUTH_ERRORS, **VIDEO_NOT_FOUND, **{"403": "not_author"})},
    )
    def delete(self, request: Request, video_id: str) -> Response:
        user = request_user(request)
        services.video_delete(video=selectors.video_get_visible(viewer=user, video_id=video_id), actor=user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PublishView(APIView):
    class PublishInput(InputSerializer):
        """Fields left out keep what the draft has (set by PATCH, or the defaults: public, remixable)."""

        caption = TextInputField(max_length=2200, required=False, allow_blank=True)
        visibility = serializers.ChoiceField(choices=Video.Visibility.choices, required=False)
        allow_remix = serializers.BooleanField(required=False)

    @extend_schema(
        operation_id="videos_publish",
        request=PublishInput,
        responses={
            200: VideoSerializer,
            **error_responses(
                **AUTH_ERRORS,
                **VIDEO_NOT_FOUND,
                **{
                    "400": "invalid",
                    "403": "not_author; cameo_not_permitted: a cameo's owner withdrew consent.",
                    "409": "already_published, video_removed",
                },
            ),
        },
    )
    def post(self, request: Request, video_id: str) -> Response:
        user = request_user(request)
        video = selectors.video_get_visible(viewer=user, video_id=video_id)
        data = self.PublishInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.video_publish(video=video, actor=user, **data.validated_data)
        return Response(video_data(selectors.video_get_visible(viewer=user, video_id=video.pk), request))


class LikeView(APIView):
    def _respond(self, request: Request, video: Video, created: bool) -> Response:
        fresh = selectors.video_get_visible(viewer=request_user(request), video_id=video.pk)
        return Response(
            video_data(fresh, request), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @extend_schema(
        operation_id="videos_like",
        request=None,
        responses={
            201: VideoSerializer,
            200: VideoSerializer,
            **error_responses(**AUTH_ERRORS, **VIDEO_NOT_FOUND, **{"409": "video_not_published"}),
        },
    )
    def post(self, request: Request, video_id: str) -> Response:
        user = request_user(request)
        video = selectors.video_get_visible(viewer=user, video_id=video_id)
        return self._respond(request, video, services.like_create(video=video, user=user))

    @extend_schema(
        operation_id="videos_unlike",
        request=None,
        responses={200: VideoSerializer, **error_responses(**AUTH_ERRORS, **VIDEO_NOT_FOUND)},
    )
    def delete(self, request: Request, video_id: str) -> Response:
        user = request_user(request)
        video = selectors.video_get_visible(viewer=user, video_id=video_id)
        services.like_delete(video=video, user=user)
        return self._respond(request, video, False)


class CommentsView(GenericAPIView):
    class CommentInput(InputSerializer):
        text = TextInputField(max_length=1000)

    @extend_schema(
        operation_id="videos_comments_list",
        responses={
            200: CommentSerializer(many=True),
            **error_responses(**AUTH_ERRORS, **VIDEO_NOT_FOUND, **LIST_ERRORS),
        },
    )
    def get(self, request: Request, video_id: str) -> Response:
        user = request_user(request)
        video = selectors.video_get_visible(viewer=user, video_id=video_id)
        page = self.paginate_queryset(selectors.video_comments(viewer=user, video=video)) or []
        return self.get_paginated_response(
            CommentSerializer(page, many=True, context={"request": request}).data
        )

    @extend_schema(
        operation_id="videos_comments_create",
        request=CommentInput,
        responses={
            201: CommentSerializer,
            **error_responses(
                **AUTH_ERRORS, **VIDEO_NOT_FOUND, **{"400": "invalid", "409": "video_not_published"}
            ),
        },
    )
    def post(self, request: Request, video_id: str) -> Response:
        user = request_user(request)
        video = selectors.video_get_visible(viewer=user, video_id=video_id)
        data = self.CommentInput(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.comment_create(video=video, author=user, text=data.validated_data["text"])
        return Response(
            CommentSerializer(comment, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


class CommentDetailView(APIView):
    @extend_schema(
        operation_id="comments_delete",
        responses={
            204: None,
            **error_responses(
                **AUTH_ERRORS,
                **{
                    "403": "not_author: only the comment's or the video's author.",
                    "404": "comment_not_found",
                },
            ),
        },
    )
    def delete(self, request: Request, comment_id: str) -> Response:
        user = request_user(request)
        services.comment_delete(comment=selectors.comment_get(viewer=user, comment_id=comment_id), actor=user)
        return Response(status=status.HTTP_204_NO_CONTENT)


VIDEO_LIST = {200: VideoSerializer(many=True)}


@extend_schema_view(
    get=extend_schema(
        operation_id="users_videos",
        responses={
            **VIDEO_LIST,
            **error_responses(**AUTH_ERRORS, **LIST_ERRORS, **{"404": "user_not_found"}),
        },
    )
)
class ProfileVideosView(GenericAPIView):
    def get(self, request: Request, username: str) -> Response:
        user = request_user(request)
        author = user_get_visible(username=username, viewer=user)
        page = self.paginate_queryset(selectors.profile_videos(viewer=user, author=author)) or []
        return self.get_paginated_response(videos_data(page, request))


@extend_schema_view(
    get=extend_schema(
        operation_id="me_videos",
        parameters=[
            OpenApiParameter(
                "status", str, enum=Video.Status.values, description="Only videos with this status."
            )
        ],
        responses={**VIDEO_LIST, **error_responses(**AUTH_ERRORS, **LIST_ERRORS)},
    )
)
class MyVideosView(GenericAPIView):
    """My own videos, drafts included: where a finished generation waits to be published."""

    def get(self, request: Request) -> Response:
        wanted = request.query_params.get("status") or None
        if wanted is not None and wanted not in Video.Status.values:
            raise InvalidInput(
                f"status must be one of {', '.join(Video.Status.values)}.",
                fields={"status": [f"Not one of {', '.join(Video.Status.values)}."]},
            )
        page = self.paginate_queryset(selectors.my_videos(user=request_user(request), status=wanted)) or []
        return self.get_paginated_response(videos_data(page, request))


class NotificationsView(GenericAPIView):
    @extend_schema(
        operation_id="notifications_list",
        parameters=PAGE_PARAMETERS,
        responses={
            200: inline_serializer(
                "NotificationPage",
                {
                    "results": NotificationSerializer(many=True),
                    "next": serializers.URLField(allow_null=True),
                    "unread_count": serializers.IntegerField(),
                },
            ),
            **error_responses(**AUTH_ERRORS, **LIST_ERRORS),
        },
    )
    def get(self, request: Request) -> Response:
        user = request_user(request)
        page = self.paginate_queryset(selectors.notifications_for(user=user)) or []
        response = self.get_paginated_response(
            NotificationSerializer(page, many=True, context={"request": request}).data
        )
        response.data["unread_count"] = selectors.unread_notification_count(user=user)
        return response


class NotificationsReadView(APIView):
    class MarkReadInput(InputSerializer):
        ids = serializers.ListField(child=IdInputField(), required=False, max_length=500)
        all = serializers.BooleanField(required=False, default=False)

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            attrs = super().validate(attrs)
            if ("ids" in attrs) == attrs["all"]:
                raise serializers.ValidationError(
                    "Send either `ids` (a list of notification ids) or `all: true`."
                )
            return attrs

    @extend_schema(
        operation_id="notifications_mark_read",
        request=MarkReadInput,
        responses={
            200: inline_serializer(
                "MarkedRead",
                {"marked": serializers.IntegerField(), "unread_count": serializers.IntegerField()},
            ),
            **error_responses(**AUTH_ERRORS, **{"400": "invalid"}),
        },
    )
    def post(self, request: Request) -> Response:
        user = request_user(request)
        data = self.MarkReadInput(data=request.data)
        data.is_valid(raise_exception=True)
        ids = None if data.validated_data["all"] else data.validated_data["ids"]
        marked = services.notifications_mark_read(user=user, ids=ids)
        return Response({"marked": marked, "unread_count": selectors.unread_notification_count(user=user)})


class FollowingFeedView(APIView):
    @extend_schema(
        operation_id="feed_following",
        parameters=[
            *PAGE_PARAMETERS,
        ],
        responses={
            200: inline_serializer(
                "VideoPage",
                {"results": VideoSerializer(many=True), "next": serializers.URLField(allow_null=True)},
            ),
            **error_responses(**AUTH_ERRORS, **LIST_ERRORS),
        },
    )
    def get(self, request: Request) -> Response:
        page, cursor = selectors.following_feed(
            viewer=request_user(request),
            cursor=request.query_params.get("cursor") or None,
            limit=parse_limit(request),
        )
        next_url = cursor_link(request, cursor) if cursor else None
        return Response({"results": videos_data(page, request), "next": next_url})


class ForYouFeedView(APIView):
    @extend_schema(
        operation_id="feed_for_you",
        parameters=[
            *PAGE_PARAMETERS,
        ],
        responses={
            200: inline_serializer(
                "RankedVideoPage",
                {"results": VideoSerializer(many=True), "next": serializers.URLField(allow_null=True)},
            ),
            **error_responses(
                **AUTH_ERRORS, **{"400": "invalid_cursor (also when the ranking expired), invalid"}
            ),
        },
        description="Ranked for you; steer it with POST /feed/preferences/. Shown videos are not repeated.",
    )
    def get(self, request: Request) -> Response:
        user = request_user(request)
        videos, cursor = for_you.page(user, request.query_params.get("cursor") or None, parse_limit(request))
        next_url = cursor_link(request, cursor) if cursor else None
        return Response({"results": videos_data(videos, request), "next": next_url})


class FeedPreferencesView(APIView):
    class PreferenceInput(InputSerializer):
        text = TextInputField(max_length=500, allow_blank=True, trim_whitespace=True)

    PreferenceOutput = inline_serializer("FeedPreference", {"text": serializers.CharField()})

    @extend_schema(
        operation_id="feed_preferences_get",
        responses={200: PreferenceOutput, **error_responses(**AUTH_ERRORS)},
    )
    def get(self, request: Request) -> Response:
        return Response({"text": selectors.feed_preference_text(user=request_user(request))})

    @extend_schema(
        operation_id="feed_preferences_set",
        request=PreferenceInput,
        responses={200: PreferenceOutput, **error_responses(**AUTH_ERRORS, **{"400": "invalid"})},
        description='Plain words that steer the for-you feed ("more animals, less sports"); empty clears it.',
    )
    def post(self, request: Request) -> Response:
        data = self.PreferenceInput(data=request.data)
        data.is_valid(raise_exception=True)
        preference = services.feed_preference_set(
            user=request_user(request), text=data.validated_data["text"]
        )
        return Response({"text": preference.text})
