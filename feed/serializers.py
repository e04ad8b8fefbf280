"""The shapes of videos, comments and notifications, shared by the API and the events pushed to sockets."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from feed.models import Notification, Video
from feed.selectors import HiddenEngagement
from feed.visibility import VIDEO_MEDIA, media_visible
from sora_social.accounts.api import UserSummarySerializer
from sora_social.core.api import DATETIME, IdField
from sora_social.core.media_access import media_url


def video_media_urls(video: Video, request: Any) -> dict[str, str]:
    """Links to the MP4 and the poster of a video the reader of ``request`` may see (sora_social.core.
    media_access): they stop working when that reader may no longer see it."""
    return {
        key: media_url(file.name, kind=VIDEO_MEDIA, object_id=video.pk, request=request)
        for key, file in (("video_url", video.video_file), ("poster_url", video.poster_file))
    }


MEDIA_LINK_HELP = (
    "A link that expires (MEDIA_URL_EXPIRE_SECONDS) and stops working as soon as you may no longer see the "
    "video; fetch the video again for a fresh one."
)


NOTHING_HIDDEN = HiddenEngagement()


class MediaSerializer(serializers.Serializer):
    video_url = serializers.CharField(help_text=MEDIA_LINK_HELP)
    poster_url = serializers.CharField(help_text=MEDIA_LINK_HELP)
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    duration_seconds = serializers.FloatField()
    fps = serializers.FloatField()


class FeaturedCameoSerializer(serializers.Serializer):
    cameo_id = IdField()
    handle = serializers.CharField()
    owner = serializers.CharField(source="owner.username")


class VideoSerializer(serializers.Serializer):
    """A video as ``GET /videos/{id}/`` shows it. Context: ``request`` (absolute URLs), ``liked_ids`` (the
    requester's likes among the videos being shown) and ``hidden_engagement`` (by video id: the likes and
    comments of people a block hides from the requester, which the counts leave out as the lists do)."""

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
    like_count = serializers.SerializerMethodField()
    comment_count = serializers.SerializerMethodField()
    liked_by_me = serializers.SerializerMethodField()
    allow_remix = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(MediaSerializer(allow_null=True))
    def get_media(self, video: Video) -> dict[str, Any] | None:
        if not media_visible(video):
            return None
        return {
            **video_media_urls(video, self.context.get("request")),
            "width": video.width,
            "height": video.height,
            "duration_seconds": video.duration_seconds,
            "fps": video.fps,
        }

    def _hidden(self, video: Video) -> HiddenEngagement:
        return self.context.get("hidden_engagement", {}).get(video.pk, NOTHING_HIDDEN)

    def get_like_count(self, video: Video) -> int:
        return video.like_count - self._hidden(video).likes

    def get_comment_count(self, video: Video) -> int:
        return video.comment_count - self._hidden(video).comments

    def get_liked_by_me(self, video: Video) -> bool:
        return video.pk in self.context.get("liked_ids", ())

    @cached_property
    def _author_serializer(self) -> UserSummarySerializer:
        """One for the whole list (``many=True`` shares this serializer across its items)."""
        return UserSummarySerializer(context=self.context)

    def to_representation(self, video: Video) -> dict[str, Any]:
        # Built directly (the fields above are its schema): every feed page shows dozens of videos, and DRF's
        # field-by-field way cost more than the rest of the page. A test holds the two equal.
        return {
            "id": str(video.pk),
            "author": self._author_serializer.to_representation(video.author),
            "caption": video.caption,
            "prompt": video.prompt,
            "status": video.status,
            "visibility": video.visibility,
            "media": self.get_media(video),
            "cameos": [
                {"cameo_id": str(cameo.cameo_id), "handle": cameo.handle, "owner": cameo.owner.username}
                for cameo in video.featured_cameos.all()
            ],
            "remix_of": None if video.remix_of_id is None else str(video.remix_of_id),
            "remix_root": None if video.remix_root_id is None else str(video.remix_root_id),
            "remix_depth": video.remix_depth,
            "remix_count": video.remix_count,
            "like_count": self.get_like_count(video),
            "comment_count": self.get_comment_count(video),
            "liked_by_me": self.get_liked_by_me(video),
            "allow_remix": video.allow_remix,
            "created_at": DATETIME.to_representation(video.created_at),
            "published_at": (
                None if video.published_at is None else DATETIME.to_representation(video.published_at)
            ),
        }


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
