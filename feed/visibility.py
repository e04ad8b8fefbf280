"""Who may see which video: the one place that decides, for every read of videos everywhere.

A viewer sees their own videos in any status (a removed one without its media). Anyone else's video is
visible only while its author is active and neither blocks the other, and then:
- a published video with no withdrawn cameo, to everyone (``public``), to the author's followers
  (``followers``), or to people the author follows back (``mutuals``);
- a draft, to the owners of the cameos in it (consent means seeing every use, drafts included).
Removed videos are seen by their author only. Because reads filter with ``visible_to`` at query time, a
takedown, a block or a withdrawn cameo takes effect on the next read, whatever caches hold the id. The
following feed reads through ``visible_to`` too; the fan-out audience (``feed_audience``) applies the same
pieces from the author's side.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from feed.models import FeaturedCameo, Video
from sora_social.accounts.models import User
from sora_social.accounts.selectors import blocked_either_way, graph_of, user_is_moderator

# What a published video's visibility asks of a viewer other than its author, besides that neither blocks the
# other: ``followers`` and ``mutuals`` that they follow the author, ``mutuals`` that the author follows them.
MUST_FOLLOW = frozenset({Video.Visibility.FOLLOWERS, Video.Visibility.MUTUALS})
MUST_BE_FOLLOWED_BACK = frozenset({Video.Visibility.MUTUALS})


def cameo_withdrawn() -> Exists:
    """Whether a cameo's owner withdrew it from the video (a filter on videos). While one is withdrawn, a
    video is out for no one but its author, and it cannot be published."""
    return Exists(FeaturedCameo.objects.filter(video=OuterRef("pk"), withdrawn_at__isnull=False))


def _out_to_its_audience() -> Q:
    return Q(status=Video.Status.PUBLISHED, author__is_active=True) & ~Q(cameo_withdrawn())


def visible_to(viewer: User) -> Q:
    graph = graph_of(viewer)
    features_viewer = FeaturedCameo.objects.filter(
        video=OuterRef("pk"), owner=viewer, withdrawn_at__isnull=True
    )
    audience = (~Q(visibility__in=MUST_FOLLOW) | Q(author_id__in=graph.following)) & (
        ~Q(visibility__in=MUST_BE_FOLLOWED_BACK) | Q(author_id__in=graph.followers)
    )
    published = _out_to_its_audience() & audience
    draft = Q(status=Video.Status.DRAFT, author__is_active=True) & Q(Exists(features_viewer))
    others = ~Q(author_id__in=graph.blocked_either_way) & (published | draft)
    return Q(author=viewer) | others


def visible_videos(viewer: User) -> QuerySet[Video]:
    return Video.objects.filter(visible_to(viewer))


def media_visible(video: Video) -> bool:
    """Whether a video that may be seen may also be played (a removed one keeps its record, not its media)."""
    return video.status != Video.Status.REMOVED


def out_to_its_audience(video: Video) -> bool:
    """Whether ``video`` is out for people other than its author: published, by an active author, with no
    withdrawn cameo."""
    return Video.objects.filter(_out_to_its_audience(), pk=video.pk).exists()


VIDEO_MEDIA = "video"


def video_media_allowed(*, object_id: int, name: str, viewer: User | None) -> bool:
    """Whether a media link to the file ``name`` of video ``object_id`` minted for ``viewer`` still works
    (sora_social.core.media_access asks on every request): the file is the video's MP4 or poster (never its
    raw clip), and the viewer may see the video now and play it, or owns a cameo in it (their appearances
    show its poster, withdrawn ones too), or is a moderator (who reviews removed videos while their files
    are kept). A link that names no viewer went to the video's whole audience."""
    video = Video.objects.select_related("author").filter(pk=object_id).first()
    if video is None or name not in (video.video_file.name, video.poster_file.name):
        return False
    if viewer is None:
        return out_to_its_audience(video)
    if media_visible(video) and (
        visible_videos(viewer).filter(pk=video.pk).exists()
        or video.featured_cameos.filter(owner=viewer).exists()
    ):
        return True
    return user_is_moderator(viewer)


def feed_audience(video: Video) -> QuerySet[User]:
    """The followers who may see ``video`` in their following feed: the rules above, for one author's
    published video and the people who follow them (and so meet ``MUST_FOLLOW``)."""
    if not out_to_its_audience(video):
        return User.objects.none()
    author_id = video.author_id
    # A block removes the follows between the two; this also covers a follow that raced with a block.
    followers = User.objects.filter(following_edges__followee_id=author_id, is_active=True).exclude(
        pk__in=blocked_either_way(video.author)
    )
    if video.visibility in MUST_BE_FOLLOWED_BACK:
        followers = followers.filter(follower_edges__follower_id=author_id)
    return followers
