"""The shapes of videos, comments and notifications, shared by the API and the events pushed to sockets."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from feed.models import Notification, Video
from feed.visibility import media_visible
from sora_social.accounts.api import UserSummarySerializer
from sora_social.core.api import IdField, absolute_url


class MediaSerializer(serializers.Serializer):
    video_url = serializers.CharField()
    poster_url = serializers.CharField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    duration_seconds = serializers.FloatField()
    fps = serializers.FloatField()


class FeaturedCameoSerializer(serializers.Serializer):
    cameo_id = IdField()
    handle = serializers.CharField()
    owner = serializers.CharField(source="owner.username")


class VideoSerializer(serializers.Serializer):
    """A video as ``GET /videos/{id}/`` shows it. Context: ``request`` (absolute URLs) and ``liked_ids``
    (the requester's likes among the videos being shown)."""

    id = IdField()
    author = UserSummarySerializer()
    caption = serializers.CharField()
    prompt = serializers.CharField()
    status = serializers.CharField()
    visibility = serializers.CharField()
    media = serializers.SerializerMethodField()
    cameos = FeaturedCameoSerializer(source="featured_cameos.all", many=True)
    remix_of = IdField(source="remix_of_id", allow_null=True)
    remix_root = IdField(source="remix_root_id", allow_null=True)
    remix_depth = serializers.IntegerField()
    remix_count = serializers.IntegerField()
    like_count = serializers.IntegerField()
    comment_count = serializers.IntegerField()
    liked_by_me = serializers.SerializerMethodField()
    allow_remix = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField(allow_null=True)

    def get_media(self, video: Video) -> dict[str, Any] | None:
        if not media_visible(video):
            return None
        request = self.context.get("request")
        return MediaSerializer(
            {
                "video_url": absolute_url(video.video_file.url, request),
                "poster_url": absolute_url(video.poster_file.url, request),
                "width": video.width,
                "height": video.height,
                "duration_seconds": video.duration_seconds,
                "fps": video.fps,
            }
        ).data

    def get_liked_by_me(self, video: Video) -> bool:
        return video.pk in self.context.get("liked_ids", ())


class CommentSerializer(serializers.Serializer):
    id = IdField()
    video = IdField(source="video_id")
    author = UserSummarySerializer()
    text = serializers.CharField()
    created_at = serializers.DateTimeField()


class NotificationSerializer(serializers.Serializer):
    id = IdField()
    kind = serializers.CharField()
    actor = UserSummarySerializer(allow_null=True)
    video = IdField(source="video_id", allow_null=True)
    comment = IdField(source="comment_id", allow_null=True)
    # DRF's metaclass collects declared fields, so this does not shadow Serializer.data at run time.
    data = serializers.DictField()  # type: ignore[assignment]
    created_at = serializers.DateTimeField()
    read = serializers.SerializerMethodField()

    def get_read(self, notification: Notification) -> bool:
        return notification.read_at is not None
