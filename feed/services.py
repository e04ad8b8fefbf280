"""Every write to videos, likes, comments and notifications."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from feed import preferences, store
from feed.hooks import Published, Publishing, video_published, video_publishing
from feed.models import Comment, FeaturedCameo, FeedPreference, Like, Notification, Video, VideoEmbedding
from feed.serializers import NotificationSerializer, VideoSerializer
from feed.visibility import cameo_withdrawn, feed_audience
from sora_social.accounts.models import Follow, User
from sora_social.accounts.selectors import block_exists_between
from sora_social.core.errors import Conflict, Forbidden, InvalidInput
from sora_social.core.events import publish_event
from sora_social.core.images import normalize_image
from sora_social.core.media import VideoInfo, probe_video
from sora_social.core.queue import task
from sora_social.core.safety import TEXT_POSTED, Signal, signalled
from sora_social.core.storage import delete_files
from sora_social.realtime.presence import online_among
from toolkit.minilm import embed_text, to_bytes

MAX_CAMEOS_PER_VIDEO = 2
MAX_VIDEO_BYTES = 200 * 1024 * 1024
POSTER_MAX_PIXELS = 16_000_000


@dataclass(frozen=True)
class CameoInVideo:
    """A cameo to feature, as the cameos app describes it when it has checked consent."""

    cameo_id: int
    owner: User
    handle: str


def _store(folder: str, owner_id: int, content: ContentFile, extension: str) -> str:
    return default_storage.save(f"{folder}/{owner_id}/{secrets.token_hex(12)}.{extension}", content)


def video_create_draft(
    *,
    author: User,
    video_bytes: bytes,
    poster_bytes: bytes,
    prompt: str = "",
    caption: str = "",
    cameos: Sequence[CameoInVideo] = (),
    raw_clip: bytes | None = None,
    made: VideoInfo | None = None,
) -> Video:
    """The one door through which videos come into being: checks the media by decoding it, stores the
    files, and records a draft that only its author and its cameos' owners can see. ``raw_clip`` (the
    engine's lossless frames) is kept beside the media for remixes (``remix.services.remix_record`` makes a
    draft a remix).

    ``made``: the properties of media the caller has just made itself (the generation worker, from its own
    frames), taken as they are, with its JPEG poster: neither file is decoded again."""
    if len(cameos) > MAX_CAMEOS_PER_VIDEO:
        raise InvalidInput(f"A video features at most {MAX_CAMEOS_PER_VIDEO} cameos.", code="too_many_cameos")
    if len(video_bytes) > MAX_VIDEO_BYTES:
        raise InvalidInput("The video file is too large.", code="too_large")
    if made is None:
        info = probe_video(video_bytes)
        poster = normalize_image(
            ContentFile(poster_bytes), field="poster", max_bytes=MAX_VIDEO_BYTES, max_pixels=POSTER_MAX_PIXELS
        )
    else:
        info, poster = made, ContentFile(poster_bytes, name="poster.jpg")
    stored: list[str] = []
    try:
        stored.append(_store("videos", author.pk, ContentFile(video_bytes), "mp4"))
        stored.append(_store("posters", author.pk, poster, (poster.name or "x.jpg").rsplit(".", 1)[-1]))
        if raw_clip is not None:
            stored.append(_store("raw", author.pk, ContentFile(raw_clip), "npz"))
        with transaction.atomic():
            video = Video.objects.create(
                author=author,
                prompt=prompt,
                caption=caption,
                video_file=stored[0],
                poster_file=stored[1],
                width=info.width,
                height=info.height,
                duration_seconds=info.duration_seconds,
                fps=info.fps,
                raw_file=stored[2] if raw_clip is not None else "",
            )
            FeaturedCameo.objects.bulk_create(
                FeaturedCameo(video=video, cameo_id=c.cameo_id, owner=c.owner, handle=c.handle)
                for c in cameos
            )
    except BaseException:
        delete_files(stored)
        raise
    return video


def _require_author(video: Video, actor: User) -> None:
    if video.author_id != actor.pk:
        raise Forbidden("Only the author can do this.", code="not_author")


def _apply_settings(video: Video, **values: str | bool | None) -> list[str]:
    """Set the given caption, visibility and allow_remix (None leaves one as it is); the fields changed."""
    fields = [name for name, value in values.items() if value is not None]
    for name in fields:
        setattr(video, name, values[name])
    return fields


@transaction.atomic
def video_publish(
    *,
    video: Video,
    actor: User,
    caption: str | None = None,
    visibility: str | None = None,
    allow_remix: bool | None = None,
) -> Video:
    """Publish a draft; what is not given keeps the draft's value."""
    video = Video.objects.select_for_update().get(pk=video.pk)
    _require_author(video, actor)
    if video.status == Video.Status.PUBLISHED:
        raise Conflict("This video is already published.", code="already_published")
    if video.status == Video.Status.REMOVED:
        raise Conflict("This video was removed and cannot be published.", code="video_removed")
    if Video.objects.filter(cameo_withdrawn(), pk=video.pk).exists():
        raise Forbidden("A cameo in this video was withdrawn by its owner.", code="cameo_not_permitted")
    video_publishing.send(Publishing(video=video, actor=actor))
    _apply_settings(video, caption=caption, visibility=visibility, allow_remix=allow_remix)
    video.status, video.published_at = Video.Status.PUBLISHED, timezone.now()
    video.save(update_fields=["caption", "visibility", "allow_remix", "status", "published_at"])
    _caption_posted(video)
    transaction.on_commit(lambda: task("feed.tasks.fan_out_video").delay(video.pk))
    transaction.on_commit(lambda: task("feed.tasks.embed_video").delay(video.pk))
    video_published.send(Published(video=video, actor=actor))
    return video


def video_embed(*, video: Video) -> None:
    """Embed the prompt and caption (for the for-you preference match), unless they did not change."""
    text = "\n".join(part for part in (video.prompt, video.caption) if part)
    current = VideoEmbedding.objects.filter(video=video).values_list("text", flat=True).first()
    if not text or text == current:
        return
    vector = to_bytes(embed_text(text))
    try:
        with transaction.atomic():
            VideoEmbedding.objects.update_or_create(video=video, defaults={"text": text, "vector": vector})
    except IntegrityError:
        # Deleted while its text was being embedded (a draft thrown away, an account erased): nothing to keep.
        if Video.objects.filter(pk=video.pk).exists():
            raise


def feed_preference_set(*, user: User, text: str) -> FeedPreference:
    """What the user wants more or less of, in plain words; an empty text clears it."""
    text = text.strip()
    more, less = preferences.split(text)
    more_vector, less_vector = preferences.centroid(more), preferences.centroid(less)
    preference, _ = FeedPreference.objects.update_or_create(
        user=user,
        defaults={
            "text": text,
            "more_vector": None if more_vector is None else to_bytes(more_vector),
            "less_vector": None if less_vector is None else to_bytes(less_vector),
        },
    )
    return preference


def video_fan_out(*, video_id: int) -> None:
    """Send a published video live to the followers online now, then write it into every follower's feed,
    in chunks, each its own task; big accounts' videos are merged at read time instead."""
    video = Video.objects.select_related("author").filter(pk=video_id).first()
    if video is None:
        return
    audience = list(feed_audience(video).order_by("pk").values_list("pk", flat=True))
    big = store.is_big_account(video.author)
    if big:
        store.remember_big_author_video(video.author_id, video.pk)
    # Live first, so that how long the feeds take to write never delays the event; but the feeds of those
    # online are written before it, so that the "new videos" they are told of are there when they look.
    online = online_among(audience)
    if not big:
        store.fan_out(video_id, online)
    video_push_to_online(video_id=video_id, user_ids=online)
    if big:
        return
    for chunk in _chunks(audience):
        task("feed.tasks.fan_out_chunk").delay(video_id, chunk)


def video_fan_out_chunk(*, video_id: int, follower_ids: Sequence[int]) -> None:
    store.fan_out(video_id, follower_ids)


def video_remove_from_feeds(*, video_id: int, author_id: int) -> None:
    store.forget_big_author_video(author_id, video_id)
    follower_ids = list(Follow.objects.filter(followee_id=author_id).values_list("follower_id", flat=True))
    for chunk in _chunks(follower_ids):
        store.remove_video(video_id, chunk)


def feed_merge_followed_author(*, follower_id: int, author_id: int) -> None:
    """Bring an author's recent videos into the feed of someone who has just followed them."""
    recent = Video.objects.filter(author_id=author_id, status=Video.Status.PUBLISHED).order_by("-id")
    store.add_to_home(follower_id, list(recent.values_list("id", flat=True)[: store.cap()]))


def _chunks(ids: list[int]) -> list[list[int]]:
    size = settings.FEED_FANOUT_CHUNK
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def video_push_to_online(*, video_id: int, user_ids: Sequence[int]) -> None:
    """Send ``feed.video`` to those of ``user_ids`` who have a socket open, if the video is still out."""
    video = (
        Video.objects.select_related("author")
        .prefetch_related("featured_cameos__owner")
        .filter(pk=video_id, status=Video.Status.PUBLISHED)
        .first()
    )
    online = online_among(user_ids)
    if video is not None and online:
        publish_event(online, "feed.video", {"video": VideoSerializer(video).data})


@transaction.atomic
def video_update(
    *,
    video: Video,
    actor: User,
    caption: str | None = None,
    visibility: str | None = None,
    allow_remix: bool | None = None,
) -> Video:
    _require_author(video, actor)
    if video.status == Video.Status.REMOVED:
        raise Conflict("This video was removed.", code="video_removed")
    fields = _apply_settings(video, caption=caption, visibility=visibility, allow_remix=allow_remix)
    if fields:
        video.save(update_fields=fields)
    if "caption" in fields and video.status == Video.Status.PUBLISHED:
        _caption_posted(video)
        transaction.on_commit(lambda: task("feed.tasks.embed_video").delay(video.pk))
    return video


def _caption_posted(video: Video) -> None:
    """A caption the public may now read goes past moderation's term list."""
    if video.caption:
        signalled.send(Signal(kind=TEXT_POSTED, target_type="video", target_id=video.pk, text=video.caption))


def video_media_files(video: Video) -> list[str]:
    return [name for name in (video.video_file.name, video.poster_file.name, video.raw_file.name) if name]


@transaction.atomic
def video_take_down(*, video: Video, reason: str, purge: bool = True) -> Video:
    """Remove a video everywhere at once (reads re-check status) and purge its media after commit; with
    ``purge=False`` the files stay, so that the removal can be undone (``video_restore``), and whoever
    removed it purges them later."""
    video = Video.objects.select_for_update().get(pk=video.pk)
    files = video_media_files(video)
    if video.status == Video.Status.REMOVED:
        if reason == Video.Removal.AUTHOR_DELETED and video.removal_reason == Video.Removal.MODERATION:
            # The author deletes a video moderation took down: it is gone for good, appeal or not.
            video.removal_reason = reason
            video.save(update_fields=["removal_reason"])
            transaction.on_commit(lambda: delete_files(files))
        return video
    was_published = video.status == Video.Status.PUBLISHED
    video.status, video.removed_at, video.removal_reason = Video.Status.REMOVED, timezone.now(), reason
    video.save(update_fields=["status", "removed_at", "removal_reason"])

    if purge:
        transaction.on_commit(lambda: delete_files(files))
    if was_published:
        transaction.on_commit(lambda: task("feed.tasks.remove_from_feeds").delay(video.pk, video.author_id))
    return video


@transaction.atomic
def video_restore(*, video: Video) -> Video:
    """Undo a removal whose media was kept: the video is back as it was (a draft, or published and in its
    followers' feeds again). A video removed for another reason than ``moderation`` stays removed."""
    video = Video.objects.select_for_update().get(pk=video.pk)
    if video.status != Video.Status.REMOVED or video.removal_reason != Video.Removal.MODERATION:
        return video
    video.status = Video.Status.PUBLISHED if video.published_at else Video.Status.DRAFT
    video.removed_at, video.removal_reason = None, ""
    video.save(update_fields=["status", "removed_at", "removal_reason"])
    if video.status == Video.Status.PUBLISHED:
        transaction.on_commit(lambda: task("feed.tasks.fan_out_video").delay(video.pk))
    return video


def video_delete(*, video: Video, actor: User) -> None:
    _require_author(video, actor)
    video_take_down(video=video, reason=Video.Removal.AUTHOR_DELETED)


def _require_published(video: Video) -> None:
    if video.status != Video.Status.PUBLISHED:
        raise Conflict("Only published videos take likes and comments.", code="video_not_published")


@transaction.atomic
def like_create(*, video: Video, user: User) -> bool:
    _require_published(video)
    _, created = Like.objects.get_or_create(video=video, user=user)
    if created:
        Video.objects.filter(pk=video.pk).update(like_count=F("like_count") + 1)
        # Liking again after an unlike does not ping the author twice.
        already = Notification.objects.filter(kind=Notification.Kind.LIKE, actor=user, video=video).exists()
        if not already:
            notification_create(recipient=video.author, kind=Notification.Kind.LIKE, actor=user, video=video)
    return created


@transaction.atomic
def like_delete(*, video: Video, user: User) -> bool:
    deleted, _ = Like.objects.filter(video=video, user=user).delete()
    if deleted:
        Video.objects.filter(pk=video.pk).update(like_count=F("like_count") - 1)
    return bool(deleted)


@transaction.atomic
def comment_create(*, video: Video, author: User, text: str) -> Comment:
    _require_published(video)
    text = text.strip()
    if not text:
        raise InvalidInput(
            "Text: A comment cannot be empty.", fields={"text": ["This field may not be blank."]}
        )
    comment = Comment.objects.create(video=video, author=author, text=text)
    Video.objects.filter(pk=video.pk).update(comment_count=F("comment_count") + 1)
    signalled.send(Signal(kind=TEXT_POSTED, target_type="comment", target_id=comment.pk, text=text))
    notification_create(
        recipient=video.author, kind=Notification.Kind.COMMENT, actor=author, video=video, comment=comment
    )
    return comment


def comment_deletable_by(*, comment: Comment, actor: User) -> bool:
    """The comment's author or the video's author may delete it."""
    return actor.pk in (comment.author_id, comment.video.author_id)


@transaction.atomic
def comment_delete(*, comment: Comment, actor: User) -> None:
    if not comment_deletable_by(comment=comment, actor=actor):
        raise Forbidden("Only the comment's or the video's author can delete it.", code="not_author")
    comment_take_down(comment=comment)


@transaction.atomic
def comment_take_down(*, comment: Comment) -> bool:
    """Hide a comment everywhere (the row stays, for ``comment_restore``); False if it already was."""
    removed = Comment.objects.filter(pk=comment.pk, removed_at__isnull=True).update(removed_at=timezone.now())
    if removed:
        Video.objects.filter(pk=comment.video_id).update(comment_count=F("comment_count") - 1)
        Notification.objects.filter(comment=comment).delete()
    return bool(removed)


@transaction.atomic
def comment_restore(*, comment: Comment) -> bool:
    restored = Comment.objects.filter(pk=comment.pk, removed_at__isnull=False).update(removed_at=None)
    if restored:
        Video.objects.filter(pk=comment.video_id).update(comment_count=F("comment_count") + 1)
    return bool(restored)


def notification_create(
    *,
    recipient: User,
    kind: str,
    actor: User | None = None,
    video: Video | None = None,
    comment: Comment | None = None,
    data: dict[str, Any] | None = None,
) -> Notification | None:
    """Record a notification and push it to the recipient's sockets after commit. Nothing is sent to
    yourself, or between people who block each other."""
    if actor is not None and (actor.pk == recipient.pk or block_exists_between(a=actor, b=recipient)):
        return None
    notification = Notification.objects.create(
        recipient=recipient, kind=kind, actor=actor, video=video, comment=comment, data=data or {}
    )
    publish_event([recipient.pk], "notification", {"notification": NotificationSerializer(notification).data})
    return notification


def notifications_mark_read(*, user: User, ids: Sequence[int] | None = None) -> int:
    """Mark the given notifications (or all of them) read; returns how many changed."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
