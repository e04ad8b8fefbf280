"""Every read of videos, comments and notifications. Video reads all filter with ``visibility.visible_to``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from feed import store
from feed.models import Comment, FeedPreference, Like, Notification, Video
from feed.visibility import visible_videos
from sora_social.accounts.models import User
from sora_social.accounts.selectors import blocked_either_way, blocked_user_ids, graph_of
from sora_social.core.errors import NotFound
from sora_social.core.ids import parse_id
from sora_social.core.pagination import decode_cursor, encode_cursor


def _with_relations(videos: QuerySet[Video]) -> QuerySet[Video]:
    return videos.select_related("author").prefetch_related("featured_cameos__owner")


def video_get_visible(*, viewer: User, video_id: int | str) -> Video:
    """The video, if ``viewer`` may see it; 404 otherwise (never telling hidden from missing)."""
    pk = parse_id(video_id) or -1
    video = _with_relations(visible_videos(viewer)).filter(pk=pk).first()
    if video is None:
        raise NotFound("There is no such video.", code="video_not_found")
    return video


def _hydrate(videos: QuerySet[Video], ids: Iterable[int]) -> list[Video]:
    order = list(dict.fromkeys(ids))
    found = {video.pk: video for video in _with_relations(videos).filter(pk__in=order)}
    return [found[pk] for pk in order if pk in found]


def videos_hydrate(*, viewer: User, ids: Iterable[int]) -> list[Video]:
    """The videos of ``ids`` that ``viewer`` may see, in the order given, in one batch of queries."""
    return _hydrate(visible_videos(viewer), ids)


def following_feed_videos(*, viewer: User, ids: Iterable[int]) -> list[Video]:
    """Like ``videos_hydrate``, keeping only published videos of people ``viewer`` follows now (a store may
    still hold ids of someone unfollowed since)."""
    followed = visible_videos(viewer).filter(author_id__in=graph_of(viewer).following)
    return _hydrate(followed.filter(status=Video.Status.PUBLISHED), ids)


def following_feed_page(*, viewer: User, before: int | None, limit: int) -> tuple[list[Video], bool]:
    """A page of the following feed older than ``before``, and whether more follow. Ids the store holds
    may since have been hidden or unfollowed, so it reads on until the page is full or the store is out."""
    videos: list[Video] = []
    while len(videos) <= limit:
        wanted = limit + 1 - len(videos)
        ids = store.candidates(viewer, before, wanted)
        videos += following_feed_videos(viewer=viewer, ids=ids)
        if len(ids) < wanted:
            break
        before = ids[-1]
    return videos[:limit], len(videos) > limit


def following_feed(*, viewer: User, cursor: str | None, limit: int) -> tuple[list[Video], str | None]:
    """A page of the following feed from an opaque cursor (None: the newest) and the next page's cursor
    (None at the end); a malformed cursor is a 400 ``invalid_cursor``."""
    before = decode_cursor(cursor) if cursor else None
    page, more = following_feed_page(viewer=viewer, before=before, limit=limit)
    return page, encode_cursor(page[-1].pk) if more else None


@dataclass(frozen=True)
class HiddenEngagement:
    """Likes and live comments on a video that come from people a block hides from the reader."""

    likes: int = 0
    comments: int = 0


def engagement_hidden_by_blocks(*, viewer: User, videos: Iterable[Video]) -> dict[int, HiddenEngagement]:
    """For each of ``videos`` (by id) that has any, what its ``like_count`` and ``comment_count`` include
    from people hidden from ``viewer`` by a block either way, which the lists leave out: the counts shown to
    ``viewer`` leave them out too. One query, and two more when ``viewer`` blocks or is blocked by anyone."""
    ids = [video.pk for video in videos]
    hidden = blocked_user_ids(user=viewer) if ids else set()
    if not hidden:
        return {}
    likes = Counter(
        Like.objects.filter(video_id__in=ids, user_id__in=hidden).values_list("video_id", flat=True)
    )
    comments = Counter(
        Comment.objects.filter(video_id__in=ids, author_id__in=hidden, removed_at__isnull=True).values_list(
            "video_id", flat=True
        )
    )
    return {
        pk: HiddenEngagement(likes=likes[pk], comments=comments[pk]) for pk in likes.keys() | comments.keys()
    }


def liked_video_ids(*, user: User, videos: Iterable[Video]) -> set[int]:
    ids = [video.pk for video in videos]
    return (
        set(Like.objects.filter(user=user, video_id__in=ids).values_list("video_id", flat=True))
        if ids
        else set()
    )


def profile_videos(*, viewer: User, author: User) -> QuerySet[Video]:
    return _with_relations(visible_videos(viewer).filter(author=author, status=Video.Status.PUBLISHED))


def my_videos(*, user: User, status: str | None = None) -> QuerySet[Video]:
    videos = Video.objects.filter(author=user)
    return _with_relations(videos.filter(status=status) if status else videos)


def video_comments(*, viewer: User, video: Video) -> QuerySet[Comment]:
    """Comments on a video the viewer may see, leaving out removed ones and people hidden by a block."""
    return (
        Comment.objects.filter(video=video, removed_at__isnull=True, author__is_active=True)
        .exclude(author_id__in=blocked_either_way(viewer))
        .select_related("author")
    )


def comment_get(*, viewer: User, comment_id: int | str) -> Comment:
    pk = parse_id(comment_id) or -1
    comment = Comment.objects.select_related("video").filter(pk=pk, removed_at__isnull=True).first()
    if comment is None or not visible_videos(viewer).filter(pk=comment.video_id).exists():
        raise NotFound("There is no such comment.", code="comment_not_found")
    return comment


def _notifications(user: User) -> QuerySet[Notification]:
    """A user's notifications, without those from people hidden by a block (also ones from before it)."""
    return Notification.objects.filter(recipient=user).exclude(actor_id__in=blocked_either_way(user))


def notifications_for(*, user: User) -> QuerySet[Notification]:
    return _notifications(user).select_related("actor")


def unread_notification_count(*, user: User) -> int:
    return _notifications(user).filter(read_at__isnull=True).count()


def feed_preference_text(*, user: User) -> str:
    return FeedPreference.objects.filter(user=user).values_list("text", flat=True).first() or ""
