from __future__ import annotations

from django.conf import settings
from django.db import models

from sora_social.core.models import SnowflakeField


class Video(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft"
        PUBLISHED = "published"
        REMOVED = "removed"

    class Visibility(models.TextChoices):
        PUBLIC = "public"
        FOLLOWERS = "followers"
        MUTUALS = "mutuals"

    class Removal(models.TextChoices):
        AUTHOR_DELETED = "author_deleted"
        MODERATION = "moderation"
        CAMEO_WITHDRAWN = "cameo_withdrawn"

    id = SnowflakeField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="videos")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    visibility = models.CharField(max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC)
    caption = models.CharField(max_length=2200, blank=True)
    allow_remix = models.BooleanField(default=True)
    prompt = models.TextField(blank=True, help_text="The words the video was generated from.")

    video_file = models.FileField(upload_to="videos/%Y/%m/", max_length=255)
    poster_file = models.FileField(upload_to="posters/%Y/%m/", max_length=255)
    raw_file = models.FileField(
        upload_to="raw/%Y/%m/",
        max_length=255,
        blank=True,
        help_text="The generated clip at the engine's native size, lossless: what a remix starts from.",
    )
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    duration_seconds = models.FloatField()
    fps = models.FloatField()

    # Lineage lives on the video; rows are never hard-deleted while anything points at them.
    remix_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="remixes"
    )
    remix_root = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    remix_depth = models.PositiveIntegerField(default=0)

    remix_count = models.PositiveIntegerField(default=0, help_text="Remixes made of it (direct ones).")
    like_count = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)

    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removal_reason = models.CharField(max_length=32, choices=Removal.choices, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["author", "status", "-id"], name="feed_video_author_idx"),
            models.Index(fields=["status", "-id"], name="feed_video_status_idx"),
        ]

    def __str__(self) -> str:
        return f"video {self.id} by {self.author_id} ({self.status})"


class FeaturedCameo(models.Model):
    """A cameo that appears in a video: its id in the cameos app, its owner and handle at generation time.

    Kept here so that visibility (draft access for cameo owners, withdrawn consent) needs nothing from the
    cameos app, which sits above this one.
    """

    id = SnowflakeField()
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="featured_cameos")
    cameo_id = models.BigIntegerField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    handle = models.CharField(max_length=30)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["video", "cameo_id"], name="feed_featured_cameo_unique")
        ]
        indexes = [models.Index(fields=["owner", "video"], name="feed_featured_owner_idx")]

    def __str__(self) -> str:
        return f"@{self.handle} in {self.video_id}"


class Like(models.Model):
    id = SnowflakeField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="likes")
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="likes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "video"], name="feed_like_unique")]
        indexes = [models.Index(fields=["video", "-id"], name="feed_like_video_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} likes {self.video_id}"


class Comment(models.Model):
    id = SnowflakeField()
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments")
    text = models.CharField(max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["video", "-id"], name="feed_comment_video_idx")]

    def __str__(self) -> str:
        return f"comment {self.id} on {self.video_id}"


class Notification(models.Model):
    class Kind(models.TextChoices):
        FOLLOW = "follow"
        LIKE = "like"
        COMMENT = "comment"
        REMIX = "remix"
        CAMEO_USED = "cameo_used"
        CAMEO_REMOVED = "cameo_removed"
        VIDEO_READY = "video_ready"
        GENERATION_FAILED = "generation_failed"
        MODERATION = "moderation"

    id = SnowflakeField()
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    video = models.ForeignKey(Video, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["recipient", "-id"], name="feed_notification_idx"),
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="feed_notification_unread_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"


class VideoEmbedding(models.Model):
    """The MiniLM embedding of a video's prompt and caption, for steering the for-you feed."""

    video = models.OneToOneField(Video, on_delete=models.CASCADE, primary_key=True, related_name="embedding")
    vector = models.BinaryField()
    text = models.TextField(help_text="What was embedded, so a changed caption is noticed.")

    def __str__(self) -> str:
        return f"embedding of {self.video_id}"


class FeedPreference(models.Model):
    """What a user asked the for-you feed for, in plain words, and the embeddings of what they want more of
    and less of (``feed.preferences`` splits the words)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    text = models.CharField(max_length=500, blank=True)
    more_vector = models.BinaryField(null=True, blank=True)
    less_vector = models.BinaryField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"feed preference of {self.user_id}"
