"""The for-you feed: gather candidates, score them, keep the order diverse.

Candidates come from five sources: recent videos of people you follow, of people they follow (friends of
friends), fresh remixes (published within ``REMIX_WINDOW``) of videos you liked, newest first, the most
engaged-with videos of the past week, and the freshest public videos; each gives at most ``PER_SOURCE``.
All go through the one visibility rule; your own videos and videos already served to you are left out.

Every candidate gets one score, a weighted sum of:
- recency: halves every ``recency_half_life_hours`` since publishing;
- engagement: likes, comments (twice) and remixes (three times: someone built on it), log-scaled;
- affinity: how close you are to the author (mutual > following > friend of a friend), plus how often you
  liked their videos lately;
- preference: how near the video's prompt and caption are to what you asked for more of in plain words
  (``POST /feed/preferences/``), less how near to what you asked for less of (MiniLM cosine similarity);
- remix of liked: a flat bonus for a fresh remix of a video you liked (exactly what that source gives),
  whoever made it: you liked what it builds on, so it can reach you before anyone engages with it. Past
  ``REMIX_WINDOW`` a remix is scored like any other video; its own remixes still count in its engagement.
A last pass reorders greedily so that neither the same author nor the same remix tree comes twice in a row
when another video can come instead; a repeated tree is avoided first, a repeated author second. A remix
tree is a root video and all its remixes at any depth: a root's key is its own id, a remix's is its
``remix_root``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.db.models import Count, F, QuerySet
from django.utils import timezone

from feed.models import FeedPreference, Like, Video, VideoEmbedding
from feed.selectors import videos_hydrate
from sora_social.accounts.models import Follow, User
from toolkit.minilm import from_bytes


@dataclass(frozen=True)
class Weights:
    recency: float = 1.0
    recency_half_life_hours: float = 24.0
    engagement: float = 0.6
    affinity: float = 0.8
    preference: float = 2.0
    likes_given_bonus: float = 0.2
    remix_of_liked: float = 0.5


WEIGHTS = Weights()
PER_SOURCE = 200
SESSION_SIZE = 200
POPULAR_WINDOW = timedelta(days=7)
REMIX_WINDOW = timedelta(days=3)
AFFINITY = {"mutual": 1.0, "following": 0.7, "friend_of_friend": 0.3}


def _fresh_remixes_of_liked(viewer: User, now: datetime) -> QuerySet[Video]:
    """Published remixes, published within ``REMIX_WINDOW``, of videos ``viewer`` liked."""
    return Video.objects.filter(
        status=Video.Status.PUBLISHED,
        remix_of_id__in=Like.objects.filter(user=viewer).values("video_id"),
        published_at__gte=now - REMIX_WINDOW,
    )


def candidate_ids(viewer: User) -> list[int]:
    now = timezone.now()
    published = Video.objects.filter(status=Video.Status.PUBLISHED).exclude(author=viewer)
    following = Follow.objects.filter(follower=viewer).values("followee_id")
    friends_of_friends = (
        Follow.objects.filter(follower_id__in=following)
        .exclude(followee_id__in=following)
        .values("followee_id")
    )
    engagement = F("like_count") + 2 * F("comment_count") + 3 * F("remix_count")
    sources = [
        published.filter(author_id__in=following).order_by("-id"),
        published.filter(author_id__in=friends_of_friends).order_by("-id"),
        _fresh_remixes_of_liked(viewer, now).exclude(author=viewer).order_by("-published_at", "-id"),
        published.filter(published_at__gte=now - POPULAR_WINDOW).alias(e=engagement).order_by("-e", "-id"),
        published.filter(visibility=Video.Visibility.PUBLIC).order_by("-id"),
    ]
    ids: dict[int, None] = {}
    for source in sources:
        ids.update(dict.fromkeys(source.values_list("id", flat=True)[:PER_SOURCE]))
    return list(ids)


def _author_affinity(viewer: User, author_ids: set[int]) -> dict[int, float]:
    following = set(
        Follow.objects.filter(follower=viewer, followee_id__in=author_ids).values_list(
            "followee_id", flat=True
        )
    )
    followers = set(
        Follow.objects.filter(followee=viewer, follower_id__in=author_ids).values_list(
            "follower_id", flat=True
        )
    )
    my_following = Follow.objects.filter(follower=viewer).values("followee_id")
    friends_of_friends = set(
        Follow.objects.filter(follower_id__in=my_following, followee_id__in=author_ids).values_list(
            "followee_id", flat=True
        )
    )
    liked = dict(
        Like.objects.filter(
            user=viewer, video__author_id__in=author_ids, created_at__gte=timezone.now() - timedelta(days=30)
        )
        .values("video__author_id")
        .annotate(n=Count("id"))
        .values_list("video__author_id", "n")
    )
    affinity = {}
    for author_id in author_ids:
        if author_id in following:
            base = AFFINITY["mutual"] if author_id in followers else AFFINITY["following"]
        else:
            base = AFFINITY["friend_of_friend"] if author_id in friends_of_friends else 0.0
        affinity[author_id] = base + WEIGHTS.likes_given_bonus * math.log1p(liked.get(author_id, 0))
    return affinity


def _preference_match(viewer: User, videos: list[Video]) -> dict[int, float]:
    """How near each video is to what the viewer wants more of, less how near to what they want less of."""
    preference = FeedPreference.objects.filter(user=viewer).first()
    if preference is None or not preference.text:
        return {}
    more = from_bytes(bytes(preference.more_vector)) if preference.more_vector else None
    less = from_bytes(bytes(preference.less_vector)) if preference.less_vector else None
    vectors = VideoEmbedding.objects.filter(video_id__in=[v.pk for v in videos]).values_list(
        "video_id", "vector"
    )
    match = {}
    for video_id, raw in vectors:
        vector = from_bytes(bytes(raw))
        wanted = float(np.dot(more, vector)) if more is not None else 0.0
        unwanted = float(np.dot(less, vector)) if less is not None else 0.0
        match[video_id] = wanted - unwanted
    return match


def score_all(viewer: User, videos: list[Video]) -> dict[int, float]:
    now = timezone.now()
    affinity = _author_affinity(viewer, {v.author_id for v in videos})
    preference = _preference_match(viewer, videos)
    remixes_of_liked = set(
        _fresh_remixes_of_liked(viewer, now)
        .filter(pk__in=[v.pk for v in videos])
        .values_list("id", flat=True)
    )
    scores = {}
    for video in videos:
        age_hours = max(0.0, (now - (video.published_at or video.created_at)).total_seconds() / 3600)
        recency = 0.5 ** (age_hours / WEIGHTS.recency_half_life_hours)
        engagement = math.log1p(
            video.like_count + 2 * video.comment_count + 3 * video.remix_count
        ) / math.log1p(100)
        scores[video.pk] = (
            WEIGHTS.recency * recency
            + WEIGHTS.engagement * engagement
            + WEIGHTS.affinity * affinity[video.author_id]
            + WEIGHTS.preference * preference.get(video.pk, 0.0)
            + WEIGHTS.remix_of_liked * float(video.pk in remixes_of_liked)
        )
    return scores


def _remix_tree(video: Video) -> int:
    """The id of the tree a video belongs to: a root has no ``remix_root``, so its tree is itself."""
    return video.remix_root_id or video.pk


def diversify(videos: list[Video]) -> list[Video]:
    """Best first, but never the same remix tree, nor then the same author, twice in a row when avoidable."""
    remaining, ordered = list(videos), list[Video]()
    while remaining:
        if ordered:
            last = ordered[-1]
            # min keeps the first of equals: of the videos that repeat the least, the best-scored one.
            pick = min(
                remaining,
                key=lambda v: (_remix_tree(v) == _remix_tree(last), v.author_id == last.author_id),
            )
        else:
            pick = remaining[0]
        remaining.remove(pick)
        ordered.append(pick)
    return ordered


def rank(viewer: User, *, exclude: set[int]) -> list[int]:
    """The viewer's for-you order: visible candidates not in ``exclude``, scored, then diversified."""
    ids = [video_id for video_id in candidate_ids(viewer) if video_id not in exclude]
    videos = videos_hydrate(viewer=viewer, ids=ids)
    scores = score_all(viewer, videos)
    videos.sort(key=lambda v: (scores[v.pk], v.pk), reverse=True)
    return [v.pk for v in diversify(videos[:SESSION_SIZE])]
