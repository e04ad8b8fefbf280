"""The for-you feed: gather candidates, score them, keep the order diverse.

Candidates come from four sources: recent videos of people you follow, of people they follow (friends of
friends), the most engaged-with videos of the past week, and the freshest public videos. Each goes
through the one visibility rule; your own videos and videos already served to you are left out.

Every candidate gets one score, a weighted sum of:
- recency: halves every ``recency_half_life_hours`` since publishing;
- engagement: likes, comments and remixes (remixes count most: someone built on it), log-scaled;
- affinity: how close you are to the author (mutual > following > friend of a friend), plus how often you
  liked their videos lately;
- preference: how near the video's prompt and caption are to what you asked for more of in plain words
  (``POST /feed/preferences/``), less how near to what you asked for less of (MiniLM cosine similarity).
A last pass reorders greedily so that neither the same author nor the same remix tree comes twice in a row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from django.db.models import Count, F
from django.utils import timezone

from feed.models import FeedPreference, Like, Video, VideoEmbedding
from feed.selectors import videos_hydrate
from sora_social.accounts.models import Follow, User
from sora_social.core.text_embedding import from_bytes


@dataclass(frozen=True)
class Weights:
    recency: float = 1.0
    recency_half_life_hours: float = 24.0
    engagement: float = 0.6
    affinity: float = 0.8
    preference: float = 2.0
    likes_given_bonus: float = 0.2


WEIGHTS = Weights()
PER_SOURCE = 200
SESSION_SIZE = 200
POPULAR_WINDOW = timedelta(days=7)
AFFINITY = {"mutual": 1.0, "following": 0.7, "friend_of_friend": 0.3}


def candidate_ids(viewer: User) -> list[int]:
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
        published.filter(published_at__gte=timezone.now() - POPULAR_WINDOW)
        .alias(e=engagement)
        .order_by("-e", "-id"),
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
        )
    return scores


def diversify(videos: list[Video]) -> list[Video]:
    """Best first, but never the same author or the same remix tree twice in a row when avoidable."""
    remaining, ordered = list(videos), list[Video]()
    while remaining:
        last = ordered[-1] if ordered else None
        pick = next(
            (
                v
                for v in remaining
                if last is None
                or (
                    v.author_id != last.author_id
                    and (v.remix_root_id or v.pk) != (last.remix_root_id or last.pk)
                )
            ),
            remaining[0],
        )
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
